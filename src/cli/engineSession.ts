/** An engine for the length of one command: `--workers N` (default: available parallelism), always closed. */
import type { Command } from "commander";
import { createEngine, type Engine } from "../api/engine.js";
import { UsageError } from "./command.js";

export function workersOption(cmd: Command): void {
  cmd.option("-w, --workers <n>", "worker threads (0 = compute in the main thread; default: one per core)");
}

export function parseWorkers(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new UsageError(`--workers must be an integer in 0..256, got ${String(v)}`);
  return n;
}

export async function withEngine<T>(opts: Record<string, unknown>, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await createEngine({ workers: parseWorkers(opts.workers) });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}
