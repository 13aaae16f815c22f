/**
 * DIM spectra: per point the r = C − 1 eigenvalues of the data information matrix D(x) (log10, descending,
 * clipped below at a floor) and its trace; per dataset a signature summarising their distributions. Tron &
 * Fioresi (arXiv 2409.07412) compare datasets through the spectrum of D under one trained classifier.
 *
 * Built on `engine.dim` with `eigenvectors: false` (the route that never forms J: src/analyses/dimEigenvalues.ts),
 * so the eigenvalues and ranks are exactly the engine's. Since
 * rank D ≤ C − 1 = r, the r eigenvalues hold the whole trace: trace D = Σ_j λ_j.
 *
 * Floor: log10 λ is replaced by max(log10 λ, floor), default floor −20 (absolute; the same for every dataset so
 * that signatures compare). Eigenvalues are computed in float64 from a float32 Jacobian: below about 1e-7·λ1
 * they carry rounding error, and an exactly zero eigenvalue (a singular point) sits at the floor.
 *
 * Signature (per dataset): for each eigen-position j (1 = largest) the median and the 10 % / 90 % quantiles of
 * log10 λ_j over the points (linear interpolation between order statistics, numpy's default), the median of
 * log10 trace, and two spreads of the spectrum (clipped values):
 * - `medianSpread` = median log10 λ_1 − median log10 λ_r: the span of the curve of per-position medians, the
 *   flatness of the spectrum as the authors show it. Their reference code (github.com/eliot-tron/SingFolDIM,
 *   experiment.py, `Experiment.plot_FIM_eigenvalues`) defines no scalar spread: per dataset it takes the top
 *   eigenvalues of D (absolute values, sorted descending, clipped below at 1e-23, log10) and draws one box
 *   plot per eigen-position; the spread of a dataset's spectrum in their comparison figure is the distance
 *   between the medians of the first and last boxes, which is this number. (Their boxes also include the
 *   C-th, null eigenvalue; a span including it would be ≈ 16–23 decades, not the 1.7–4.9 they report, so the
 *   span runs over the r = C − 1 non-null positions, as here.)
 * - `meanSpread` = mean over points of (log10 λ_1 − log10 λ_r): our own per-point statistic (the mean of
 *   `DimSpectrumResult.spread`); a dataset whose points each have a wide spectrum at different heights has a
 *   large meanSpread but can still have a flat median curve.
 * The sorted per-position samples are kept so that distances between signatures are exact (see
 * spectrumDistance.ts).
 */
import { EmptyBatchError, OptionError, ShapeError } from "../../errors.js";
import type { BatchInput } from "../../engine/batch.js";
import { dim as dimOf } from "../dim.js";
import { runtimeOf, type CallOptions, type RuntimeLike } from "../../engine/runtime.js";
import type { Model } from "../../model/model.js";

export interface DimSpectrumOptions {
  /** Lower clip of log10 eigenvalues and traces (default −20). */
  floor?: number;
  /** Passed to engine.dim: relative threshold of the numerical rank (default 1e-6). */
  rankTol?: number;
}

export interface DimSpectrumSignature {
  /** Points summarised. */
  n: number;
  /** Eigen-positions (C − 1). */
  r: number;
  floor: number;
  /** r values each: per eigen-position (descending order) the median, 10 % and 90 % quantiles of log10 λ_j. */
  median: Float64Array;
  q10: Float64Array;
  q90: Float64Array;
  /** Median over points of log10 trace D. */
  medianLogTrace: number;
  /** median[0] − median[r − 1]: the span of the per-position median curve (the authors' figure; see above). */
  medianSpread: number;
  /** Mean over points of log10 λ_1 − log10 λ_r (our per-point statistic; see above). */
  meanSpread: number;
  /** r×n row-major: row j holds the n values of log10 λ_j, sorted ascending (the empirical distribution). */
  samples: Float64Array;
}

export interface DimSpectrumResult {
  n: number;
  r: number;
  /** n×r row-major, log10 of the eigenvalues (descending per point), clipped at `floor`. */
  logEigenvalues: Float64Array;
  /** n values: trace D(x) = Σ_j λ_j (unclipped). */
  trace: Float64Array;
  /** n values: log10 trace, clipped at `floor`. */
  logTrace: Float64Array;
  /** n values: log10 λ_1 − log10 λ_r (clipped values). */
  spread: Float64Array;
  /** n numerical ranks of D from engine.dim. */
  rank: Int32Array;
  signature: DimSpectrumSignature;
}

