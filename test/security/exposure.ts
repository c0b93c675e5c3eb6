/**
 * Planted secrets and a renderer of everything an object can show: JSON, `util.inspect`
 * (which follows `cause` chains), `String()`, stacks, and each `cause`'s own message and
 * stack. A secret that appears in none of them reaches no log, error report or screen.
 */
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';

/** Unique per run, so a match can only come from this run's planting. */
export const SECRET = `S3CR3T-${randomUUID()}`;

/** The credentials a request carries, each holding the secret. */
export const planted = {
  authorization: `Bearer ${SECRET}-authorization`,
  cookie: `sid=${SECRET}-cookie`,
  'proxy-authorization': `Basic ${SECRET}-proxy`,
  'x-api-key': `${SECRET}-api-key`,
} as const;

/** A URL with a password and a token in its query. */
export function withCredentials(url: string): string {
  const u = new URL(url);
  u.username = 'user';
  u.password = `${SECRET}-password`;
  return u.href;
}

export function withQueryToken(url: string): string {
  const u = new URL(url);
  u.searchParams.set('token', `${SECRET}-query`);
  return u.href;
}

/** Every rendering of `values` that could end up in a log. */
export function render(...values: unknown[]): string {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 8 || seen.has(value)) return;
    seen.add(value);
    try {
      out.push(JSON.stringify(value) ?? '');
    } catch {
      // Cycles: inspect below still renders it.
    }
    out.push(inspect(value, { depth: Number.POSITIVE_INFINITY }));
    out.push(inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }));
    if (typeof value === 'string') out.push(value);
    if (value instanceof Error) {
      out.push(String(value), value.message, value.stack ?? '');
      visit(value.cause, depth + 1);
      if (value instanceof AggregateError) for (const e of value.errors) visit(e, depth + 1);
    }
    if (Array.isArray(value)) for (const item of value) visit(item, depth + 1);
  };
  for (const value of values) visit(value, 0);
  return out.join('\n');
}

/** Where the secret shows in `text`, with some context, or `undefined` when it does not. */
export function leak(text: string): string | undefined {
  const at = text.indexOf(SECRET.slice(0, 12));
  return at < 0 ? undefined : text.slice(Math.max(0, at - 120), at + 80);
}
