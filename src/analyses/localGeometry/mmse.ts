/**
 * MMSE estimation with a k-dimensional linear feature: reduced-rank regression. Among predictors
 * ŷ = μ_Y + W·f(x) with f(x) = Aᵀ(x − μ_X) (k values), the one minimising E‖Y − ŷ‖² comes from the SVD of
 * the whitened cross-covariance K = C_YX·L⁻ᵀ (C_XX = L·Lᵀ, Cholesky): K = Σ σ_i b_i a_iᵀ and
 *   A = L⁻ᵀ·[a_1 … a_k]  (dx×k; cov(f) = I),   W = [σ_1 b_1 … σ_k b_k]  (dy×k),   bias = μ_Y,
 * with E‖Y − ŷ‖² = tr C_YY − Σ_{i≤k} σ_i². (Whitening Y as well would give CCA, the optimum for a
 * C_YY⁻¹-weighted error instead.) This is the MMSE counterpart of the DTM's SVD in `optimalFeatures`.
 * Moments use 1/n (the empirical distribution of the n samples).
 */
import { EmptyBatchError, NonFiniteError, OptionError, ShapeError } from "../../errors.js";
import { cholesky, solveLower, solveUpperT } from "./cholesky.js";
import { svd, type SvdOptions } from "./svd.js";

/** A dense matrix: `data` is rows×cols, row-major (row i = sample i). */
export interface MatrixLike {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

export interface MmseFeatures {
  /** k singular values of the whitened cross-covariance, descending. */
  singularValues: Float64Array;
  /** dx×k, row-major: f(x) = projectionᵀ·(x − meanX). */
  projection: Float64Array;
  /** n×k, row-major: f evaluated on the rows of X. */
  features: Float64Array;
  /** dy×k, row-major: ŷ = bias + weights·f(x). */
  weights: Float64Array;
  /** dy: μ_Y. */
  bias: Float64Array;
  /** dx: μ_X. */
  meanX: Float64Array;
  /** Σ_{i≤k} σ_i²: the reduction of E‖Y − ŷ‖² the k features buy. */
  explained: number;
  /** tr C_YY: E‖Y − μ_Y‖². */
  totalVariance: number;
  /** tr C_YY − explained: the minimum E‖Y − ŷ‖² with k linear features. */
  residualMse: number;
}

function checkMatrix(m: MatrixLike, what: string): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 1)
    throw new ShapeError(`mmseFeatures: ${what} needs integer rows ≥ 0 and cols ≥ 1, got ${m.rows}×${m.cols}`);
  if (m.data.length !== m.rows * m.cols)
    throw new ShapeError(`mmseFeatures: ${what} is ${m.rows}×${m.cols} but its data has length ${m.data.length} (expected ${m.rows * m.cols})`);
  for (let i = 0; i < m.data.length; i++)
    if (!Number.isFinite(m.data[i])) throw new NonFiniteError(`mmseFeatures: ${what}(row ${Math.floor(i / m.cols)}, column ${i % m.cols}) is ${m.data[i]}`);
}

/**
 * Reduced-rank regression of Y (n×dy) on X (n×dx) with k ≤ min(dx, dy) features.
 * @example
 *   const r = await mmseFeatures({ data: X, rows: n, cols: 6 }, { data: Y, rows: n, cols: 4 }, 2);
 *   r.residualMse;  // tr C_YY − σ_1² − σ_2²
 */
export async function mmseFeatures(X: MatrixLike, Y: MatrixLike, k: number, options: SvdOptions = {}): Promise<MmseFeatures> {
  checkMatrix(X, "X");
  checkMatrix(Y, "Y");
  if (X.rows !== Y.rows) throw new ShapeError(`mmseFeatures: X has ${X.rows} rows but Y has ${Y.rows}; both are one row per sample`);
  const n = X.rows;
  if (n === 0) throw new EmptyBatchError("mmseFeatures: no samples");
  const dx = X.cols;
  const dy = Y.cols;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(dx, dy)) throw new OptionError(`mmseFeatures: k must be an integer in 1..min(dx, dy) = ${Math.min(dx, dy)}, got ${k}`);
  const mx = new Float64Array(dx);
  const my = new Float64Array(dy);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dx; j++) mx[j] += X.data[i * dx + j] / n;
    for (let j = 0; j < dy; j++) my[j] += Y.data[i * dy + j] / n;
  }
  const cxx = new Float64Array(dx * dx); // dx×dx
  const cxy = new Float64Array(dx * dy); // dx×dy
  let totalVariance = 0;
  const xc = new Float64Array(dx);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dx; j++) xc[j] = X.data[i * dx + j] - mx[j];
    for (let a = 0; a < dx; a++) {
      for (let b = 0; b <= a; b++) cxx[a * dx + b] += (xc[a] * xc[b]) / n;
      for (let b = 0; b < dy; b++) cxy[a * dy + b] += (xc[a] * (Y.data[i * dy + b] - my[b])) / n;
    }
    for (let b = 0; b < dy; b++) totalVariance += (Y.data[i * dy + b] - my[b]) ** 2 / n;
  }
  for (let a = 0; a < dx; a++) for (let b = 0; b < a; b++) cxx[b * dx + a] = cxx[a * dx + b];
  const l = cholesky(cxx, dx, "mmseFeatures: cov(X)");
  const kt = solveLower(l, dx, cxy, dy); // Kᵀ = L⁻¹·C_XY, dx×dy
  const { s, u, v } = await svd(kt, dx, dy, options); // u: dx×r (x side), v: dy×r (y side)
  const r = Math.min(dx, dy);
  const uk = new Float64Array(dx * k);
  for (let j = 0; j < dx; j++) for (let i = 0; i < k; i++) uk[j * k + i] = u[j * r + i];
  const projection = solveUpperT(l, dx, uk, k); // dx×k
  const weights = new Float64Array(dy * k);
  for (let j = 0; j < dy; j++) for (let i = 0; i < k; i++) weights[j * k + i] = s[i] * v[j * r + i];
  const features = new Float64Array(n * k); // n×k
  for (let t = 0; t < n; t++)
    for (let j = 0; j < dx; j++) {
      const d = X.data[t * dx + j] - mx[j];
      for (let i = 0; i < k; i++) features[t * k + i] += d * projection[j * k + i];
    }
  const singularValues = s.slice(0, k);
  let explained = 0;
  for (const x of singularValues) explained += x * x;
  return {
    singularValues, projection, features, weights, bias: my, meanX: mx,
    explained, totalVariance, residualMse: Math.max(0, totalVariance - explained),
  };
}
