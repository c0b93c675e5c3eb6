/**
 * Server hints about when to retry: `retry-after-ms`, `Retry-After` (RFC 9110 §10.2.3)
 * and the IETF RateLimit fields. Pure: the current time is a parameter, nothing throws on
 * header input, and every result is a finite number of seconds in `[0, max]`. Every
 * parser runs in time linear in the length of the value: a header is up to 16 KiB of
 * whatever the server sends, and it is parsed on every retryable response.
 */
import { checkKeys, checkNumber } from '../validate.js';

/** A delay the server asked for, and which header said so. */
export interface RetryAfterHint {
  /** Seconds to wait, finite, in `[0, max]`; may be fractional. */
  readonly seconds: number;
  /** `retry-after-ms` also covers `x-ms-retry-after-ms`; `ratelimit` covers every RateLimit field. */
  readonly source: 'retry-after-ms' | 'retry-after' | 'ratelimit';
}

/**
 * Response headers: a fetch `Headers` (or anything with `get(name)`), or a plain object
 * such as node's `IncomingHttpHeaders`, whose keys are matched case-insensitively.
 */
export type HeadersLike =
  | {
      /** The value of the field `name` (lowercase), or `null` when it is absent. */
      get(name: string): string | null;
    }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Options of {@link parseRetryAfter} and {@link parseRetryAfterValue}. */
export interface RetryAfterOptions {
  /**
   * Longest delay returned, in seconds; a larger hint is clamped to it (a hostile or broken
   * server cannot make the client sleep for days). Must be finite and >= 0.
   * @default 21600 (6 hours, as urllib3's `retry_after_max`)
   */
  readonly max?: number;
}

/** The default of {@link RetryAfterOptions.max}: 6 hours. */
export const DEFAULT_MAX_RETRY_AFTER = 21_600;

/** Epoch-second values this large in a reset field are timestamps, not delays (2001-09-09). */
const EPOCH_THRESHOLD = 1e9;

/**
 * The delay the server asked for, or `undefined` when no header gives a valid one.
 *
 * Precedence: `retry-after-ms`, then `x-ms-retry-after-ms` (milliseconds, as Azure
 * sends them), then `Retry-After` (see {@link parseRetryAfterValue}), then the RateLimit
 * fields, which the IETF draft ranks below `Retry-After`: `RateLimit: "p";r=0;t=30`
 * (the largest `t` among members whose remaining `r` is 0; the draft-07 dictionary
 * `remaining=0, reset=30` also works), then `RateLimit-Reset` and `X-RateLimit-Reset`
 * (delta seconds, or epoch seconds when >= 1e9), which count only when the matching
 * `…-Remaining` field is absent or 0. A header with an invalid value is skipped, so the
 * next one in line may answer. When a field repeats, the largest valid value wins.
 *
 * @param nowMs The current time in epoch milliseconds, for HTTP-dates and epoch resets.
 *   Defaults to `Date.now()`; pass the injected clock's time to stay deterministic.
 * @throws {TypeError | RangeError} only for a bad `nowMs` or `options`, never for headers.
 * @example
 * ```ts
 * import { parseRetryAfter } from 'orionclient';
 *
 * parseRetryAfter(new Headers({ 'retry-after': '120' })); // { seconds: 120, source: 'retry-after' }
 * parseRetryAfter({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '30' }); // { seconds: 30, source: 'ratelimit' }
 * parseRetryAfter(new Headers({ 'retry-after': 'soon' })); // undefined
 * parseRetryAfter(new Headers({ 'retry-after': '120' }), Date.now(), { max: 60 }); // { seconds: 60, source: 'retry-after' }
 * ```
 */
export function parseRetryAfter(
  headers: HeadersLike,
  nowMs: number = Date.now(),
  options?: RetryAfterOptions,
): RetryAfterHint | undefined {
  const max = checkOptions(nowMs, options);
  const read = reader(headers);
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = largest(read(name), parseDelta);
    if (ms !== undefined) return hint(ms / 1000, 'retry-after-ms', max);
  }
  const retryAfter = largest(read('retry-after'), (v) => retryAfterList(v, nowMs));
  if (retryAfter !== undefined) return hint(retryAfter, 'retry-after', max);
  const rateLimit = largest(read('ratelimit'), rateLimitField);
  if (rateLimit !== undefined) return hint(rateLimit, 'ratelimit', max);
  for (const prefix of ['ratelimit', 'x-ratelimit']) {
    const remaining = largest(read(`${prefix}-remaining`), parseDelta);
    if (remaining !== undefined && remaining > 0) continue;
    const reset = largest(read(`${prefix}-reset`), parseDelta);
    if (reset === undefined) continue;
    const seconds = reset >= EPOCH_THRESHOLD ? reset - nowMs / 1000 : reset;
    return hint(seconds, 'ratelimit', max);
  }
  return undefined;
}

