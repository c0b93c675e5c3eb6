import { Coordinator, type CoordinatorOptions, type JitterName } from '../../library.js';
import type { Contender } from '../world.js';
import { axiosRetry } from './axios-retry.js';
import { fetchRetry } from './fetch-retry.js';
import { got } from './got.js';
import { ky } from './ky.js';
import { orion, orionNoBackoff } from './orion.js';
import { proposedRetryAfter, proposedRule } from './proposed.js';
import {
  cockatielDefaults,
  exponentialBackoffDefaults,
  pRetryDefaults,
  smithyAdaptive,
  smithyStandard,
} from './real.js';
import { undici } from './undici.js';

const coordinated = (id: string, label: string, options: Omit<CoordinatorOptions, 'clock'> = {}) =>
  orion(id, label, { coordinator: (clock) => new Coordinator({ clock, ...options }) });

const jitter = (name: JitterName, label: string) =>
  orion(`orion-${name}`, label, { options: { jitter: name } });

/** Every row of the benchmark, by id. */
export const contenders: Readonly<Record<string, Contender>> = Object.fromEntries(
  [
    orion('orion', 'orion Session (default: nonInteractive, centered)'),
    // The opt-in early cap for 429: the doubling value of the first 12 sleeps capped at 30 s (20 s).
    orion('orion-early30', 'orion, early cap 429 12:30', {
      options: { earlyCap: { 429: [12, 30] } },
    }),
    orion('orion-early20', 'orion, early cap 429 12:20', {
      options: { earlyCap: { 429: [12, 20] } },
    }),
    orion('orion-exact', 'orion Session, Retry-After exact (retryAfterSpread: false)', {
      options: { retryAfterSpread: false },
    }),
    orion('orion-interactive', 'orion Session (interactive)', {
      options: { profile: 'interactive' },
    }),
    orionNoBackoff,
    jitter('none', 'orion jitter none (plain doubling)'),
    jitter('full', 'orion jitter full'),
    jitter('equal', 'orion jitter equal'),
    jitter('decorrelated', 'orion jitter decorrelated (AWS)'),
    coordinated('orion+coord', 'orion + Coordinator (all on)'),
    coordinated('orion+ra', 'orion + Coordinator (Retry-After only)', {
      rateLimit: false,
      budget: false,
    }),
    coordinated('orion+rl', 'orion + Coordinator (rate limit only)', {
      retryAfter: false,
      budget: false,
    }),
    coordinated('orion+budget', 'orion + Coordinator (budget only)', {
      retryAfter: false,
      rateLimit: false,
    }),
    orion('orion-3', 'reference: 3 retries', { options: { retries: 3 } }),
    proposedRetryAfter('g1', 's + U(0, s)', 1, 1),
    proposedRetryAfter('g1.5', 's + U(0, min(30, s·1.5^(k−1)))', 1, 1.5),
    proposedRetryAfter('g2', 's + U(0, min(30, s·2^(k−1)))', 1, 2),
    // Tuned to the two fleet sizes of the grid: as fast as s + U(0, s) while k ≤ 6.
    proposedRule('hold6', 's + U(0, s) for k ≤ 6, then s + U(0, min(45, s·4^(k−6)))', ({ s, k }) =>
      k <= 6 ? s : Math.min(45, s * 4 ** (k - 6)),
    ),
    pRetryDefaults,
    exponentialBackoffDefaults,
    cockatielDefaults,
    smithyStandard,
    smithyAdaptive,
    got,
    ky,
    axiosRetry,
    undici,
    fetchRetry,
  ].map((c) => [c.id, c]),
);

/** The peers with their default settings, in table order. */
export const peerIds = [
  'p-retry',
  'exponential-backoff',
  'cockatiel',
  'smithy-standard',
  'smithy-adaptive',
  'got',
  'ky',
  'axios-retry',
  'undici',
  'fetch-retry',
];
