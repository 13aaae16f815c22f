/**
 * `foliate jacobian|dim … --redis URL --results DIR`: the batch as map-shard jobs, each shard's arrays written
 * by a worker under DIR/<run id>/ and concatenated here into the arrays the single-machine command writes.
 */
import type { Command } from "commander";
import type { CliContext } from "../cli/command.js";
import { UsageError } from "../cli/command.js";
import type { Model } from "../model/model.js";
import { parseShardSize, redisOptions, runWithProgress } from "./cli.js";
import type { MapOp, MapOutput } from "./kinds/mapShard.js";

export function mapOptions(cmd: Command): void {
  redisOptions(cmd);
  cmd.option("--results <dir>", "with --redis: the shared directory the workers write their shards to (same path on every machine)");
}

export async function distributedMap(model: Model, X: Float32Array, op: MapOp, options: Record<string, unknown>, opts: Record<string, unknown>, ctx: CliContext): Promise<MapOutput["arrays"]> {
  if (typeof opts.results !== "string") throw new UsageError("--redis needs --results <dir>: a directory every worker and this coordinator reach");
  const clean = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const r = await runWithProgress("map-shard", { model, op, X, d: model.inputSize, options: clean, resultsDir: opts.results, shardSize: parseShardSize(opts.shardSize) }, opts, ctx);
  ctx.log(`shards listed with their SHA-256 in ${r.manifest}`);
  return r.arrays;
}
