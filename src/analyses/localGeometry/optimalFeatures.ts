/**
 * Optimal features and weights of softmax regression in the local regime (P_XY close to P_X·P_Y), from the
 * SVD of the centred divergence transition matrix B = Σ σ_i φ_i ψ_iᵀ (φ_i over y, ψ_i over x):
 *   feature  f_i(x) = ψ_i(x) / sqrt(P_X(x))
 *   weight   v_i(y) = σ_i φ_i(y) / sqrt(P_Y(y))
 *   bias     b(y)   = log P_Y(y) − ⟨E[f], v(y)⟩          (E[f] = 0 here, so b = log P_Y)
 * so that log P(y|x) ≈ f(x)ᵀv(y) + b(y) with the rank-k truncation of B; every invertible linear map
 * f → A·f, v → A⁻ᵀ·v gives the same logits. cov(f) = I and H(f) = ½ Σ_{i≤k} σ_i².
 *
 * Hidden layers (`optimalHiddenFeatures`): when the layer's input s(x) (d values, e.g. a frozen earlier layer)
 * is given, the layer can only produce (to first order, through diag(σ′) of its activation) features that
 * are linear in s. The optimum is then the rank-k truncation of B·Q, Q an orthonormal basis of the centred,
 * sqrt(P_X)-weighted inputs: the same formulas with the singular vectors of B·Q.
 */
import { OptionError, ShapeError } from "../../errors.js";
import { dtm, jointMarginals } from "./dtm.js";
import { svd, type SvdOptions } from "./svd.js";

export interface OptimalFeatures {
  /** k singular values of the centred B (of B·Q for hidden layers), descending. */
  singularValues: Float64Array;
  /** nx×k, row-major: row x is f(x). */
  features: Float64Array;
  /** ny×k, row-major: row y is v(y). */
  weights: Float64Array;
  /** ny: b(y). */
  bias: Float64Array;
  nx: number;
  ny: number;
  k: number;
  /** nx, ny: the marginals of Pxy. */
  px: Float64Array;
  py: Float64Array;
  /** nx×k, row-major: the right singular vectors ψ_i (information vectors of the features). */
  psi: Float64Array;
  /** ny×k, row-major: the left singular vectors φ_i. */
  phi: Float64Array;
  /** nx×ny, row-major: the joint the features were computed from. */
  pxy: Float64Array;
  /** ½ Σ_{i≤k} σ_i²: the H-score of `features`, the maximum over k-dimensional features. */
  hScore: number;
}

function checkRank(k: number, max: number, what: string): void {
  if (!Number.isInteger(k) || k < 1 || k > max)
    throw new OptionError(`${what}: k must be an integer in 1..${max} (the rank the centred DTM can have), got ${k}`);
}

/** Assemble f, v, b from k singular triplets (phi ny×r, psi nx×r, taking their first k columns). */
function assemble(
  pxy: ArrayLike<number>, s: Float64Array, phi: Float64Array, psi: Float64Array, r: number, px: Float64Array, py: Float64Array, k: number,
): OptimalFeatures {
  const nx = px.length;
  const ny = py.length;
  const features = new Float64Array(nx * k); // nx×k
  const weights = new Float64Array(ny * k); // ny×k
  const psiK = new Float64Array(nx * k); // nx×k
  const phiK = new Float64Array(ny * k); // ny×k
  for (let x = 0; x < nx; x++)
    for (let i = 0; i < k; i++) {
      psiK[x * k + i] = psi[x * r + i];
      features[x * k + i] = psi[x * r + i] / Math.sqrt(px[x]);
    }
  for (let y = 0; y < ny; y++)
    for (let i = 0; i < k; i++) {
      phiK[y * k + i] = phi[y * r + i];
      weights[y * k + i] = (s[i] * phi[y * r + i]) / Math.sqrt(py[y]);
    }
  const mean = new Float64Array(k); // E[f] under P_X
  for (let x = 0; x < nx; x++) for (let i = 0; i < k; i++) mean[i] += px[x] * features[x * k + i];
  const bias = new Float64Array(ny);
  for (let y = 0; y < ny; y++) {
    let dot = 0;
    for (let i = 0; i < k; i++) dot += mean[i] * weights[y * k + i];
    bias[y] = Math.log(py[y]) - dot;
  }
  const singularValues = s.slice(0, k);
  let h = 0;
  for (const v of singularValues) h += v * v;
  return { singularValues, features, weights, bias, nx, ny, k, px, py, psi: psiK, phi: phiK, pxy: Float64Array.from(pxy), hScore: h / 2 };
}

