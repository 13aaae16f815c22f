/**
 * The calling-thread side of engine.leaf / engine.leaves: validate, run the "leaf" job over the start
 * points (workers split them), and cut the fixed-size per-point blocks into paths.
 */
import { runtimeOf, type CallOptions, type RuntimeLike } from "../engine/runtime.js";
import type { Model } from "../model/model.js";
import { distributionByIndex, indexBatch, leafJobOptions, splitPaths, type LeafOptions, type LeafPath } from "./leaf.js";

export type { LeafOptions, LeafPath } from "./leaf.js";

export async function leafPaths(engine: RuntimeLike, model: Model, X: Float64Array, opts: LeafOptions & CallOptions): Promise<LeafPath[]> {
  const o = leafJobOptions(model, X, { ...opts, distribution: distributionByIndex(model, opts.distribution) });
  const n = X.length / o.d;
  const { out } = await runtimeOf(engine).map("leaf", model, indexBatch(n, o.d), opts, o as unknown as Record<string, unknown>);
  return splitPaths(out, o, n);
}