/**
 * Seconds to wait for one `Retry-After` value, or `undefined` when it is not valid.
 *
 * Accepted: delta-seconds (`120`; RFC 9110 allows digits only, non-negative decimals
 * such as `1.5` are accepted too; signs, exponents, hex and anything else are not), and
 * an HTTP-date in each of the three RFC 9110 forms: IMF-fixdate
 * `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` (a two-digit
 * year more than 50 years ahead of `nowMs` is taken from the previous century) and
 * asctime `Sun Nov  6 08:49:37 1994`. Leniencies: surrounding spaces and tabs, any
 * letter case in names, a one-digit day; the day name must be a real one but need not
 * match the date (as in browsers). Impossible dates (`Feb 30`, `25:00:00`) are invalid.
 * A date in the past gives 0; a huge value is clamped to `max`.
 *
 * @param nowMs The current time in epoch milliseconds, for an HTTP-date. Defaults to
 *   `Date.now()`.
 * @throws {TypeError | RangeError} only for a bad `nowMs` or `options`, never for the value.
 * @example
 * ```ts
 * import { parseRetryAfterValue } from 'orionclient';
 *
 * parseRetryAfterValue('120'); // 120
 * parseRetryAfterValue('soon'); // undefined
 * parseRetryAfterValue('99999', undefined, { max: 3600 }); // 3600
 * parseRetryAfterValue('Sun, 06 Nov 1994 08:49:37 GMT', Date.UTC(1994, 10, 6, 8, 49, 7)); // 30
 * ```
 */
export function parseRetryAfterValue(
  value: string,
  nowMs: number = Date.now(),
  options?: RetryAfterOptions,
): number | undefined {
  const max = checkOptions(nowMs, options);
  const seconds = typeof value === 'string' ? retryAfterSingle(value, nowMs) : undefined;
  return seconds === undefined ? undefined : clamp(seconds, max);
}

function checkOptions(nowMs: number, options: RetryAfterOptions | undefined): number {
  // The range of a JavaScript Date, so date arithmetic cannot produce NaN.
  checkNumber('nowMs', nowMs, { min: -8.64e15, max: 8.64e15 });
  const o = checkKeys('Retry-After options', options, ['max']);
  return o.max === undefined ? DEFAULT_MAX_RETRY_AFTER : checkNumber('max', o.max, { min: 0 });
}

function hint(seconds: number, source: RetryAfterHint['source'], max: number): RetryAfterHint {
  return { seconds: clamp(seconds, max), source };
}

function clamp(seconds: number, max: number): number {
  // NaN cannot reach here, but a clamp that lets it through would be a trap for later edits:
  // `NaN || 0` is 0.
  return Math.min(Math.max(seconds || 0, 0), max);
}

/**
 * Every string value of one field, whatever the container; never throws (`null`, a
 * primitive or a throwing getter reads as no value).
 */
function reader(headers: HeadersLike): (name: string) => string[] {
  return (name) => {
    try {
      const values =
        typeof (headers as { get?: unknown }).get === 'function'
          ? [(headers as { get(name: string): unknown }).get(name)]
          : Object.entries(headers)
              .filter(([key]) => key.toLowerCase() === name)
              .flatMap(([, value]) => value);
      return values.filter((value): value is string => typeof value === 'string');
    } catch {
      // Stryker disable next-line ArrayDeclaration: a list of one invalid value reads as none
      return [];
    }
  };
}

/** The larger of two optional numbers; `undefined` only when both are. */
function larger(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.max(a, b);
}

function largest(values: string[], parse: (value: string) => number | undefined) {
  let best: number | undefined;
  for (const value of values) best = larger(best, parse(value));
  return best;
}

/**
 * `value` without leading and trailing spaces and tabs (optional whitespace). A loop, not
 * a regex: `/[ \t]+$/` retries from every position of a long run of blanks followed by
 * something else, which is quadratic.
 */
