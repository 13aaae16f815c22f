/**
 * engine.forward: outputs (logits), softmax probabilities, and the activation pattern of every point — a
 * bitset over the network's relu/leakyRelu units (1 = pre-activation > 0, layer order) and a 64-bit hash
 * that names the linear region (it also covers max-pool choices). Optionally every layer's output and
 * pre-activation.
 */
import { activationPattern, forwardPass } from "../engine/forwardPass.js";
import type { Job, PerPointArray } from "../engine/job.js";
import { overSubchunks } from "../engine/job.js";
import type { CoreKernels } from "../engine/kernels.js";

export interface ForwardOptions {
  /** Also return each layer's output (after its activation). */
  activations?: boolean;
  /** Also return each layer's pre-activation (dense/conv: x·W + b). */
  preActivations?: boolean;
}

export interface LayerValues {
  layer: number;
  /** Per-point shape of the layer's output ([units] or [H, W, C]). */
  shape: number[];
  /** n×size, row-major (NHWC within a point). */
  data: Float32Array;
}

export interface ForwardResult {
  n: number;
  /** Output size (C for a classifier). */
  m: number;
  /** n×m final outputs (the logits when the model has a softmax head). */
  logits: Float32Array;
  /** n×m softmax of the logits (computed for every model; meaningful for classifiers). */
  probs: Float32Array;
  /** n×patternWords u32: activation pattern bitsets. */
  patterns: Uint32Array;
  patternBits: number;
  patternWords: number;
  /** n 64-bit region hashes. */
  regionHash: BigUint64Array;
  /** Per layer (all layers, in order) when asked. */
  activations?: LayerValues[];
  preActivations?: LayerValues[];
}

export const forwardJob: Job = (arena, plan, X, count, opts) => {
  const k = arena.kernels<CoreKernels>();
  const d = plan.inputSize, m = plan.outputSize, L = plan.ops.length;
  const logits = new Float32Array(count * m); // count×m
  const probs = new Float32Array(count * m); // count×m
  const patterns = new Uint32Array(count * plan.patternWords); // count×words
  const regionHash = new BigUint64Array(count);
  const acts = opts.activations ? plan.ops.map((op) => new Float32Array(count * op.outSize)) : [];
  const pres = opts.preActivations ? plan.ops.map((op) => new Float32Array(count * op.outSize)) : [];
  overSubchunks(arena, X, count, d, (start, n, input) => {
    const st = forwardPass(arena, plan, input, n);
    const last = st.out[L - 1];
    const pr = arena.allocF32(n * m);
    const bits = arena.allocI32(plan.patternWords);
    k.softmaxF32(n, m, last, pr);
    for (let p = 0; p < n; p++) {
      regionHash[start + p] = activationPattern(arena, plan, st, p, bits);
      patterns.set(arena.u32(bits, plan.patternWords), (start + p) * plan.patternWords);
    }
    logits.set(arena.f32(last, n * m), start * m);
    probs.set(arena.f32(pr, n * m), start * m);
    plan.ops.forEach((op, l) => {
      if (opts.activations) acts[l].set(arena.f32(st.out[l], n * op.outSize), start * op.outSize);
      if (opts.preActivations) pres[l].set(arena.f32(st.pre[l], n * op.outSize), start * op.outSize);
    });
  });
  const perPoint: Record<string, PerPointArray> = { logits, probs, patterns, regionHash };
  acts.forEach((a, l) => (perPoint[`activation${l}`] = a));
  pres.forEach((a, l) => (perPoint[`preActivation${l}`] = a));
  return { perPoint, meta: { m, patternBits: plan.patternBits, patternWords: plan.patternWords } };
};
