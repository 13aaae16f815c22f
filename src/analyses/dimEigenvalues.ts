/**
 * The DIM's eigenvalues without forming the Jacobian: engine.dim's eigenvalues-only route (`eigenvectors:
 * false`, and engine.dimSpectrum). The nonzero eigenvalues of D = Jᵀ F Fᵀ J are those of K = Fᵀ H F with
 * H = J Jᵀ (C×C), and H needs no J: the C cotangents of the logits (one-hot rows, all C at once as one batch)
 * are pulled back under the point's frozen pattern only as far as a layer where a Gram is at hand, and H is
 * taken there.
 *
 * Where to stop (per model, from the compiled graph; multiply-adds per point, C classes, the nodes above the
 * stopping point cost the same either way):
 * - Gram at the first node's pre-activation, when node 0 is dense d → h, the input's only consumer, h < d:
 *   B (C×h) = the cotangents there (the pattern applied: columns of inactive units are 0 and skipped),
 *   H = B G Bᵀ with G = Wᵀ W (h×h, float64) computed once per model and cached with the upload
 *   (Job.prepare). Cost a² (gathering G_AA) + C·a² + C²·a/2 (a ≤ h active units of node 0), in f64.
 * - Otherwise to the input (conv-first networks, widening or shared first layers): node 0's transpose and
 *   H = B Bᵀ (f64 accumulation) at the input. Cost C·a·d + C²·d/2 for a dense node 0, and for a conv node 0
 *   its sparse transpose (assembly/graph/convCotangents.ts).
 * With a ≤ h < d the Gram route is never the dearer (C·a² + a² < C·a·d): the rule is "dense first node narrowing from d". A
 * per-model Gram further up does not exist (the map from the input to a later pre-activation depends on the
 * pattern), and a Gram of a widening first layer (h ≥ d) costs more than the input it replaces (and h² memory).
 *
 * The pull-back itself is netVjpTo (assembly/graph/network.ts): dense nodes skip inactive units, and f32
 * convolutions transpose all C cotangents in one register-tiled pass that skips inactive output units and
 * never computes input units of an inactive ReLU.
 *
 * Precision: float32 cotangents and node kernels, as engine.dim; H in f64 (B·G·Bᵀ with G in f64, or B·Bᵀ
 * accumulated in f64 from the f32 cotangents), K and its eigenvalues in f64. Rank: the rule of engine.dim (assembly/dim.ts, dimRankF32),
 * evaluated from H (dimRankGramF64). Results are per point, so independent of chunking and worker count.
 */
import type { Arena } from "../engine/arena.js";
import type { Job, Layout } from "../engine/job.js";
import { overSubchunks } from "../engine/job.js";
import type { GraphKernels, UploadedNetwork } from "../engine/network.js";
import type { CoreKernels } from "../engine/kernels.js";
import { nodeField, nodeInputs, valueBlock, type CompiledNetwork } from "../model/compile.js";
import * as O from "../model/opcodes.js";
import { forwardChunk, gatherNode, pointState } from "./network.js";
import { dimSizes, rankTolerance } from "./dim.js";

interface GramKernels extends CoreKernels, GraphKernels {
  graphVjpToF32(net: number, values: number, pre: number, argmax: number, rows: number, target: number, stop: number, cot: number, gout: number, work: number): void;
  rowGramF32(m: number, n: number, b: number, h: number): void;
  gramEigenvaluesF64(m: number, h: number, f: number, r: number, values: number, work: number): void;
  dimRankGramF64(m: number, h: number, p: number, values: number, r: number, rankTol: number, work: number): number;
  denseWeightGramF64(net64: number, k: number, g: number): void;
  preactivationGramF32(m: number, h: number, gOut: number, z: number, act: number, alpha: number, g: number, hOut: number, work: number): void;
  preactivationGramWorkBytes(m: number, h: number): number;
}

/** Name of the per-model weight Gram in UploadedNetwork.derived. */
const WEIGHT_GRAM = "dim.weightGram";

/**
 * Where the eigenvalues-only route takes the Gram: 0 (node 0's pre-activation, with the per-model weight
 * Gram) when node 0 is dense d → h with h < d and the input's only consumer; −1 (the input) otherwise.
 */
