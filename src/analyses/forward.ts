/**
 * engine.forward: outputs (logits), softmax probabilities, and the activation pattern of every point — a
 * bitset over the network's relu/leakyRelu units (1 = pre-activation > 0, layer order) and a 64-bit hash
 * that names the linear region (it also covers max-pool choices). Optionally every layer's output and
 * pre-activation.
 */
import type { Runtime, CallOptions } from "../engine/runtime.js";
import type { Model } from "../model/model.js";
import type { BatchInput } from "../engine/batch.js";
import type { Job, Layout } from "../engine/job.js";
import { overSubchunks } from "../engine/job.js";
import { forwardFlops } from "../engine/cost.js";
import type { CoreKernels } from "../engine/kernels.js";
import * as O from "../model/opcodes.js";
import { nodeField, valueBlock, type CompiledNetwork } from "../model/compile.js";
import { chunkPatterns, forwardChunk, gatherNode } from "./network.js";

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

/** Where source node l's pre-activation is: its compiled node's pre block when it has an activation, else its value block. */
function preBlock(net: CompiledNetwork, l: number): { pre: boolean; offset: number; size: number } {
  const c = net.sourceToCompiled[l];
  const b = valueBlock(net, c);
  const own = c >= 0 && net.sources[c][0] === net.nodeNames[l]; // with keep "all", every non-alias node owns its compiled node
  const po = own ? nodeField(net, c, O.F_PRE_OFFSET) : -1;
  return po >= 0 ? { pre: true, offset: po, size: b.size } : { pre: false, ...b };
}

export const forwardJob: Job = {
  /** One forward pass per point (the chunk sizer's default assumes a Jacobian's worth). */
  cost: (net) => forwardFlops(net),
  compile(_net, opts) {
    // every node's own output (and pre-activation) is asked for: compile without folding or fusion
    return opts.activations || opts.preActivations ? { keep: "all" } : undefined;
  },
  layout(net, opts) {
    const m = net.outputSize;
    const layout: Layout = { logits: ["f32", m], probs: ["f32", m], patterns: ["u32", net.patternWords], regionHash: ["u64", 1] };
    net.nodeShapes.forEach((shape, l) => {
      const size = shape.reduce((a, b) => a * b, 1);
      if (opts.activations) layout[`activation${l}`] = ["f32", size];
      if (opts.preActivations) layout[`preActivation${l}`] = ["f32", size];
    });
    return layout;
  },
  meta(net) {
    return { m: net.outputSize, patternBits: net.patternBits, patternWords: net.patternWords };
  },
  run(arena, up, X, count, opts, out, base) {
    const k = arena.kernels<CoreKernels & { copyRowsF32(rows: number, len: number, src: number, lds: number, dst: number, ldd: number): void }>();
    const net = up.net;
    const d = net.inputSize, m = net.outputSize, W = net.patternWords;
    const regionHash = out.regionHash as BigUint64Array;
    overSubchunks(arena, X, count, d, (start, n, input) => {
      const at = base + start;
      const st = forwardChunk(arena, up, input, n);
      const logits = gatherNode(arena, st, net.outputNode, arena.allocF32(n * m));
      const pr = arena.allocF32(n * m);
      k.softmaxF32(n, m, logits, pr);
      const { bits, hashes } = chunkPatterns(arena, st);
      (out.patterns as Uint32Array).set(arena.u32(bits, n * W), at * W);
      regionHash.set(new BigUint64Array(arena.memory.buffer, hashes, n), at);
      (out.logits as Float32Array).set(arena.f32(logits, n * m), at * m);
      (out.probs as Float32Array).set(arena.f32(pr, n * m), at * m);
      net.nodeNames.forEach((_, l) => {
        if (opts.activations) {
          const size = valueBlock(net, net.sourceToCompiled[l]).size;
          const dst = gatherNode(arena, st, net.sourceToCompiled[l], arena.allocF32(n * size));
          (out[`activation${l}`] as Float32Array).set(arena.f32(dst, n * size), at * size);
        }
        if (opts.preActivations) {
          const b = preBlock(net, l);
          const dst = arena.allocF32(n * b.size);
          k.copyRowsF32(n, b.size, (b.pre ? st.pre : st.values) + b.offset * 4, b.pre ? net.preSize : net.valueSize, dst, b.size);
          (out[`preActivation${l}`] as Float32Array).set(arena.f32(dst, n * b.size), at * b.size);
        }
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
