/**
 * The H-score of a k-dimensional feature f for labels Y (Huang, Makur, Wornell, Zheng):
 *   H(f) = ½ tr( cov(f)⁻¹ · cov(E[f | Y]) ),
 * the part of the log-loss a softmax regression on f can remove, in the local regime. Invariant under every
 * invertible affine map of f. For f = the top-k singular features of the DTM, H = ½ Σ_{i≤k} σ_i², the maximum
 * over all k-dimensional features.
 * Covariances use the (weighted) empirical distribution: 1/n normalisation, not 1/(n−1).
 */
import { EmptyBatchError, NonFiniteError, OptionError, ShapeError } from "../../errors.js";
import { cholesky, solveLower } from "./cholesky.js";
import { SingularMatrixError } from "./errors.js";
import { jointMarginals } from "./dtm.js";

export interface HScoreOptions {
  /** n non-negative sample weights (default all 1): sample i counts weights[i] times. */
  weights?: ArrayLike<number>;
  /** Add ridge·I to cov(f) before inverting (default 0: a singular cov(f) throws SingularMatrixError). */
  ridge?: number;
}

/**
 * H-score of features (n×k, row-major: row i is f(x_i)) with integer labels (n, values 0..C−1).
 * Throws ShapeError / NonFiniteError / EmptyBatchError on bad input and SingularMatrixError when cov(f) is
 * singular (a constant feature, or one that is a linear combination of others).
 * @example
 *   hScore([0, 0, 1, 1], 4, 1, [0, 0, 1, 1])   // f determines Y: cov(E[f|Y]) = cov(f), H = ½
 */
export function hScore(features: ArrayLike<number>, n: number, k: number, labels: ArrayLike<number>, options: HScoreOptions = {}): number {
  if (!Number.isInteger(n) || !Number.isInteger(k) || k < 1 || n < 0)
    throw new ShapeError(`hScore: expected integer n ≥ 0 and k ≥ 1, got n = ${n}, k = ${k}`);
  if (n === 0) throw new EmptyBatchError("hScore: no samples (n = 0)");
  if (features.length !== n * k) throw new ShapeError(`hScore: expected features of length n·k = ${n}·${k} = ${n * k} (n×k, row-major), got ${features.length}`);
  if (labels.length !== n) throw new ShapeError(`hScore: expected ${n} labels (one per sample), got ${labels.length}`);
  const w = options.weights;
  if (w && w.length !== n) throw new ShapeError(`hScore: expected ${n} weights (one per sample), got ${w.length}`);
  const ridge = options.ridge ?? 0;
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new OptionError(`hScore: ridge must be a finite number ≥ 0, got ${ridge}`);
  let classes = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0) throw new ShapeError(`hScore: label ${i} is ${y}; labels are integers ≥ 0`);
    classes = Math.max(classes, y + 1);
  }
  const mean = new Float64Array(k);
  const classSum = new Float64Array(classes * k); // C×k, row-major: Σ_{i: y_i = c} w_i f(x_i)
  const classWeight = new Float64Array(classes);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i] : 1;
    if (!Number.isFinite(wi) || wi < 0) throw new NonFiniteError(`hScore: weight ${i} is ${wi}; weights are finite and ≥ 0`);
    const y = labels[i];
    for (let a = 0; a < k; a++) {
      const f = features[i * k + a];
      if (!Number.isFinite(f)) throw new NonFiniteError(`hScore: feature (sample ${i}, component ${a}) is ${f}`);
      mean[a] += wi * f;
      classSum[y * k + a] += wi * f;
    }
    classWeight[y] += wi;
    total += wi;
  }
  if (!(total > 0)) throw new EmptyBatchError("hScore: the sample weights sum to 0");
  for (let a = 0; a < k; a++) mean[a] /= total;
  const cov = new Float64Array(k * k); // k×k, cov(f)
  for (let i = 0; i < n; i++) {
    const wi = (w ? w[i] : 1) / total;
    for (let a = 0; a < k; a++) {
      const da = features[i * k + a] - mean[a];
      for (let b = 0; b <= a; b++) cov[a * k + b] += wi * da * (features[i * k + b] - mean[b]);
    }
  }
  for (let a = 0; a < k; a++) {
    cov[a * k + a] += ridge;
    for (let b = 0; b < a; b++) cov[b * k + a] = cov[a * k + b];
  }
  // cov(E[f|Y]) = G·Gᵀ with G (k×C): column c = sqrt(P(c))·(E[f | Y = c] − E f); H = ½‖L⁻¹G‖²_F
  const g = new Float64Array(k * classes); // k×C, row-major
  for (let c = 0; c < classes; c++) {
    if (classWeight[c] === 0) continue;
    const root = Math.sqrt(classWeight[c] / total);
    for (let a = 0; a < k; a++) g[a * classes + c] = root * (classSum[c * k + a] / classWeight[c] - mean[a]);
  }
  // H is invariant to rescaling each feature: work with the correlation matrix, so that the singularity test
  // (cholesky's relative pivot) does not depend on the features' units. A feature whose spread is below
  // 1e−12 of its magnitude is constant.
  for (let a = 0; a < k; a++) {
    let big = 0;
    for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(features[i * k + a]));
    const sd = Math.sqrt(cov[a * k + a]);
    if (!(sd > 1e-12 * big))
      throw new SingularMatrixError(`hScore: cov(f) is singular: feature ${a} is constant (standard deviation ${sd.toExponential(3)}); drop it or pass a ridge`);
    for (let b = 0; b < k; b++) {
      cov[a * k + b] /= sd;
      cov[b * k + a] /= sd;
    }
    for (let c = 0; c < classes; c++) g[a * classes + c] /= sd;
  }
  const l = cholesky(cov, k, "hScore: cov(f)");
  solveLower(l, k, g, classes);
  let h = 0;
  for (let i = 0; i < g.length; i++) h += g[i] * g[i];
  return 0.5 * h;
}

/**
 * H-score of a feature of a discrete X (features nx×k, row-major: row x is f(x)) under the joint Pxy (nx×ny,
 * row-major): hScore over the nx·ny cells (x, y) weighted by Pxy(x, y) — the population value.
 */
export function hScoreOfJoint(features: ArrayLike<number>, Pxy: ArrayLike<number>, nx: number, ny: number, k: number, options: { ridge?: number } = {}): number {
  jointMarginals(Pxy, nx, ny, "hScoreOfJoint");
  if (features.length !== nx * k) throw new ShapeError(`hScoreOfJoint: expected features of length nx·k = ${nx}·${k} = ${nx * k} (nx×k), got ${features.length}`);
  const cells = nx * ny;
  const f = new Float64Array(cells * k); // (nx·ny)×k: cell (x, y) carries f(x)
  const labels = new Int32Array(cells);
  for (let x = 0; x < nx; x++)
    for (let y = 0; y < ny; y++) {
      labels[x * ny + y] = y;
      for (let a = 0; a < k; a++) f[(x * ny + y) * k + a] = features[x * k + a];
    }
  return hScore(f, cells, k, labels, { weights: Pxy, ridge: options.ridge });
}
