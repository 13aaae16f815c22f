/**
 * Distances between datasets seen through one classifier's DIM spectra.
 *
 * dimSpectrumDistance(A, B) = (1/r) Σ_j W1(A_j, B_j), where A_j is the empirical distribution of log10 λ_j
 * (the j-th largest DIM eigenvalue, clipped at the floor) over the points of dataset A, and W1 is the 1-D
 * Wasserstein-1 (earth mover's) distance W1(μ, ν) = ∫₀¹ |F_μ⁻¹(u) − F_ν⁻¹(u)| du, computed exactly between
 * the two empirical quantile functions (step functions with steps at i/n_A and k/n_B). Units: decades of
 * eigenvalue. Being an average of metrics on distributions, it is a metric (zero only for equal samples per
 * position, symmetric, triangle inequality); both signatures need the same r and floor.
 */
import { OptionError, ShapeError } from "../../errors.js";
import type { BatchInput } from "../../engine/batch.js";
import { runtimeOf, type CallOptions, type RuntimeLike } from "../../engine/runtime.js";
import type { Model } from "../../model/model.js";
import { dimSpectrum, type DimSpectrumOptions, type DimSpectrumSignature } from "./dimSpectrum.js";

/** W1 between two empirical distributions given as ascending samples a[0..na) and b[0..nb). */
export function wasserstein1Sorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const na = a.length, nb = b.length;
  if (na === 0 || nb === 0) throw new ShapeError(`wasserstein1Sorted: both samples must be non-empty (got ${na} and ${nb})`);
  let i = 0, k = 0, u = 0, w = 0;
  while (i < na && k < nb) {
    const ua = (i + 1) / na, ub = (k + 1) / nb; // exact rationals compare exactly after correct rounding
    const next = Math.min(ua, ub);
    w += (next - u) * Math.abs(a[i] - b[k]);
    u = next;
    if (ua === next) i++;
    if (ub === next) k++;
  }
  return w;
}

/** The documented distance between two DIM spectrum signatures (decades; see the file comment). */
export function dimSpectrumDistance(a: DimSpectrumSignature, b: DimSpectrumSignature): number {
  if (a.r !== b.r) throw new ShapeError(`signatures have ${a.r} and ${b.r} eigen-positions; compare spectra of the same model`);
  if (a.floor !== b.floor) throw new OptionError(`signatures were clipped at different floors (${a.floor} and ${b.floor})`);
  let s = 0;
  for (let j = 0; j < a.r; j++) s += wasserstein1Sorted(a.samples.subarray(j * a.n, (j + 1) * a.n), b.samples.subarray(j * b.n, (j + 1) * b.n));
  return s / a.r;
}

export interface DatasetDistances {
  names: string[];
  /** k×k row-major, symmetric, zero diagonal: matrix[a·k + b] = dimSpectrumDistance(sig a, sig b). */
  matrix: Float64Array;
  signatures: Record<string, DimSpectrumSignature>;
}

/** The distance matrix between named datasets, one dimSpectrum per dataset under the same model. */
export async function datasetDistances(
  engine: RuntimeLike,
  model: Model,
  sets: Record<string, BatchInput>,
  opts: DimSpectrumOptions & CallOptions = {},
): Promise<DatasetDistances> {
  const names = Object.keys(sets);
  if (names.length === 0) throw new OptionError("datasetDistances needs at least one named dataset");
  const signatures: Record<string, DimSpectrumSignature> = {};
  for (const name of names) signatures[name] = (await dimSpectrum(engine, model, sets[name], opts)).signature;
  const k = names.length;
  const matrix = new Float64Array(k * k); // k×k
  for (let a = 0; a < k; a++)
    for (let b = a + 1; b < k; b++) matrix[a * k + b] = matrix[b * k + a] = dimSpectrumDistance(signatures[names[a]], signatures[names[b]]);
  return { names, matrix, signatures };
}
