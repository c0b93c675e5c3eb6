/**
 * In-process figures with tinybench, in alternating rounds: each round runs every task once
 * in a rotated order, and a task's figure is the median over rounds, so a busy moment of
 * the machine does not land on one contender only.
 */
import { Bench } from 'tinybench';
import { median } from './report.js';

export interface MicroTask {
  readonly name: string;
  readonly fn: () => unknown;
  /** Operations per call of `fn` (a batch), for the per-operation rate. @default 1 */
  readonly batch?: number;
}

export interface MicroRow {
  name: string;
  /** Operations per second: `batch` / the median time of one call, median over rounds. */
  opsPerSecond: number;
  /** Each round's figure. */
  roundOps: number[];
  /** Relative margin of error of the mean call time in the median round, in percent. */
  rme: number;
  samples: number;
}

export async function runMicro(
  tasks: readonly MicroTask[],
  options: { rounds: number; timeMs: number; iterations?: number },
): Promise<MicroRow[]> {
  const perTask = new Map<string, { ops: number[]; rme: number[]; samples: number }>();
  for (let round = 0; round < options.rounds; round++) {
    const shift = round % tasks.length;
    const order = [...tasks.slice(shift), ...tasks.slice(0, shift)];
    const bench = new Bench({
      time: options.timeMs,
      warmupTime: Math.min(200, options.timeMs),
      iterations: options.iterations ?? 20,
      throws: true,
    });
    for (const task of order) bench.add(task.name, task.fn);
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (!result || !('latency' in result)) throw new Error(`${task.name} did not finish`);
      const batch = tasks.find((t) => t.name === task.name)?.batch ?? 1;
      const entry = perTask.get(task.name) ?? { ops: [], rme: [], samples: 0 };
      entry.ops.push((batch * 1000) / result.latency.p50);
      entry.rme.push(result.latency.rme);
      entry.samples += result.latency.samplesCount;
      perTask.set(task.name, entry);
    }
  }
  return tasks.map((task) => {
    const entry = perTask.get(task.name);
    if (!entry) throw new Error(`${task.name} has no result`);
    return {
      name: task.name,
      opsPerSecond: median(entry.ops),
      roundOps: entry.ops.map((x) => Math.round(x)),
      rme: median(entry.rme),
      samples: entry.samples,
    };
  });
}
