/**
 * engine.pullbackMetric: g = J_lᵀ J_l, the Euclidean metric of layer l's output pulled back to input space,
 * as its eigen-decomposition, with its rank and kernel dimension d − rank. When the layer is narrower than
 * the input (m < d) the eigenpairs come from the m×m side (r = m); otherwise, or with `full: true`, from
 * the d×d matrix (r = d, so rows rank..d−1 of the eigenvectors span the kernel).
 */
import type { Runtime, CallOptions } from "../engine/runtime.js";
import type { Model } from "../model/model.js";
import type { BatchInput } from "../engine/batch.js";
import type { Job } from "../engine/job.js";
import { valueBlock, type CompiledNetwork } from "../model/compile.js";
import { forwardChunk, jacobianWorkspace, jacobianWorkspaceBytes, nodeLabel, pointJacobian } from "./network.js";
import { overSubchunks } from "../engine/job.js";
import { requireWasmMemory } from "../engine/wasmMemory.js";
import type { CoreKernels } from "../engine/kernels.js";
import { rankTolerance } from "./dim.js";
import { resolveOutput } from "./jacobian.js";

export interface PullbackMetricOptions {
  /** Node (index or name) whose output metric is pulled back (default: the last node, the logits). */
  layer?: number | string;
  rankTol?: number;
  /** Full d×d eigenbasis (kernel vectors included). */
  full?: boolean;
}

export interface PullbackMetricResult {
  n: number;
  d: number;
  /** Width of the layer. */
  m: number;
  r: number;
  route: "lowRank" | "dense";
  /** n×r, descending. */
  eigenvalues: Float64Array;
  /** n×r×d rows. */
  eigenvectors: Float32Array;
  rank: Int32Array;
  /** d − rank per point. */
  kernelDim: Int32Array;
}

/** f64 scratch of the eigen-decomposition: denseMetricF32 then denseEigF64, or lowRankEigF32. */
function eigenWorkF64s(route: "lowRank" | "dense", d: number, m: number, r: number): number {
  return route === "dense" ? Math.max(m * d, 2 * d * d + 4 * d) : 4 * m * m + 6 * m + (r + 1) * d;
}

/**
 * Validated sizes and route; a node whose per-chunk Wasm memory (Jacobian workspace, eigenpairs, their work
 * and the dense route's d×d metric, as `run` allocates them) exceeds 4 GiB is refused with an OptionError.
 */
function pullbackSizes(net: CompiledNetwork, opts: Record<string, unknown>) {
  rankTolerance(opts);
  const { target } = resolveOutput(net, opts.layer === undefined ? undefined : { layer: opts.layer });
  const d = net.inputSize, m = valueBlock(net, target).size;
  const route: "lowRank" | "dense" = opts.full || m >= d ? "dense" : "lowRank";
  const r = route === "dense" ? d : m;
  const bytes = jacobianWorkspaceBytes(net, target) + 8 * r + 4 * r * d + 8 * eigenWorkF64s(route, d, m, r) + (route === "dense" ? 8 * d * d : 0);
  requireWasmMemory(
    bytes,
    (gib) =>
      `layer ${nodeLabel(net, opts.layer, target)}: the pullback metric of a node with m = ${m} outputs needs ${gib} GiB at d = ${d} ` +
        `(the m×d float32 Jacobian with its tangent or cotangent rows over the network's ${net.valueSize} node outputs, and the ${route} eigen-decomposition's float64 work)`,
    "choose a narrower node",
  );
  return { target, d, m, route, r };
}

export const pullbackMetricJob: Job = {
  compile(net, opts) {
    return resolveOutput(net, opts.layer === undefined ? undefined : { layer: opts.layer }).compileOptions;
  },
  layout(net, opts) {
    const { d, r } = pullbackSizes(net, opts);
    return { eigenvalues: ["f64", r], eigenvectors: ["f32", r * d], rank: ["i32", 1], kernelDim: ["i32", 1] };
  },
  meta(net, opts) {
    const { d, m, r, route } = pullbackSizes(net, opts);
    return { d, m, r, route };
  },
  run(arena, up, X, count, opts, out, base) {
    const k = arena.kernels<CoreKernels>();
    const rankTol = rankTolerance(opts);
    const { target, d, m, route, r } = pullbackSizes(up.net, opts);
    const eigenvalues = out.eigenvalues as Float64Array; // points×r
    const eigenvectors = out.eigenvectors as Float32Array; // points×r×d
    const rank = out.rank as Int32Array;
    const kernelDim = out.kernelDim as Int32Array;
    overSubchunks(arena, X, count, d, (start, n, input) => {
      const st = forwardChunk(arena, up, input, n);
      const ws = jacobianWorkspace(arena, up, target);
      const vals = arena.allocF64(r);
      const vecs = arena.allocF32(r * d);
      const work = arena.allocF64(eigenWorkF64s(route, d, m, r));
      const g = route === "dense" ? arena.allocF64(d * d) : 0;
      for (let i = 0; i < n; i++) {
        const at = base + start + i;
        const Ji = pointJacobian(arena, st, i, ws);
        let rk: number;
        if (route === "dense") {
          k.denseMetricF32(m, d, Ji, 0, g, work);
          rk = k.denseEigF64(d, g, rankTol, vals, vecs, work);
        } else {
          rk = k.lowRankEigF32(m, d, Ji, 0, r, rankTol, vals, vecs, work);
        }
        rank[at] = rk;
        kernelDim[at] = d - rk;
        eigenvalues.set(arena.f64(vals, r), at * r);
        eigenvectors.set(arena.f32(vecs, r * d), at * r * d);
      }
    });
  },
};

/** The pullback g = Jᵀ J of a layer's Euclidean metric, as eigen-decomposition, rank and kernel dimension. */
export async function pullbackMetric(rt: Runtime, model: Model, X: BatchInput, opts: PullbackMetricOptions & CallOptions = {}): Promise<PullbackMetricResult> {
  const { out: r, meta, n } = await rt.map("pullbackMetric", model, X, opts, { layer: typeof opts.layer === "string" ? model.nodeIndex(opts.layer) : opts.layer, rankTol: opts.rankTol, full: !!opts.full });
  return {
    n,
    d: meta.d as number,
    m: meta.m as number,
    r: meta.r as number,
    route: meta.route as "lowRank" | "dense",
    eigenvalues: r.eigenvalues as Float64Array,
    eigenvectors: r.eigenvectors as Float32Array,
    rank: r.rank as Int32Array,
    kernelDim: r.kernelDim as Int32Array,
  };
}