export function spectrumFloor(floor: unknown): number {
  const f = floor ?? -20;
  if (typeof f !== "number" || !Number.isFinite(f)) throw new OptionError(`floor must be a finite number (a log10 value), got ${String(f)}`);
  return f;
}

/** The q-quantile (0 ≤ q ≤ 1) of ascending values a[0..n): linear interpolation between order statistics. */
export function sortedQuantile(a: ArrayLike<number>, q: number, start = 0, n = a.length - start): number {
  if (n <= 0) throw new EmptyBatchError("quantile of an empty sample");
  const h = (n - 1) * q;
  const lo = Math.floor(h), hi = Math.min(n - 1, lo + 1);
  return a[start + lo] + (h - lo) * (a[start + hi] - a[start + lo]);
}

/**
 * The signature of a set of per-point spectra: logEigenvalues n×r (each row descending), logTrace n values,
 * both already clipped at `floor`.
 */
export function dimSpectrumSignature(logEigenvalues: Float64Array, r: number, logTrace: Float64Array, floor: number): DimSpectrumSignature {
  if (!Number.isInteger(r) || r < 1) throw new ShapeError(`r must be a positive integer, got ${r}`);
  const n = logTrace.length;
  if (n === 0) throw new EmptyBatchError("a signature needs at least one point");
  if (logEigenvalues.length !== n * r) throw new ShapeError(`logEigenvalues has ${logEigenvalues.length} values, expected n×r = ${n}×${r}`);
  const samples = new Float64Array(r * n); // r×n, row j ascending
  const median = new Float64Array(r), q10 = new Float64Array(r), q90 = new Float64Array(r);
  for (let j = 0; j < r; j++) {
    const row = samples.subarray(j * n, (j + 1) * n);
    for (let i = 0; i < n; i++) row[i] = logEigenvalues[i * r + j];
    row.sort();
    median[j] = sortedQuantile(row, 0.5);
    q10[j] = sortedQuantile(row, 0.1);
    q90[j] = sortedQuantile(row, 0.9);
  }
  let spread = 0;
  for (let i = 0; i < n; i++) spread += logEigenvalues[i * r] - logEigenvalues[i * r + r - 1];
  const traces = Float64Array.from(logTrace).sort();
  return { n, r, floor, median, q10, q90, medianLogTrace: sortedQuantile(traces, 0.5), medianSpread: median[0] - median[r - 1], meanSpread: spread / n, samples };
}

/**
 * Per-point DIM spectra of a batch and their signature.
 * @example
 *   const s = await dimSpectrum(engine, model, X); // s.logEigenvalues n×9 for a 10-class model
 *   s.signature.median[0] // median log10 λ1
 */
export async function dimSpectrum(engine: RuntimeLike, model: Model, X: BatchInput, opts: DimSpectrumOptions & CallOptions = {}): Promise<DimSpectrumResult> {
  const floor = spectrumFloor(opts.floor);
  const dim = await dimOf(runtimeOf(engine), model, X, { rankTol: opts.rankTol, eigenvectors: false, signal: opts.signal, onProgress: opts.onProgress });
  const { n, r } = dim;
  const logEigenvalues = new Float64Array(n * r); // n×r
  const trace = new Float64Array(n);
  const logTrace = new Float64Array(n);
  const spread = new Float64Array(n);
  const clip = (v: number) => (v > 0 ? Math.max(floor, Math.log10(v)) : floor);
  for (let i = 0; i < n; i++) {
    let t = 0;
    for (let j = 0; j < r; j++) {
      const lam = dim.eigenvalues[i * r + j];
      t += lam;
      logEigenvalues[i * r + j] = clip(lam);
    }
    trace[i] = t;
    logTrace[i] = clip(t);
    spread[i] = logEigenvalues[i * r] - logEigenvalues[i * r + r - 1];
  }
  return { n, r, logEigenvalues, trace, logTrace, spread, rank: dim.rank, signature: dimSpectrumSignature(logEigenvalues, r, logTrace, floor) };
}
