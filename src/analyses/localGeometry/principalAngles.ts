/**
 * Principal angles between the column spaces of two feature matrices evaluated on the same n points, in the
 * geometry of a distribution on those points: columns are centred (weighted mean removed, since a constant
 * shift of a feature is absorbed by the next layer's bias) and rows weighted by sqrt(w). cos θ_i are the
 * canonical correlations (CCA) of the two features. Small angles are taken from sines (asin), large ones
 * from cosines (acos), so both ends keep full precision.
 */
import { EmptyBatchError, NonFiniteError, ShapeError } from "../../errors.js";
import { SingularMatrixError } from "./errors.js";
import { svd, type SvdOptions } from "./svd.js";

export interface PrincipalAngleOptions extends SvdOptions {
  /** n non-negative weights (a distribution on the points; normalised here). Default: uniform. */
  weights?: ArrayLike<number>;
  /** Remove the weighted column means first (default true). */
  centre?: boolean;
}

/** Centred, sqrt(w)-weighted copy of a (n×k, row-major). */
export function weightedCentred(a: ArrayLike<number>, n: number, k: number, w: ArrayLike<number> | undefined, centre: boolean): Float64Array {
  let total = 0;
  for (let i = 0; i < n; i++) total += w ? w[i] : 1;
  if (!(total > 0)) throw new EmptyBatchError("principal angles: the weights sum to 0");
  const mean = new Float64Array(k);
  if (centre) for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) mean[j] += ((w ? w[i] : 1) / total) * a[i * k + j];
  const out = new Float64Array(n * k); // n×k
  for (let i = 0; i < n; i++) {
    const root = Math.sqrt((w ? w[i] : 1) / total);
    for (let j = 0; j < k; j++) {
      const x = a[i * k + j];
      if (!Number.isFinite(x)) throw new NonFiniteError(`principal angles: entry (row ${i}, column ${j}) is ${x}`);
      out[i * k + j] = root * (x - mean[j]);
    }
  }
  return out;
}

/** Orthonormal basis (n×k) of the columns of a (n×k); throws if they are linearly dependent. */
async function basis(a: Float64Array, n: number, k: number, what: string, options: SvdOptions): Promise<Float64Array> {
  const { s, u } = await svd(a, n, k, options);
  const r = Math.min(n, k);
  if (r < k || !(s[k - 1] > 1e-10 * s[0]))
    throw new SingularMatrixError(
      `principal angles: the ${k} columns of ${what} span only ${s.filter((x) => x > 1e-10 * s[0]).length} dimensions after centring (singular values ${Array.from(s, (x) => x.toExponential(2)).join(", ")})`,
    );
  return u; // n×k
}

/**
 * Principal angles (radians, ascending, min(ka, kb) of them) between span(a) and span(b); a is n×ka, b is
 * n×kb, both row-major (row i = the features of point i).
 * @example
 *   await principalAngles([1, 0, 0, 1, 0, 0], [1, 1, 0, 1, 0, 0], 3, 2, 2, { centre: false })  // [0, 0]
 */
export async function principalAngles(
  a: ArrayLike<number>, b: ArrayLike<number>, n: number, ka: number, kb: number, options: PrincipalAngleOptions = {},
): Promise<Float64Array> {
  if (a.length !== n * ka) throw new ShapeError(`principalAngles: expected a of length n·ka = ${n}·${ka} = ${n * ka}, got ${a.length}`);
  if (b.length !== n * kb) throw new ShapeError(`principalAngles: expected b of length n·kb = ${n}·${kb} = ${n * kb}, got ${b.length}`);
  if (options.weights && options.weights.length !== n) throw new ShapeError(`principalAngles: expected ${n} weights, got ${options.weights.length}`);
  const centre = options.centre ?? true;
  let qa = await basis(weightedCentred(a, n, ka, options.weights, centre), n, ka, "a", options);
  let qb = await basis(weightedCentred(b, n, kb, options.weights, centre), n, kb, "b", options);
  if (ka > kb) [qa, qb, ka, kb] = [qb, qa, kb, ka];
  // M = Qaᵀ·Qb (ka×kb); R = Qa − Qb·(Qbᵀ·Qa) (n×ka)
  const m = new Float64Array(ka * kb);
  for (let i = 0; i < n; i++) for (let p = 0; p < ka; p++) for (let q = 0; q < kb; q++) m[p * kb + q] += qa[i * ka + p] * qb[i * kb + q];
  const rest = Float64Array.from(qa);
  for (let i = 0; i < n; i++) for (let p = 0; p < ka; p++) for (let q = 0; q < kb; q++) rest[i * ka + p] -= qb[i * kb + q] * m[p * kb + q];
  const cos = (await svd(m, ka, kb, options)).s; // ka, descending
  const sin = (await svd(rest, n, ka, options)).s; // descending: reversed, it pairs with cos
  const angles = new Float64Array(ka);
  for (let i = 0; i < ka; i++) {
    const c = Math.min(1, cos[i]);
    angles[i] = c >= Math.SQRT1_2 ? Math.asin(Math.min(1, sin[ka - 1 - i])) : Math.acos(c);
  }
  return angles;
}
