import { bytes, type CliStream, printable, seconds } from './output.js';

/**
 * What a download shows while it runs; one implementation per kind of output. Texts may
 * quote the server, so the views print them through `printable`.
 */
export interface ProgressView {
  /** `done` bytes so far of `total` (unknown when the server did not say). */
  progress(done: number, total: number | undefined): void;
  /** A backoff wait has begun: `what` failed, and the next try starts in `delay` seconds. */
  waiting(what: string, retry: number, limit: number, delay: number): void;
  /** A line worth keeping (a resume, a restart). */
  note(text: string): void;
  /** The last line; stops any live drawing. */
  finish(text: string): void;
}

/** Draws nothing: for `--quiet` and `--json`. */
export const silentView: ProgressView = {
  progress() {},
  waiting() {},
  note() {},
  finish() {},
};

/** `503 Service Unavailable — retry 3/10 in 1.6 s`: the same words live and in logs. */
export function retryText(what: string, retry: number, limit: number, delay: number): string {
  const of = Number.isFinite(limit) ? `/${limit}` : '';
  return `${printable(what)} — retry ${retry}${of} in ${seconds(Math.max(0, delay))} s`;
}

/** Plain lines for logs and pipes: no escape codes, no carriage returns, no redraws. */
export function logView(stream: CliStream): ProgressView {
  return {
    progress() {},
    waiting: (what, retry, limit, delay) =>
      void stream.write(`${retryText(what, retry, limit, delay)}\n`),
    note: (text) => void stream.write(`${printable(text)}\n`),
    finish: (text) => void stream.write(`${printable(text)}\n`),
  };
}

const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
const TICK_MS = 100;
/** Rate is measured over this many recent seconds, so a stall shows within a few ticks. */
const RATE_WINDOW = 3;

/**
 * One live line on a terminal, redrawn at most every 100 ms: a bar with bytes, rate and
 * ETA when the size is known, a spinner when it is not, and a countdown during a backoff.
 */
export function terminalView(
  stream: CliStream,
  now = () => performance.now() / 1000,
): ProgressView {
  let done = 0;
  let total: number | undefined;
  let wait:
    | { what: string; retry: number; limit: number; delay: number; until: number }
    | undefined;
  let frame = 0;
  let samples: [number, number][] = [];
  let timer: ReturnType<typeof setInterval> | undefined;

  // A pseudo-terminal without a size reports 0 columns.
  const width = () => Math.max(20, (stream.columns || 80) - 1);
  const rate = () => {
    const first = samples[0];
    const last = samples.at(-1);
    if (!first || !last || last[0] - first[0] < 0.2) return undefined;
    return (last[1] - first[1]) / (last[0] - first[0]);
  };
  const line = (): string => {
    if (wait) return retryText(wait.what, wait.retry, wait.limit, wait.until - now());
    const r = rate();
    const speed = r === undefined ? '' : `  ${bytes(Math.round(r))}/s`;
    if (total === undefined || total <= 0) {
      return `${SPINNER[frame % SPINNER.length]} ${bytes(done)}${speed}`;
    }
    const fraction = Math.min(1, done / total);
    const eta = r && r > 0 ? `  ETA ${clock((total - done) / r)}` : '';
    const text = `${(fraction * 100).toFixed(0).padStart(3)}%  ${bytes(done)} / ${bytes(total)}${speed}${eta}`;
    const barWidth = Math.max(10, Math.min(40, width() - text.length - 3));
    const filled = Math.round(fraction * barWidth);
    return `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}] ${text}`;
  };
  const draw = () => {
    frame++;
    stream.write(`\r\x1b[2K${line().slice(0, width())}`);
  };
  const start = () => {
    if (timer) return;
    timer = setInterval(draw, TICK_MS);
    timer.unref?.();
    draw();
  };
  // A wait that is over stays on screen as a plain line, as it would in a log.
  const settle = () => {
    if (!wait) return;
    stream.write(`\r\x1b[2K${retryText(wait.what, wait.retry, wait.limit, wait.delay)}\n`);
    wait = undefined;
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    stream.write('\r\x1b[2K');
  };

  return {
    progress(d, t) {
      if (d < done) samples = [];
      done = d;
      total = t;
      settle();
      const at = now();
      samples.push([at, d]);
      while (samples.length > 2 && at - samples[0]![0] > RATE_WINDOW) samples.shift();
      start();
    },
    waiting(what, retry, limit, delay) {
      settle();
      wait = { what, retry, limit, delay, until: now() + delay };
      samples = [];
      start();
    },
    note(text) {
      stream.write(`\r\x1b[2K${printable(text)}\n`);
      if (timer) draw();
    },
    finish(text) {
      settle();
      stop();
      stream.write(`${printable(text)}\n`);
    },
  };
}

/** `42 s`, `3:07`, `1:02:03`. */
function clock(total: number): string {
  const s = Math.max(0, Math.round(total));
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
