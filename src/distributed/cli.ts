/**
 * The command line's side of the distributed runner: the `--redis URL [--redis-ca FILE] [--run ID] [--shard-size N]` options
 * the coordinating commands share, and one progress bar over the shards that names the live workers.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { CliContext } from "../cli/command.js";
import { runDistributed, type DistributedKinds } from "./index.js";
import { OptionError } from "../errors.js";

export function redisOptions(cmd: Command, shards = true): void {
  cmd.option("--redis <url>", "run the shards on the workers connected to this Redis (redis:// or rediss://; see `foliate worker`)");
  cmd.option("--redis-ca <file>", "with a rediss:// --redis: PEM file of the private CA that signed the Redis server's certificate");
  cmd.option("--run <id>", "with --redis: the run id (give the same id to resume a coordinator that stopped)");
  if (shards) cmd.option("--shard-size <n>", "with --redis: points per shard (rounded up to a multiple of 64; default n/8)");
}

/** The PEM text of `--redis-ca FILE` (undefined without the option). */
export function readRedisCa(file: unknown): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(String(file), "utf8");
  } catch (e) {
    throw new OptionError(`--redis-ca: cannot read "${String(file)}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function parseShardSize(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new OptionError(`--shard-size must be a positive integer, got "${String(v)}"`);
  return n;
}

/** runDistributed with the CLI's progress: one bar over the shards, the live worker count in its label. */
export async function runWithProgress<K extends keyof DistributedKinds>(kind: K, spec: DistributedKinds[K][0], opts: Record<string, unknown>, ctx: CliContext): Promise<DistributedKinds[K][1]> {
  let stage: ReturnType<CliContext["progress"]["stage"]> | undefined;
  let workers = -1;
  const out = await runDistributed(kind, spec, {
    redis: String(opts.redis),
    redisCa: readRedisCa(opts.redisCa),
    run: opts.run === undefined ? undefined : String(opts.run),
    onRun: (run) => ctx.log(`run id ${run} (resume with --run ${run})`),
    onProgress: (p) => {
      const bar = (stage ??= ctx.progress.stage(`${kind} shards`, p.total));
      if (p.workers !== workers) {
        workers = p.workers;
        bar.label(`${p.workers} live worker${p.workers === 1 ? "" : "s"}`);
      }
      bar.update(p.done);
    },
  });
  stage?.done();
  return out;
}
