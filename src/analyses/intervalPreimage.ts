/**
 * The preimage of an output interval [y0 − ε, y0 + ε] of a 2D → 1D network, traced as a family of
 * equivalence classes (Benfenati & Marta II, arXiv 2112.10583, §5): the class of x0, then for k = 1..K on
 * each side SiMExp from the previous class's start point to the level y0 ± kε/K and SiMEC along that level.
 * Levels are targeted absolutely (the walk to level k stops at |N − (y0 ± kε/K)| reached from the current
 * point), so SiMExp errors do not accumulate.
 */
import { OptionError, ShapeError } from "../errors.js";
import type { CallOptions, RuntimeLike } from "../engine/runtime.js";
import type { Model } from "../model/model.js";
import { equivalenceClass, explore, type PathOptions, type PathResult } from "./equivalenceClass.js";
import { pathNetwork } from "./pathNet.js";

export interface IntervalPreimageOptions extends CallOptions {
  /** Half-width ε of the output interval. */
  epsilon: number;
  /** K: classes on each side of x0's (default 5); levels are spaced ε/K. */
  curves?: number;
  box?: PathOptions["box"];
  /** SiMEC step and steps per direction for every class (defaults 1e-3, 2000). */
  delta?: number;
  steps?: number;
  /** SiMExp step (default delta / 10) and its step cap per level (default 100 000). */
  exploreDelta?: number;
  exploreSteps?: number;
  nullTol?: number;
}

export interface IntervalPreimageResult {
  y0: number;
  epsilon: number;
  /** 2K + 1 output levels, ascending. */
  levels: Float64Array;
  /** The class traced at each level (same order as `levels`). */
  curves: PathResult[];
  /** The SiMExp walks between consecutive levels (2K of them, from x0 outwards). */
  walks: PathResult[];
}

export async function intervalPreimage(engine: RuntimeLike, model: Model, x0: ArrayLike<number>, opts: IntervalPreimageOptions): Promise<IntervalPreimageResult> {
  const net = pathNetwork(model);
  const softmax = net.head === "softmax";
  if (net.inputSize !== 2 || net.outputSize !== 1 || softmax) throw new ShapeError(`intervalPreimage takes 2D → 1D regression networks; this model is ${net.inputSize}D → ${net.outputSize}${softmax ? " (softmax)" : ""}`);
  if (!opts || !(opts.epsilon > 0) || !Number.isFinite(opts.epsilon)) throw new OptionError(`epsilon must be a positive number, got ${opts?.epsilon}`);
  const K = opts.curves ?? 5;
  if (!Number.isInteger(K) || K < 1 || K > 10000) throw new OptionError(`curves must be an integer in 1..10000, got ${opts.curves}`);
  const delta = opts.delta ?? 1e-3;
  const simec: PathOptions = { delta, steps: opts.steps ?? 2000, box: opts.box, nullTol: opts.nullTol, signal: opts.signal };
  const exploreOpts: PathOptions = { delta: opts.exploreDelta ?? delta / 10, steps: opts.exploreSteps ?? 100000, box: opts.box, nullTol: opts.nullTol, signal: opts.signal };
  const h = opts.epsilon / K;
  const total = 2 * K + 1;
  let done = 0;
  const tick = () => opts.onProgress?.(++done, total);
  const centre = await equivalenceClass(engine, model, x0, simec);
  const y0 = centre.outputs[centre.startIndex]; // N(x0) in float64 (x0 projected onto the box, if one is given)
  tick();
  const sides: { level: number; curve: PathResult; walk: PathResult }[][] = [];
  for (const sign of [-1, 1] as const) {
    const side: { level: number; curve: PathResult; walk: PathResult }[] = [];
    let x = Float64Array.from(x0);
    let y = y0; // N(x)
    for (let k = 1; k <= K; k++) {
      const level = y0 + sign * k * h;
      const gap = Math.abs(level - y);
      const walk = await explore(engine, model, x, { ...exploreOpts, epsilon: gap, direction: sign });
      x = walk.points.slice((walk.k - 1) * 2, walk.k * 2);
      y = walk.outputs[walk.k - 1];
      const curve = await equivalenceClass(engine, model, x, simec);
      side.push({ level, curve, walk });
      tick();
    }
    sides.push(side);
  }
  const below = sides[0].reverse();
  const levels = Float64Array.from([...below.map((e) => e.level), y0, ...sides[1].map((e) => e.level)]);
  return {
    y0,
    epsilon: opts.epsilon,
    levels,
    curves: [...below.map((e) => e.curve), centre, ...sides[1].map((e) => e.curve)],
    walks: [...sides[0].map((e) => e.walk), ...sides[1].map((e) => e.walk)],
  };
}
