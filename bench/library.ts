/**
 * The library as the benchmarks use it: only names a user can import (`orionclient`,
 * `orionclient/utils`, `orionclient/testing`, `orionclient/undici`,
 * `orionclient/redis`), taken from the sources, so moves inside
 * `src/` do not touch the benchmarks.
 */
export {
  Backoff,
  type Clock,
  Coordinator,
  type CoordinatorOptions,
  interactiveSession,
  type JitterName,
  nonInteractiveSession,
  type PlanOptions,
  plan,
  profiles,
  type RetryCoordinator,
  RetryError,
  retry,
  Session,
  type SessionOptions,
  systemClock,
  VirtualClock,
} from '../src/index.js';
export { fromIoredis, RedisStore } from '../src/redis/index.js';
export { type Fault, startFaultServer } from '../src/testing/fault-server.js';
export { retry as retryInterceptor } from '../src/undici/index.js';
export { TemporaryPath } from '../src/utils.js';
