/**
 * The registry of what a kernel instance can run, filled by the analyses (the runtime knows none of them):
 * - jobs: per-point batch work (`Job`: layout, meta, run over a chunk), run by `Runtime.map`;
 * - tasks: any other work on one kernel instance (e.g. the Ricci flow's kNN rows and hop sums over a source
 *   range), run by `Runtime.task` on a free worker or in the calling thread.
 * Workers load the same registrations (src/worker.ts imports src/analyses/jobs.ts before serving).
 */
import { OptionError } from "../errors.js";
import type { Arena } from "./arena.js";
import type { Job } from "./job.js";

/** A task's result and the buffers to transfer (not copy) back from a worker. */
export interface TaskResult<R = unknown> {
  value: R;
  transfer?: ArrayBuffer[];
}

/** A task: a function of one kernel instance's arena and structured-cloneable arguments. */
export type Task<A extends unknown[] = unknown[], R = unknown> = (arena: Arena, ...args: A) => TaskResult<R>;

const jobs = new Map<string, Job>();
const tasks = new Map<string, Task>();

/** Register a batch job under `name` (idempotent for the same object; a different one under a taken name throws). */
export function registerJob(name: string, job: Job): void {
  const had = jobs.get(name);
  if (had && had !== job) throw new Error(`job "${name}" is already registered`);
  jobs.set(name, job);
}

export function registerTask<A extends unknown[], R>(name: string, task: Task<A, R>): void {
  const had = tasks.get(name);
  if (had && had !== task) throw new Error(`task "${name}" is already registered`);
  tasks.set(name, task as unknown as Task);
}

export function getJob(name: string): Job {
  const job = jobs.get(name);
  if (!job) throw new OptionError(`unknown job "${name}" (registered: ${[...jobs.keys()].join(", ") || "none"})`);
  return job;
}

export function getTask(name: string): Task {
  const task = tasks.get(name);
  if (!task) throw new OptionError(`unknown task "${name}" (registered: ${[...tasks.keys()].join(", ") || "none"})`);
  return task;
}
