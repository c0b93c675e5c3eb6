import { describe, expect, it } from 'vitest';
import { redact, redactUrl, safeUrl } from '../../src/retry/errors.js';

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
