/**
 * Float64 reference of the DIM's eigenvalues on the compiled graph (tests and benchmarks only): the float64
 * twin's forward pass and Jacobian (src/reference/graph.ts: one-hot cotangents pulled back one at a time),
 * the softmax in float64, and the eigenvalues of D = Jᵀ (diag p − p pᵀ) J = Σ_c p_c v_c v_cᵀ (v_c = J_c − J̄,
 * formed as Σ_k p_k (J_c − J_k): no cancellation at saturated points) from the C×C side V Vᵀ (rows √p_c v_c)
 * by cyclic Jacobi (src/reference/eigh.ts) — an eigvalsh route written as plain loops, independent of the
 * engine's Fisher factor. Also the float64 twin of assembly/dimGram.ts's
 * per-model weight Gram.
 */
import type { CompiledNetwork } from "../model/compile.js";
import { nodeField, valueBlock } from "../model/compile.js";
import * as O from "../model/opcodes.js";
import { graphForward, graphVjp } from "./graph.js";
import { jacobiEigh } from "./eigh.js";

export interface ReferenceDim {
  /** C×d, row-major: the logits' Jacobian. */
  jacobian: Float64Array;
  /** C: softmax probabilities. */
  probs: Float64Array;
  /** C×C: H = J Jᵀ. */
  gram: Float64Array;
  /** min(C − 1, d) eigenvalues of D, descending, clamped ≥ 0. */
  eigenvalues: Float64Array;
}

/** The DIM at one point x of a compiled classifier, in float64. */
export function referenceDimEigenvalues(net: CompiledNetwork, x: ArrayLike<number>): ReferenceDim {
  const C = net.outputSize, d = net.inputSize;
  const st = graphForward(net, x);
  const out = valueBlock(net, net.outputNode);
  const logits = st.values.subarray(out.offset, out.offset + C);
  const eye = new Float64Array(C * C);
  for (let c = 0; c < C; c++) eye[c * C + c] = 1;
  const J = graphVjp(net, st, net.outputNode, eye, C);
  const top = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - top));
  const sum = e.reduce((a, b) => a + b, 0);
  const p = Float64Array.from(e, (v) => v / sum);
  const H = new Float64Array(C * C);
  for (let a = 0; a < C; a++)
    for (let b = 0; b < C; b++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += J[a * d + t] * J[b * d + t];
      H[a * C + b] = s;
    }
  // D = Σ_c p_c v_c v_cᵀ with v_c = J_c − J̄ = Σ_k p_k (J_c − J_k) (no cancellation where p_c ≈ 1): its nonzero
  // eigenvalues are those of V Vᵀ (C×C), V's rows √p_c v_c.
  const V = new Float64Array(C * d);
  for (let c = 0; c < C; c++)
    for (let k = 0; k < C; k++) if (k !== c) for (let t = 0; t < d; t++) V[c * d + t] += p[k] * (J[c * d + t] - J[k * d + t]);
  for (let c = 0; c < C; c++) for (let t = 0; t < d; t++) V[c * d + t] *= Math.sqrt(p[c]);
  const K = new Float64Array(C * C);
  for (let a = 0; a < C; a++)
    for (let b = 0; b < C; b++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += V[a * d + t] * V[b * d + t];
      K[a * C + b] = s;
    }
  const r = Math.min(C - 1, d);
  const values = jacobiEigh(K, C).values;
  return { jacobian: J, probs: p, gram: H, eigenvalues: Float64Array.from(values.subarray(0, r), (v) => Math.max(v, 0)) };
}

/** G = Wᵀ W (h×h float64) of compiled dense node k (W its d×h weights, in×out). */
export function referenceWeightGram(net: CompiledNetwork, k: number): Float64Array {
  const d = nodeField(net, k, O.F_IN_SIZE), h = nodeField(net, k, O.F_OUT_SIZE);
  const w = net.params.subarray(nodeField(net, k, O.F_WEIGHT_OFFSET));
  const G = new Float64Array(h * h);
  for (let a = 0; a < h; a++)
    for (let b = 0; b < h; b++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += w[t * h + a] * w[t * h + b];
      G[a * h + b] = s;
    }
  return G;
}
