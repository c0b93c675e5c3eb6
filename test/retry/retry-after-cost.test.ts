import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/retry/retry-after.js';

/**
 * Every header the parser reads, given a 16 KiB value built to make a careless parser
 * quadratic, costs about what parsing a 16-byte value of the same shape 1,024 times costs
 * (the same number of bytes). Only the ratio of two timings taken side by side is
 * asserted: no wall-clock bound, and a loaded machine slows both sides alike. A quadratic
 * parser is about 1,024 times slower per byte on the long value than on the short one.
 */

const NOW = Date.UTC(2025, 0, 1);
const LONG = 16 * 1024;
const SHORT = 16;
/** Parses of the short value per sample: as many bytes as one long value. */
const REPEAT = LONG / SHORT;
/** A linear parser measures about 1 or less (the short value carries the per-call cost). */
const FACTOR = 8;

const headerNames = [
  'retry-after',
  'retry-after-ms',
  'x-ms-retry-after-ms',
  'ratelimit',
  'ratelimit-reset',
  'ratelimit-remaining',
  'x-ratelimit-reset',
  'x-ratelimit-remaining',
] as const;

/** `head`, then `unit` repeated, then `tail`: exactly `n` characters. */
function fill(n: number, head: string, unit: string, tail = ''): string {
  const body = unit.repeat(Math.ceil(n / unit.length)).slice(0, n - head.length - tail.length);
  return head + body + tail;
}

const shapes: ReadonlyArray<readonly [string, (n: number) => string]> = [
  ['tabs then junk', (n) => fill(n, '1', '\t', 'x')],
  ['spaces then junk', (n) => fill(n, '1', ' ', 'x')],
  ['spaces and tabs then junk', (n) => fill(n, '1', ' \t', 'x')],
  ['leading blanks then junk', (n) => fill(n, '', '\t ', 'x')],
  ['a long digit run', (n) => fill(n, '', '9')],
  ['a long digit run then junk', (n) => fill(n, '', '9', 'x')],
  ['digits and dots', (n) => fill(n, '1', '.1', '.')],
  ['many commas', (n) => fill(n, '', ',')],
  ['many list members', (n) => fill(n, '', '1, ')],
  ['day names and commas', (n) => fill(n, '', 'Sun, ')],
  ['many semicolons', (n) => fill(n, 'p', ';')],
  ['many parameters', (n) => fill(n, 'p', ';r=0;t=1')],
  ['blanks after a semicolon then junk', (n) => fill(n, 'p;r=0;t=', ' ', 'x')],
  ['a long token', (n) => fill(n, '', 'a', '=1')],
  ['a long quoted string', (n) => fill(n, '"', 'a', '";r=0;t=1')],
  ['an unterminated quote', (n) => fill(n, '"', 'a,; \\')],
  ['escaped quotes', (n) => fill(n, '"', '\\"')],
];

function elapsed(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** How many times the long value costs more than `REPEAT` short ones, by medians. */
function costRatio(name: string, shape: (n: number) => string): number {
  const long = { [name]: shape(LONG) };
  const short = { [name]: shape(SHORT) };
  const parseLong = () => {
    parseRetryAfter(long, NOW);
  };
  const parseShort = () => {
    for (let i = 0; i < REPEAT; i++) parseRetryAfter(short, NOW);
  };
  parseLong();
  parseShort();
  const longTimes: number[] = [];
  const shortTimes: number[] = [];
  for (let sample = 0; sample < 7; sample++) {
    longTimes.push(elapsed(parseLong));
    shortTimes.push(elapsed(parseShort));
  }
  return median(longTimes) / median(shortTimes);
}

describe('parseRetryAfter runs in linear time on hostile 16 KiB values', () => {
  it('builds values of exactly the intended sizes', () => {
    for (const [, shape] of shapes) {
      expect(shape(LONG)).toHaveLength(LONG);
      expect(shape(SHORT)).toHaveLength(SHORT);
    }
  });

  describe.each(headerNames)('%s', (name) => {
    it.each(shapes)('%s', (_shape, shape) => {
      expect(costRatio(name, shape)).toBeLessThan(FACTOR);
    });
  });
});