export function gramNode(net: CompiledNetwork): number {
  if (net.nodeCount === 0 || nodeField(net, 0, O.F_OP) !== O.OP_DENSE || nodeInputs(net, 0)[0] !== O.NODE_INPUT) return -1;
  for (let k = 1; k < net.nodeCount; k++) if (nodeInputs(net, k).includes(O.NODE_INPUT)) return -1;
  return nodeField(net, 0, O.F_OUT_SIZE) < net.inputSize ? 0 : -1;
}

export const dimEigenvaluesJob: Job = {
  layout(net, opts) {
    const { C, r } = dimSizes(net, opts);
    const layout: Layout = { eigenvalues: ["f64", r], eigenvectors: ["f32", 0], rank: ["i32", 1], probs: ["f32", C] };
    return layout;
  },
  meta(net, opts) {
    const { d, C, r } = dimSizes(net, opts);
    return { d, C, r, gramNode: gramNode(net) };
  },
  prepare(arena: Arena, up: UploadedNetwork) {
    if (gramNode(up.net) !== 0 || up.derived.has(WEIGHT_GRAM)) return;
    const k = arena.kernels<GramKernels>();
    const h = nodeField(up.net, 0, O.F_OUT_SIZE);
    const g = arena.allocF64(h * h); // h×h, kept
    k.denseWeightGramF64(up.f64, 0, g);
    up.derived.set(WEIGHT_GRAM, g);
  },
  run(arena, up, X, count, opts, out, base) {
    const k = arena.kernels<GramKernels>();
    const rankTol = rankTolerance(opts, 0);
    const net = up.net;
    const { d, C, r } = dimSizes(net, opts);
    const target = net.outputNode;
    const stop = gramNode(net);
    const G = stop === 0 ? up.derived.get(WEIGHT_GRAM)! : 0;
    const width = valueBlock(net, stop).size; // h at node 0, d at the input
    const act = stop === 0 ? nodeField(net, 0, O.F_ACT) : 0;
    const alphaAt = stop === 0 ? nodeField(net, 0, O.F_ALPHA_OFFSET) : -1;
    const alpha = alphaAt >= 0 ? net.params[alphaAt] : 0;
    const preAt = stop === 0 && act !== O.ACT_LINEAR ? nodeField(net, 0, O.F_PRE_OFFSET) : -1;
    const eigenvalues = out.eigenvalues as Float64Array; // points×r
    const rank = out.rank as Int32Array;
    const probs = out.probs as Float32Array; // points×C
    overSubchunks(arena, X, count, d, (start, n, input) => {
      const st = forwardChunk(arena, up, input, n);
      const logits = gatherNode(arena, st, target, arena.allocF32(n * C)); // n×C
      const pr = arena.allocF32(n * C);
      const work = arena.alloc(k.graphVjpWorkBytesF32(up.f32, C));
      const gout = arena.allocF32(C * width); // C×width: cotangents at the stopping node's output
      const gramWork = stop === 0 ? arena.alloc(k.preactivationGramWorkBytes(C, width)) : 0;
      const H = arena.allocF64(C * C);
      const p = arena.allocF64(C);
      const F = arena.allocF64(C * C);
      const vals = arena.allocF64(C);
      const small = arena.allocF64(2 * C * C + 6 * C); // gramEigenvaluesF64, then dimRankGramF64
      k.softmaxF32(n, C, logits, pr);
      for (let i = 0; i < n; i++) {
        const at = base + start + i;
        const pt = pointState(st, i);
        k.graphVjpToF32(up.f32, pt.values, pt.pre, pt.argmax, C, target, stop, 0, gout, work);
        if (stop === 0) k.preactivationGramF32(C, width, gout, preAt >= 0 ? pt.pre + preAt * 4 : 0, act, alpha, G, H, gramWork);
        else k.rowGramF32(C, width, gout, H);
        k.fisherFactorF64(C, logits + i * C * 4, p, F);
        k.gramEigenvaluesF64(C, H, F, r, vals, small);
        const lam = arena.f64(vals, r);
        eigenvalues.set(lam, at * r);
        rank[at] = k.dimRankGramF64(C, H, p, vals, r, rankTol, small);
      }
      probs.set(arena.f32(pr, n * C), (base + start) * C);
    });
  },
};
