import { parentPort } from 'node:worker_threads';
import { inVirtualTime } from './clocks.js';
import { contenders } from './contenders/index.js';
import { scenarios } from './scenarios/index.js';
import type { Params } from './types.js';

/** One seeded run of one contender at one point of one scenario. */
export interface Task {
  readonly id: number;
  readonly scenario: string;
  readonly params: Params;
  readonly contender: string;
  readonly seed: number;
}

/** Runs a task in virtual time and returns its metrics. */
export async function runTask(task: Task): Promise<Record<string, number>> {
  const scenario = scenarios.find((s) => s.id === task.scenario);
  const contender = contenders[task.contender];
  if (!scenario || !contender) throw new Error(`unknown task ${task.scenario}/${task.contender}`);
  return inVirtualTime(contender, task.seed, (clock) =>
    scenario.run(contender, task.params, clock),
  );
}

parentPort?.on('message', async (task: Task) => {
  try {
    parentPort?.postMessage({ id: task.id, metrics: await runTask(task) });
  } catch (error) {
    parentPort?.postMessage({ id: task.id, error: String((error as Error)?.stack ?? error) });
  }
});
