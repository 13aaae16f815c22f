/**
 * Compare a learned feature layer (features of a discrete X and the next layer's weights) with the
 * theoretical optimum of `optimalFeatures` / `optimalHiddenFeatures`. Learned and theoretical solutions
 * agree only up to the symmetries of softmax regression: an invertible map f → Tᵀf, v → T⁻¹v, a constant
 * shift of f (absorbed by the bias) and of v (a per-x constant in the logits). So the comparison is made in
 * gauge-free terms:
 *  - principal angles between the feature subspaces (centred, P_X-weighted) — cos = canonical correlations;
 *  - the same for the weight subspaces (centred, P_Y-weighted);
 *  - the least-squares alignment T (P_X-weighted) of the learned features onto the theoretical ones, and
 *    the relative errors of the aligned features and weights;
 *  - the relative error of the interaction matrix D_Y^{1/2}(ṽ − Eṽ)(f̃ − Ef̃)ᵀD_X^{1/2} against the rank-k
 *    truncation B_k of the DTM (fully gauge-free: what the logits see);
 *  - the H-scores of both features under P_XY.
 */
import { ShapeError } from "../../errors.js";
import { cholesky, solveLower, solveUpperT } from "./cholesky.js";
import { SingularMatrixError } from "./errors.js";
import { hScoreOfJoint } from "./hScore.js";
import type { OptimalFeatures } from "./optimalFeatures.js";
import { principalAngles } from "./principalAngles.js";
import type { SvdOptions } from "./svd.js";

export interface LearnedFeatures {
  /** nx×k, row-major: row x is the learned feature of x (the input of the layer being compared). */
  features: ArrayLike<number>;
  k: number;
  /** ny×k, row-major: row y is the weight vector of output y (the layer's kernel, transposed). */
  weights?: ArrayLike<number>;
  /** ny: the layer's bias (not used by the gauge-free measures; kept for reports). */
  bias?: ArrayLike<number>;
}

export interface FeatureComparison {
  /** Principal angles (radians, ascending) between learned and theoretical feature subspaces. */
  principalAngles: Float64Array;
  /** cos of the principal angles: the canonical correlations of the two features under P_X. */
  canonicalCorrelations: Float64Array;
  /** Principal angles between the weight subspaces (centred, P_Y-weighted), when weights were given. */
  weightAngles?: Float64Array;
  /** k_learned × k_theory, row-major: T minimising E_X‖(f̃ − Ef̃)ᵀT − (f − Ef)ᵀ‖². */
  alignment: Float64Array;
  /** nx×k_theory: learned features mapped by T (plus E f): compare with theory.features. */
  alignedFeatures: Float64Array;
  /** ny×k: learned weights mapped by T⁻¹ (only when k_learned = k_theory and weights were given). */
  alignedWeights?: Float64Array;
  relativeError: {
    /** sqrt(E_X‖aligned − f‖²) / sqrt(E_X‖f − Ef‖²). */
    features: number;
    /** Same for the centred weights under P_Y, after alignment. */
    weights?: number;
    /** ‖Ξ̃ − B_k‖_F / ‖B_k‖_F for the interaction matrix Ξ̃ of the learned features and weights. */
    product?: number;
  };
  hScore: {
    /** H-score of the learned features under the theory's P_XY. */
    learned: number;
    /** ½ Σ σ_i² of the theory (its features' H-score). */
    theory: number;
  };
}

/** Weighted column means (nx rows, k columns) and the centred copy. */
function centred(a: ArrayLike<number>, rows: number, k: number, w: Float64Array): { mean: Float64Array; c: Float64Array } {
  const mean = new Float64Array(k);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) mean[j] += w[i] * a[i * k + j];
  const c = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) c[i * k + j] = a[i * k + j] - mean[j];
  return { mean, c };
}

/** Inverse of a small square matrix (k×k) by Gauss–Jordan with partial pivoting. */
function inverse(t: Float64Array, k: number): Float64Array {
  const a = Float64Array.from(t);
  const inv = new Float64Array(k * k);
  for (let i = 0; i < k; i++) inv[i * k + i] = 1;
  let scale = 0;
  for (const x of t) scale = Math.max(scale, Math.abs(x));
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r * k + c]) > Math.abs(a[p * k + c])) p = r;
    if (!(Math.abs(a[p * k + c]) > 1e-13 * scale)) throw new SingularMatrixError("compareFeatures: the alignment map T is singular; the learned features do not span the theoretical ones");
    for (let j = 0; j < k; j++) {
      [a[c * k + j], a[p * k + j]] = [a[p * k + j], a[c * k + j]];
      [inv[c * k + j], inv[p * k + j]] = [inv[p * k + j], inv[c * k + j]];
    }
    const d = a[c * k + c];
    for (let j = 0; j < k; j++) {
      a[c * k + j] /= d;
      inv[c * k + j] /= d;
    }
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r * k + c];
      if (f === 0) continue;
      for (let j = 0; j < k; j++) {
        a[r * k + j] -= f * a[c * k + j];
        inv[r * k + j] -= f * inv[c * k + j];
      }
    }
  }
  return inv;
}

