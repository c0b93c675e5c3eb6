import { afterAll } from 'vitest';

// A rejection nobody handled, or a socket left open, is a bug in the library or in a
// test: fail the file that caused it.
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);

const sockets = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap');

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  if (unhandled.length > 0) {
    throw new Error(`Unhandled rejections during this file: ${unhandled.map(String).join('; ')}`);
  }
  // Closed sockets leave the resource list on a later turn of the event loop.
  for (let i = 0; i < 50 && sockets().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  if (sockets().length > 0)
    throw new Error(`Sockets left open after this file: ${sockets().join(', ')}`);
});
