import { type ParseArgsConfig, parseArgs } from 'node:util';
import { printable, UsageError } from './output.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What {@link parseCommand} returns: each flag's value, typed by its declaration. */
export interface Parsed<O extends Options> {
  values: {
    [K in keyof (O & typeof commonOptions)]?: (O & typeof commonOptions)[K] extends {
      type: 'boolean';
    }
      ? boolean
      : (O & typeof commonOptions)[K] extends { multiple: true }
        ? string[]
        : string;
  };
  positionals: string[];
}

/** The flags every command accepts. */
export const commonOptions = {
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/**
 * `parseArgs` in strict mode, with its errors turned into {@link UsageError}s that name
 * the offending flag. A negative number after a flag that takes a value is that value
 * (`--timeout -1`), so the flag's own check can say what is wrong with it.
 */
export function parseCommand<const O extends Options>(
  argv: readonly string[],
  options: O,
  allowPositionals = false,
): Parsed<O> {
  const all = { ...commonOptions, ...options };
  try {
    return parseArgs({
      args: joinNegativeValues(argv, all),
      options: all,
      strict: true,
      allowPositionals,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error, argv, all));
  }
}

/** `--flag -1` as `--flag=-1` and `-f -1` as `-f-1`, for flags that take a value. */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const takesValue = (arg: string) => {
    const long = /^--([^=]+)$/.exec(arg)?.[1];
    if (long !== undefined) return options[long]?.type === 'string';
    const short = /^-([^-])$/.exec(arg)?.[1];
    return Object.values(options).some((o) => o.short === short && o.type === 'string');
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return out.concat(argv.slice(i));
    const next = argv[i + 1];
    if (next !== undefined && /^-\.?\d/.test(next) && takesValue(arg)) {
      out.push(arg.startsWith('--') ? `${arg}=${next}` : `${arg}${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function describeParseError(error: unknown, argv: readonly string[], options: Options): string {
  const e = error as { code?: string; message?: string };
  const message = e.message ?? String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${quoted ?? ''}`.trimEnd();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // `-o, --output <value>` names both spellings: say the one that was typed.
      const spellings = (quoted ?? 'a flag').replace(/ <value>$/, '').split(', ');
      const flag = spellings.find((s) => argv.includes(s)) ?? spellings[0]!;
      if (/does not take an argument/.test(message)) return `${flag} does not take a value`;
      if (!/ambiguous/.test(message)) return `${flag} needs a value`;
      const long = flag.startsWith('--')
        ? flag
        : `--${Object.keys(options).find((k) => `-${options[k]?.short}` === flag)}`;
      return `${flag} needs a value (one that starts with '-' is written ${long}=-…)`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted ? `'${quoted}'` : ''}`.trimEnd();
    default:
      return message;
  }
}

/** A number flag: finite, from `min` to `max`, an integer when asked. */
export function numberFlag(
  flag: string,
  value: string | undefined,
  rule: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === '' ? Number.NaN : Number(value);
  const min = rule.min ?? 0;
  const max = rule.max ?? Number.POSITIVE_INFINITY;
  const kind = rule.integer ? 'an integer' : 'a number';
  if (!Number.isFinite(n) || n < min || n > max || (rule.integer && !Number.isInteger(n))) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} must be ${kind} ${range}, got '${printable(value)}'`);
  }
  return n;
}

/** A flag that takes one of a few words. */
export function choiceFlag<T extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) {
    throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got '${printable(value)}'`);
  }
  return value as T;
}