function trimOws(value: string): string {
  // Outside the string charCodeAt is NaN, which ends each loop; for a value of blanks only,
  // `end` passes `start` and slice gives ''.
  let start = 0;
  while (isOws(value.charCodeAt(start))) start++;
  let end = value.length;
  while (isOws(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

const DELTA = /^\d+(?:\.\d+)?$/;

/** A non-negative decimal number (may be Infinity for absurdly long digit strings). */
function parseDelta(value: string): number | undefined {
  const text = trimOws(value);
  return DELTA.test(text) ? Number(text) : undefined;
}

function retryAfterSingle(value: string, nowMs: number): number | undefined {
  const delta = parseDelta(value);
  if (delta !== undefined) return delta;
  const date = parseHttpDate(trimOws(value), nowMs);
  // A date in the past is a hint to retry now: 0 after clamping.
  return date === undefined ? undefined : (date - nowMs) / 1000;
}

/**
 * A repeated field reaches `Headers.get` joined with ", ", and HTTP-dates contain a comma
 * themselves: a list member is one part (delta-seconds, asctime), or a part that completes
 * the one before it (a day name, then the rest of the date). Neither half of a date is
 * valid alone, so no part is read twice as a member.
 */
function retryAfterList(value: string, nowMs: number): number | undefined {
  let best: number | undefined;
  let previous: string | undefined;
  for (const part of value.split(',')) {
    const n =
      retryAfterSingle(part, nowMs) ??
      // Stryker disable next-line ConditionalExpression: "undefined,…" is never a valid date either
      (previous === undefined ? undefined : retryAfterSingle(`${previous},${part}`, nowMs));
    best = larger(best, n);
    previous = part;
  }
  return best;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const LONG_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF = new RegExp(`^([a-z]{3}), (\\d{1,2}) ([a-z]{3}) (\\d{4}) ${TIME} gmt$`, 'i');
const RFC850 = new RegExp(`^([a-z]{6,9}), (\\d{1,2})-([a-z]{3})-(\\d{2}) ${TIME} gmt$`, 'i');
const ASCTIME = new RegExp(`^([a-z]{3}) ([a-z]{3}) (\\d{2}| ?\\d) ${TIME} (\\d{4})$`, 'i');

/** Epoch milliseconds of an HTTP-date in any of the three forms, or `undefined`. */
function parseHttpDate(text: string, nowMs: number): number | undefined {
  let m = IMF.exec(text);
  if (m) return isDay(m[1]!, DAYS) ? dateMs(Number(m[4]), m[3]!, m[2]!, m.slice(5)) : undefined;
  m = ASCTIME.exec(text);
  if (m) return isDay(m[1]!, DAYS) ? dateMs(Number(m[7]), m[2]!, m[3]!, m.slice(4)) : undefined;
  m = RFC850.exec(text);
  if (!m || !isDay(m[1]!, LONG_DAYS)) return undefined;
  // RFC 9110 §5.6.7: a two-digit year that looks more than 50 years ahead is in the past.
  // The century is chosen before validation, so 29-Feb-00 is judged in the year it means.
  const [month, day, time] = [m[3]!, m[2]!, m.slice(5)];
  const now = new Date(nowMs);
  const limit = new Date(nowMs).setUTCFullYear(now.getUTCFullYear() + 50);
  const sameCentury = Math.floor(now.getUTCFullYear() / 100) * 100 + Number(m[4]);
  const year = [sameCentury + 100, sameCentury, sameCentury - 100].find(
    (y) => (dateMs(y, month, day, time, false) ?? Number.POSITIVE_INFINITY) <= limit,
  );
  return year === undefined ? undefined : dateMs(year, month, day, time);
}

function isDay(name: string, names: readonly string[]): boolean {
  return names.includes(name.toLowerCase());
}

/** Epoch ms of a UTC date; `undefined` if it does not exist (unless `strict` is false). */
function dateMs(
  year: number,
  monthName: string,
  dayText: string,
  time: readonly (string | undefined)[],
  strict = true,
): number | undefined {
  const month = MONTHS.indexOf(monthName.toLowerCase());
  const day = Number(dayText);
  const [hour, minute, second] = time.map(Number) as [number, number, number];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const lastDay = month === 1 && leap ? 29 : (MONTH_DAYS[month] ?? 0);
  // An unknown month (-1) has no days, so the day check rejects it.
  const valid = day >= 1 && day <= lastDay && hour <= 23 && minute <= 59 && second <= 60;
  if (strict && !valid) return undefined;
  // Date.UTC maps years 0–99 to 19xx; setUTCFullYear does not. A leap second (60) rolls over.
  const ms = new Date(Date.UTC(2000, month, day, hour, minute, second)).setUTCFullYear(year);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The RateLimit structured field (draft-ietf-httpapi-ratelimit-headers): a list of
 * `policy;r=…;t=…` items. Also reads the older dictionary `limit=…, remaining=…, reset=…`.
 */
function rateLimitField(value: string): number | undefined {
  let best: number | undefined;
  const dictionary: Record<string, number> = {};
  for (const member of splitOutsideQuotes(value, ',')) {
    // A split gives at least one part.
    const [item, ...params] = splitOutsideQuotes(member, ';') as [string, ...string[]];
    const pair = /^([a-z*][a-z0-9_.*-]*)=(\d{1,15})$/.exec(trimOws(item));
    if (pair && params.length === 0) {
      dictionary[pair[1]!] = Number(pair[2]);
      continue;
    }
    // Only `r` (remaining) and `t` (seconds until the quota resets) matter here.
    const p: { r?: number; t?: number } = {};
    for (const param of params) {
      const kv = /^([rt])=(-?\d{1,15})$/.exec(trimOws(param));
      if (kv) p[kv[1] as 'r' | 't'] = Number(kv[2]);
    }
    if (p.r !== undefined && p.r <= 0 && p.t !== undefined && p.t >= 0) best = larger(best, p.t);
  }
  const { remaining, reset } = dictionary;
  if (best === undefined && remaining === 0) best = reset;
  return best;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  // Stryker disable next-line EqualityOperator: one step past the end reads undefined, which matches nothing
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === separator && !quoted) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}
