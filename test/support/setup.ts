import { afterAll } from 'vitest';

// A rejection nobody handled is a bug in the library or a test: fail the run on it.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  if (unhandled.length > 0) {
    throw new Error(`Unhandled rejections during this file: ${unhandled.map(String).join('; ')}`);
  }
});
