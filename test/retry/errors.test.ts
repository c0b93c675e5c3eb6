import { describe, expect, it } from 'vitest';
import {
  type AttemptRecord,
  errorCode,
  OrionError,
  RetryError,
  redact,
  redactUrl,
  safeUrl,
} from '../../src/retry/errors.js';
import type { StopReason } from '../../src/retry/policy.js';

describe('redact', () => {
  it('shows a URL that parses as safeUrl does: no credentials, no query, no fragment', () => {
    expect(redact('GET https://user:pw@api.test:8443/a/b?token=t#frag failed')).toBe(
      'GET https://api.test:8443/a/b?… failed',
    );
    expect(redact('see http://api.test/x#only-a-fragment')).toBe('see http://api.test/x');
  });

  it('cuts a URL that does not parse after its last @, and drops its query', () => {
    expect(redact('http://user:pa/ss@[bad')).toBe('http://[bad');
    expect(redact('http://user:p@ss@[bad?token=t more')).toBe('http://[bad?… more');
    expect(redact('http://[::1#x')).toBe('http://[::1');
  });

  it('redactUrl reads the whole string as one URL, whitespace included', () => {
    expect(redactUrl('http://us er:p w@exa mple/?k=v')).toBe('http://exa mple/?…');
    expect(redactUrl('http://user:pw@h.test/p?q')).toBe('http://h.test/p?…');
    expect(redactUrl('no scheme@host')).toBe('host');
  });

  it('leaves text without URLs alone', () => {
    expect(redact('connect ECONNREFUSED 127.0.0.1:8080')).toBe(
      'connect ECONNREFUSED 127.0.0.1:8080',
    );
    expect(redact('user@example.com wrote')).toBe('user@example.com wrote');
  });

  it('safeUrl keeps origin and path, marks a query, and never throws', () => {
    expect(safeUrl('https://u:p@h.test/p?q=1')).toBe('https://h.test/p?…');
    expect(safeUrl(new URL('http://h.test/'))).toBe('http://h.test/');
    expect(safeUrl('not a url')).toBe('(invalid URL)');
  });
});

describe('redactUrl, a URL that does not parse', () => {
  it('shows one that parses in its normal form (lower-case scheme and host, no default port)', () => {
    expect(redactUrl('HTTP://User:Pw@H.TEST:80/a?k=v')).toBe('http://h.test/a?…');
  });

  it('reads a scheme only at the start', () => {
    expect(redactUrl('see http://[x')).toBe('see http://[x');
  });

  it('drops a query that starts right after the userinfo', () => {
    expect(redactUrl('http://u:secret@?token=abc')).toBe('http://?…');
    expect(redactUrl('http://u:secret@#frag')).toBe('http://');
  });
});

describe('errorCode', () => {
  const chain = (depth: number, code: string) => {
    let e: unknown = Object.assign(new Error('inner'), { code });
    for (let i = 0; i < depth; i++) e = new Error(`wrap ${i}`, { cause: e });
    return e;
  };

  it('finds a code up to four causes deep, and not deeper', () => {
    expect(errorCode(chain(0, 'ECONNRESET'))).toBe('ECONNRESET');
    expect(errorCode(chain(4, 'ECONNRESET'))).toBe('ECONNRESET');
    expect(errorCode(chain(5, 'ECONNRESET'))).toBeUndefined();
  });

  it('ends on a cause chain that loops, and on values that are not objects', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(errorCode(a)).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
    expect(errorCode(new Error('x', { cause: null }))).toBeUndefined();
    expect(errorCode(Object.assign(() => {}, { code: 'ECONNRESET' }))).toBeUndefined();
    expect(errorCode('ECONNRESET')).toBeUndefined();
  });
});

describe('RetryError', () => {
  const error = (statuses: Pick<AttemptRecord, 'status'>[], reason: StopReason) =>
    new RetryError({
      attempts: statuses.map((a, i) => ({ attempt: i + 1, start: i, end: i + 0.5, ...a })),
      reason,
      description: 'GET http://h.test/',
      cause: undefined,
      elapsed: 1.25,
    });

  it('names the last attempt, and counts attempts in the singular and the plural', () => {
    expect(error([{ status: 503 }, { status: 429 }, { status: 502 }], 'retries').message).toBe(
      'GET http://h.test/ failed after 3 attempts in 1.3 s: status 502 (retries exhausted)',
    );
    expect(error([{ status: 503 }], 'budget').message).toBe(
      'GET http://h.test/ failed after 1 attempt in 1.3 s: status 503 (retry budget spent)',
    );
  });

  it('says why no retry followed, for every reason', () => {
    const reasons: Record<StopReason, string> = {
      retries: 'retries exhausted',
      retryTimeout: 'retryTimeout reached',
      retryAfter: 'Retry-After beyond the budget',
      notRetryable: 'not retryable',
      aborted: 'aborted',
      budget: 'retry budget spent',
    };
    for (const [reason, text] of Object.entries(reasons)) {
      expect(error([{ status: 503 }], reason as StopReason).message).toMatch(
        new RegExp(`\\(${text}\\)$`),
      );
    }
  });

  it('is an OrionError with its own name', () => {
    const e = error([{ status: 503 }], 'retries');
    expect(e).toBeInstanceOf(OrionError);
    expect(e.name).toBe('RetryError');
    expect(new OrionError('x').name).toBe('OrionError');
  });
});
