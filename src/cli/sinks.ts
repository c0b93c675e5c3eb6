import { constants } from 'node:fs';
import { lstat, open, rename } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { TemporaryPath } from '../fs/temporary-path.js';
import { whenAborted } from '../time/abort-fanout.js';
import type { Sink } from './download.js';
import type { CliStream } from './output.js';

/** A file that appears at its path only when `commit()` is called. */
export interface FileTarget extends Sink {
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** What a file name may hold in bytes (NAME_MAX on Linux and macOS). */
const NAME_MAX = 255;
/** What TemporaryPath adds to a prefix and suffix: 13 random characters. */
const RANDOM_PART = 13;

/**
 * A temporary file beside `output`, renamed onto it by `commit()`. The file is written
 * through one handle opened without following links, and `commit()` renames only the file
 * that handle has: if someone put anything else at the temporary name meanwhile (a link
 * to another file), the download fails and nothing is renamed or changed through it.
 */
export async function prepare(output: string): Promise<FileTarget> {
  const name = basename(output);
  const suffix = '.part';
  // `.NAME.<random>.part` says whose it is; a name too long for that gets a shorter one.
  const long = `.${name}.`;
  const fits = Buffer.byteLength(long + suffix) + RANDOM_PART <= NAME_MAX;
  let temporary: TemporaryPath;
  try {
    temporary = await TemporaryPath.create({
      dir: dirname(output),
      prefix: fits ? long : '.orionclient.',
      suffix,
    });
  } catch (error) {
    throw new Error(`cannot write beside ${output}: ${(error as Error).message}`);
  }
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(temporary.path, constants.O_RDWR | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    await temporary.remove().catch(() => {});
    throw error;
  }
  const own = await handle.stat();
  let position = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await handle.close();
  };
  return {
    async write(chunk) {
      await handle.write(chunk, 0, chunk.byteLength, position);
      position += chunk.byteLength;
    },
    async restart() {
      await handle.truncate(0);
      position = 0;
      return true;
    },
    async commit() {
      await handle.truncate(position);
      // TemporaryPath makes the file private (0600); the result gets the usual permissions.
      await handle.chmod(0o666 & ~process.umask());
      await handle.sync();
      await close();
      const now = await lstat(temporary.path).catch(() => undefined);
      if (!now || now.dev !== own.dev || now.ino !== own.ino) {
        throw new Error(
          `${temporary.path} was replaced while downloading; ${output} was left as it was`,
        );
      }
      await rename(temporary.path, output);
      temporary.keep();
    },
    async discard() {
      await close().catch(() => {});
      await temporary.remove();
    },
  };
}

/** Stdout, waiting for `drain` when the reader is slower than the network. */
export function stdoutSink(stream: CliStream, signal: AbortSignal | undefined): Sink {
  const s = stream as CliStream & {
    once?: (event: 'drain', fn: () => void) => unknown;
    off?: (event: 'drain', fn: () => void) => unknown;
  };
  return {
    async write(chunk) {
      if (stream.write(chunk) !== false || !s.once) return;
      // A closed pipe never drains; the abort (EPIPE, Ctrl+C) ends the wait instead.
      signal?.throwIfAborted();
      await new Promise<void>((done, fail) => {
        const onDrain = () => {
          stopWaiting?.();
          done();
        };
        const stopWaiting =
          signal &&
          whenAborted(signal, (reason) => {
            s.off?.('drain', onDrain);
            fail(reason);
          });
        s.once!('drain', onDrain);
      });
    },
    restart: async () => false,
  };
}
