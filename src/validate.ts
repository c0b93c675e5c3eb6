/**
 * Option validation shared by every public constructor: each failure names the option,
 * what was expected and what was given, so a typo is found from the message alone.
 */

/** Renders a value for an error message without dumping large or sensitive objects. */
export function show(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an object`;
  return String(value);
}

export interface NumberRule {
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Text for the lower bound when it comes from another option, e.g. "`base` (0.1)". */
  minText?: string;
  integer?: boolean;
  /** Allow `Infinity` (for budgets that may be unlimited). */
  infinite?: boolean;
}

/** Checks one numeric option and returns it. */
export function checkNumber(name: string, value: unknown, rule: NumberRule = {}): number {
  if (typeof value !== 'number') {
    throw new TypeError(`\`${name}\` must be a number, got ${show(value)} (${typeof value})`);
  }
  const { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY } = rule;
  const kind = rule.integer ? 'an integer' : rule.infinite ? 'a number' : 'a finite number';
  const bounds: string[] = [];
  if (min > Number.NEGATIVE_INFINITY) bounds.push(`>= ${rule.minText ?? min}`);
  if (max < Number.POSITIVE_INFINITY) bounds.push(`<= ${max}`);
  const expected = `\`${name}\` must be ${kind}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`;
  const finiteOk =
    Number.isFinite(value) || (rule.infinite === true && value === Number.POSITIVE_INFINITY);
  const integerOk = !rule.integer || Number.isInteger(value) || value === Number.POSITIVE_INFINITY;
  if (!finiteOk || !integerOk || value < min || value > max) {
    throw new RangeError(`${expected}, got ${show(value)}`);
  }
  return value;
}

/** An HTTP status code: an integer in 100–599. */
export function checkStatus(name: string, value: unknown): number {
  if (typeof value === 'string' && /^\d{3}$/.test(value)) return checkStatus(name, Number(value));
  if (typeof value !== 'number') {
    throw new TypeError(
      `\`${name}\` must be an HTTP status code, got ${show(value)} (${typeof value})`,
    );
  }
  if (!Number.isInteger(value) || value < 100 || value > 599) {
    throw new RangeError(
      `\`${name}\` must be an HTTP status code (an integer 100–599), got ${show(value)}`,
    );
  }
  return value;
}

/** Checks an option that must be a function; `undefined` (the option is absent) passes. */
export function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`\`${name}\` must be a function, got ${show(value)} (${typeof value})`);
  }
}

/** Checks an option that must be a boolean. */
export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`\`${name}\` must be a boolean, got ${show(value)} (${typeof value})`);
  }
  return value;
}

/**
 * Reads an option that is either a switch or its settings: `false` gives `false` (off),
 * `undefined` and `true` give `{}` (on, with the defaults), an object is checked against
 * `allowed`.
 */
export function checkSection(
  name: string,
  value: unknown,
  allowed: readonly string[],
): Record<string, unknown> | false {
  if (value === false) return false;
  if (value === undefined || value === true) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`\`${name}\` must be a boolean or an options object, got ${show(value)}`);
  }
  return checkKeys(`\`${name}\``, value, allowed);
}

/**
 * Checks an option that must be an object with these methods, such as a `Clock`;
 * `undefined` (the option is absent) passes.
 */
export function checkMethods(
  name: string,
  value: unknown,
  kind: string,
  methods: readonly string[],
): void {
  if (value === undefined) return;
  const object = value as Record<string, unknown> | null;
  if (
    object === null ||
    (typeof object !== 'object' && typeof object !== 'function') ||
    methods.some((m) => typeof object[m] !== 'function')
  ) {
    throw new TypeError(
      `\`${name}\` must be ${kind} (an object with ${methods.join(', ')}), got ${show(value)}`,
    );
  }
}

/** Rejects an options object that is not a plain object, or that has keys nobody reads. */
export function checkKeys(
  what: string,
  options: unknown,
  allowed: readonly string[],
): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${what} must be an object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const hint = closest(key, allowed);
      throw new TypeError(
        `Unknown option \`${key}\` in ${what}${hint ? `; did you mean \`${hint}\`?` : ''} (known: ${allowed.join(', ')})`,
      );
    }
  }
  return options as Record<string, unknown>;
}

/** Checks that a value is one of a fixed list of strings. */
export function checkOneOf<T extends string>(
  name: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    const error = typeof value === 'string' ? RangeError : TypeError;
    throw new error(
      `\`${name}\` must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${show(value)}`,
    );
  }
  return value as T;
}

function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Reads a `status → value` table, a plain object or a Map, checking each key as an HTTP
 * status and each value with `read` (given the value and its label, e.g. `earlyCap[429]`).
 * Returns a frozen object keyed by status.
 */
export function statusTable<T>(
  name: string,
  value: unknown,
  read: (entry: unknown, label: string) => T,
): Readonly<Record<number, T>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(
      `\`${name}\` must be an object or a Map keyed by status, got ${show(value)}`,
    );
  }
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  const out: Record<number, T> = {};
  for (const [key, entry] of entries) {
    const status = checkStatus(`${name} key`, typeof key === 'string' ? Number(key) : key);
    out[status] = read(entry, `${name}[${status}]`);
  }
  return Object.freeze(out);
}

/**
 * The two values of a pair given as `[a, b]` or as `{ [names[0]]: a, [names[1]]: b }`,
 * unchecked; anything else is a TypeError naming both forms.
 */
export function readPair(
  label: string,
  value: unknown,
  names: readonly [string, string],
): [unknown, unknown] {
  if (Array.isArray(value) && value.length === 2) return [value[0], value[1]];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = checkKeys(`\`${label}\``, value, names);
    return [o[names[0]], o[names[1]]];
  }
  throw new TypeError(
    `\`${label}\` must be a [${names.join(', ')}] pair or { ${names.join(', ')} }, got ${show(value)}`,
  );
}

/** Checks an option that must be an AbortSignal; `undefined` (the option is absent) passes. */
export function checkSignal(name: string, value: unknown): void {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw new TypeError(`\`${name}\` must be an AbortSignal, got ${show(value)}`);
  }
}

/** Checks an option that must be a Clock (`now`, `sleep`, `random`); `undefined` passes. */
export function checkClock(name: string, value: unknown): void {
  checkMethods(name, value, 'a Clock', ['now', 'sleep', 'random']);
}