/**
 * Compare learned features (and weights) with the theoretical ones on the same discrete X.
 * @example
 *   const theory = await optimalFeatures(Pxy, 8, 6, 2);
 *   const cmp = await compareFeatures({ features: learnedF, weights: learnedV, k: 2 }, theory);
 *   cmp.principalAngles;  // e.g. [0.004, 0.03] rad in the local regime
 */
export async function compareFeatures(learned: LearnedFeatures, theory: OptimalFeatures, options: SvdOptions = {}): Promise<FeatureComparison> {
  const { nx, ny, px, py } = theory;
  const kl = learned.k;
  const kt = theory.k;
  if (!Number.isInteger(kl) || kl < 1) throw new ShapeError(`compareFeatures: learned.k must be a positive integer, got ${kl}`);
  if (learned.features.length !== nx * kl)
    throw new ShapeError(`compareFeatures: expected learned features of length nx·k = ${nx}·${kl} = ${nx * kl} (nx×k), got ${learned.features.length}`);
  if (learned.weights && learned.weights.length !== ny * kl)
    throw new ShapeError(`compareFeatures: expected learned weights of length ny·k = ${ny}·${kl} = ${ny * kl} (ny×k), got ${learned.weights.length}`);
  if (learned.bias && learned.bias.length !== ny) throw new ShapeError(`compareFeatures: expected a learned bias of length ny = ${ny}, got ${learned.bias.length}`);

  const angles = await principalAngles(learned.features, theory.features, nx, kl, kt, { ...options, weights: px });
  const fl = centred(learned.features, nx, kl, px);
  const ft = centred(theory.features, nx, kt, px);
  // normal equations (F̃ᵀD F̃) T = F̃ᵀD F, D = diag(P_X)
  const gram = new Float64Array(kl * kl);
  const cross = new Float64Array(kl * kt);
  for (let x = 0; x < nx; x++) {
    for (let a = 0; a < kl; a++) {
      const la = px[x] * fl.c[x * kl + a];
      for (let b = 0; b < kl; b++) gram[a * kl + b] += la * fl.c[x * kl + b];
      for (let b = 0; b < kt; b++) cross[a * kt + b] += la * ft.c[x * kt + b];
    }
  }
  const l = cholesky(gram, kl, "compareFeatures: cov(learned features)");
  const alignment = solveUpperT(l, kl, solveLower(l, kl, cross, kt), kt); // kl×kt
  const alignedFeatures = new Float64Array(nx * kt);
  let num = 0;
  let den = 0;
  for (let x = 0; x < nx; x++)
    for (let b = 0; b < kt; b++) {
      let acc = 0;
      for (let a = 0; a < kl; a++) acc += fl.c[x * kl + a] * alignment[a * kt + b];
      alignedFeatures[x * kt + b] = acc + ft.mean[b];
      num += px[x] * (acc - ft.c[x * kt + b]) ** 2;
      den += px[x] * ft.c[x * kt + b] ** 2;
    }
  const out: FeatureComparison = {
    principalAngles: angles,
    canonicalCorrelations: Float64Array.from(angles, Math.cos),
    alignment,
    alignedFeatures,
    relativeError: { features: Math.sqrt(num / den) },
    hScore: { learned: hScoreOfJoint(learned.features, theory.pxy, nx, ny, kl), theory: theory.hScore },
  };
  if (!learned.weights) return out;

  out.weightAngles = await principalAngles(learned.weights, theory.weights, ny, kl, kt, { ...options, weights: py });
  const vl = centred(learned.weights, ny, kl, py);
  const vt = centred(theory.weights, ny, kt, py);
  if (kl === kt) {
    // logits (f̃ᵀT)(T⁻¹ṽ): aligned weight of y = T⁻¹·ṽ(y), i.e. row y of ṽ·T⁻ᵀ
    const tinv = inverse(alignment, kl);
    const alignedWeights = new Float64Array(ny * kt);
    let wn = 0;
    let wd = 0;
    for (let y = 0; y < ny; y++)
      for (let a = 0; a < kt; a++) {
        let acc = 0;
        for (let b = 0; b < kl; b++) acc += tinv[a * kl + b] * vl.c[y * kl + b];
        alignedWeights[y * kt + a] = acc + vt.mean[a];
        wn += py[y] * (acc - vt.c[y * kt + a]) ** 2;
        wd += py[y] * vt.c[y * kt + a] ** 2;
      }
    out.alignedWeights = alignedWeights;
    out.relativeError.weights = Math.sqrt(wn / wd);
  }
  // Ξ̃(y, x) = sqrt(P_Y P_X)·(ṽ(y) − Eṽ)·(f̃(x) − Ef̃) against B_k(y, x) = sqrt(P_Y P_X)·v(y)·f(x), centred
  let pn = 0;
  let pd = 0;
  for (let y = 0; y < ny; y++)
    for (let x = 0; x < nx; x++) {
      let lv = 0;
      for (let a = 0; a < kl; a++) lv += vl.c[y * kl + a] * fl.c[x * kl + a];
      let tv = 0;
      for (let a = 0; a < kt; a++) tv += vt.c[y * kt + a] * ft.c[x * kt + a];
      const root = Math.sqrt(py[y] * px[x]);
      pn += (root * (lv - tv)) ** 2;
      pd += (root * tv) ** 2;
    }
  out.relativeError.product = Math.sqrt(pn / pd);
  return out;
}
