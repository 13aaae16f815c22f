/**
 * engine.forward: outputs (logits), softmax probabilities, and the activation pattern of every point — a
 * bitset over the network's relu/leakyRelu units (1 = pre-activation > 0, layer order) and a 64-bit hash
 * that names the linear region (it also covers max-pool choices). Optionally every layer's output and
 * pre-activation.
 */
import type { Runtime, CallOptions } from "../engine/runtime.js";
import type { Model } from "../model/model.js";
import type { BatchInput } from "../engine/batch.js";
import { activationPattern, forwardPass } from "../engine/forwardPass.js";
import type { Job, Layout } from "../engine/job.js";
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

export const forwardJob: Job = {
  layout(plan, opts) {
    const m = plan.outputSize;
    const layout: Layout = { logits: ["f32", m], probs: ["f32", m], patterns: ["u32", plan.patternWords], regionHash: ["u64", 1] };
    plan.ops.forEach((op, l) => {
      if (opts.activations) layout[`activation${l}`] = ["f32", op.outSize];
      if (opts.preActivations) layout[`preActivation${l}`] = ["f32", op.outSize];
    });
    return layout;
  },
  meta(plan) {
    return { m: plan.outputSize, patternBits: plan.patternBits, patternWords: plan.patternWords };
  },
  run(arena, plan, X, count, opts, out, base) {
    const k = arena.kernels<CoreKernels>();
    const d = plan.inputSize, m = plan.outputSize, L = plan.ops.length, W = plan.patternWords;
    const regionHash = out.regionHash as BigUint64Array;
    overSubchunks(arena, X, count, d, (start, n, input) => {
      const at = base + start;
      const st = forwardPass(arena, plan, input, n);
      const last = st.out[L - 1];
      const pr = arena.allocF32(n * m);
      const bits = arena.allocI32(W);
      k.softmaxF32(n, m, last, pr);
      for (let p = 0; p < n; p++) {
        regionHash[at + p] = activationPattern(arena, plan, st, p, bits);
        (out.patterns as Uint32Array).set(arena.u32(bits, W), (at + p) * W);
      }
      (out.logits as Float32Array).set(arena.f32(last, n * m), at * m);
      (out.probs as Float32Array).set(arena.f32(pr, n * m), at * m);
      plan.ops.forEach((op, l) => {
        if (opts.activations) (out[`activation${l}`] as Float32Array).set(arena.f32(st.out[l], n * op.outSize), at * op.outSize);
        if (opts.preActivations) (out[`preActivation${l}`] as Float32Array).set(arena.f32(st.pre[l], n * op.outSize), at * op.outSize);
      });
    });
  },
};

/** Outputs, probabilities and activation patterns (region hashes) of a batch; optionally every layer's values. */
export async function forward(rt: Runtime, model: Model, X: BatchInput, opts: ForwardOptions & CallOptions = {}): Promise<ForwardResult> {
  const { out: r, meta, n } = await rt.map("forward", model, X, opts, { activations: !!opts.activations, preActivations: !!opts.preActivations });
  const layers = (key: string) =>
    model.layers.map((_, l): LayerValues => ({ layer: l, shape: model.shapes[l], data: r[`${key}${l}`] as Float32Array }));
  return {
    n,
    m: meta.m as number,
    logits: r.logits as Float32Array,
    probs: r.probs as Float32Array,
    patterns: r.patterns as Uint32Array,
    patternBits: meta.patternBits as number,
    patternWords: meta.patternWords as number,
    regionHash: r.regionHash as BigUint64Array,
    ...(opts.activations ? { activations: layers("activation") } : {}),
    ...(opts.preActivations ? { preActivations: layers("preActivation") } : {}),
  };
}