/**
 * Top-k optimal features of softmax regression for the joint Pxy (nx×ny, row-major), 1 ≤ k < min(nx, ny).
 * @example
 *   const opt = await optimalFeatures(Pxy, 8, 6, 2);
 *   opt.singularValues;  // σ_1 ≥ σ_2 of the centred DTM
 *   opt.features;        // 8×2: f(x); hScoreOfJoint(opt.features, Pxy, 8, 6, 2) === opt.hScore
 */
export async function optimalFeatures(Pxy: ArrayLike<number>, nx: number, ny: number, k: number, options: SvdOptions = {}): Promise<OptimalFeatures> {
  const { px, py } = jointMarginals(Pxy, nx, ny, "optimalFeatures");
  checkRank(k, Math.min(nx, ny) - 1, "optimalFeatures");
  const b = dtm(Pxy, nx, ny); // ny×nx
  const { s, u, v } = await svd(b, ny, nx, options); // u: ny×r (φ), v: nx×r (ψ)
  return assemble(Pxy, s, u, v, Math.min(nx, ny), px, py, k);
}

export interface OptimalHiddenFeatures extends OptimalFeatures {
  /**
   * d×k, row-major: A with f(x) = (s(x) − E[s])ᵀ·A, the optimal weights of the hidden layer acting on its
   * input, to first order and up to diag(σ′) of the activation and an invertible k×k map.
   */
  inputWeights: Float64Array;
  /** Rank of the centred, weighted input (≤ d); k ≤ this. */
  inputRank: number;
}

/**
 * Optimal k features of a hidden layer whose input s(x) is fixed: `input` (nx×d, row-major: row x is s(x)).
 * The features are restricted to the span of the centred inputs; the singular values are those of B·Q.
 */
export async function optimalHiddenFeatures(
  Pxy: ArrayLike<number>, nx: number, ny: number, input: ArrayLike<number>, d: number, k: number, options: SvdOptions = {},
): Promise<OptimalHiddenFeatures> {
  const { px, py } = jointMarginals(Pxy, nx, ny, "optimalHiddenFeatures");
  if (!Number.isInteger(d) || d < 1 || input.length !== nx * d)
    throw new ShapeError(`optimalHiddenFeatures: expected input of length nx·d = ${nx}·${d} (nx×d, row-major), got ${input.length}`);
  // S̃ = D_X^{1/2}·(S − E S): nx×d
  const mean = new Float64Array(d);
  for (let x = 0; x < nx; x++) for (let j = 0; j < d; j++) mean[j] += px[x] * input[x * d + j];
  const st = new Float64Array(nx * d);
  for (let x = 0; x < nx; x++) for (let j = 0; j < d; j++) st[x * d + j] = Math.sqrt(px[x]) * (input[x * d + j] - mean[j]);
  const sv = await svd(st, nx, d, options); // u: nx×rs, v: d×rs
  const rs = Math.min(nx, d);
  let rank = 0;
  while (rank < rs && sv.s[rank] > 1e-10 * sv.s[0]) rank++;
  checkRank(k, Math.min(rank, ny - 1), "optimalHiddenFeatures");
  // BQ: ny×rank with Q = first `rank` columns of sv.u
  const b = dtm(Pxy, nx, ny); // ny×nx
  const bq = new Float64Array(ny * rank);
  for (let y = 0; y < ny; y++)
    for (let c = 0; c < rank; c++) {
      let acc = 0;
      for (let x = 0; x < nx; x++) acc += b[y * nx + x] * sv.u[x * rs + c];
      bq[y * rank + c] = acc;
    }
  const t = await svd(bq, ny, rank, options); // u: ny×r2 (φ), v: rank×r2
  const r2 = Math.min(ny, rank);
  const psi = new Float64Array(nx * r2); // Q·W: nx×r2
  for (let x = 0; x < nx; x++)
    for (let i = 0; i < r2; i++) {
      let acc = 0;
      for (let c = 0; c < rank; c++) acc += sv.u[x * rs + c] * t.v[c * r2 + i];
      psi[x * r2 + i] = acc;
    }
  const out = assemble(Pxy, t.s, t.u, psi, r2, px, py, k);
  // A = V_S Σ_S⁻¹ W_k (d×k): S̃·A = Q·W_k = ψ and f = D_X^{-1/2}ψ = (S − E S)·A
  const inputWeights = new Float64Array(d * k);
  for (let j = 0; j < d; j++)
    for (let i = 0; i < k; i++) {
      let acc = 0;
      for (let c = 0; c < rank; c++) acc += (sv.v[j * rs + c] / sv.s[c]) * t.v[c * r2 + i];
      inputWeights[j * k + i] = acc;
    }
  return { ...out, inputWeights, inputRank: rank };
}
