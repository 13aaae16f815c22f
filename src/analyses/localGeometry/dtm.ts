/**
 * The divergence transition matrix (DTM) of a discrete joint distribution P_XY:
 *   B(y, x) = P_XY(x, y) / sqrt(P_X(x) P_Y(y)) − sqrt(P_X(x) P_Y(y))          (centred, the default)
 *   B̃(y, x) = P_XY(x, y) / sqrt(P_X(x) P_Y(y))                                (uncentred)
 * B̃ has top singular value 1 with left vector sqrt(P_Y) and right vector sqrt(P_X); B = B̃ minus that
 * rank-one term, so the singular values of B are those of B̃ after the first.
 */
import { ShapeError } from "../../errors.js";
import { DistributionError } from "./errors.js";

/** |Σ P_XY − 1| allowed by `jointMarginals` (float32 inputs that were normalised in float32 pass). */
export const JOINT_SUM_TOLERANCE = 1e-6;

export interface JointMarginals {
  /** nx: P_X(x) = Σ_y P_XY(x, y). */
  px: Float64Array;
  /** ny: P_Y(y) = Σ_x P_XY(x, y). */
  py: Float64Array;
}

/**
 * Check that Pxy (nx×ny, row-major: Pxy[x·ny + y]) is a joint distribution with positive marginals, and
 * return the marginals. Throws ShapeError (length) or DistributionError (negative / non-finite entry, total
 * off 1 by more than JOINT_SUM_TOLERANCE, a zero marginal), naming the offending cell.
 */
export function jointMarginals(Pxy: ArrayLike<number>, nx: number, ny: number, what = "dtm"): JointMarginals {
  if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 1 || ny < 1)
    throw new ShapeError(`${what}: expected positive integer sizes nx, ny; got nx = ${nx}, ny = ${ny}`);
  if (Pxy.length !== nx * ny)
    throw new ShapeError(`${what}: expected Pxy of length nx·ny = ${nx}·${ny} = ${nx * ny} (nx×ny, row-major), got ${Pxy.length}`);
  const px = new Float64Array(nx);
  const py = new Float64Array(ny);
  let total = 0;
  for (let x = 0; x < nx; x++)
    for (let y = 0; y < ny; y++) {
      const p = Pxy[x * ny + y];
      if (!Number.isFinite(p) || p < 0)
        throw new DistributionError(`${what}: Pxy(x = ${x}, y = ${y}) = ${p}; a joint distribution has finite entries ≥ 0`);
      px[x] += p;
      py[y] += p;
      total += p;
    }
  if (Math.abs(total - 1) > JOINT_SUM_TOLERANCE)
    throw new DistributionError(`${what}: Pxy sums to ${total}; a joint distribution sums to 1 (tolerance ${JOINT_SUM_TOLERANCE})`);
  for (let x = 0; x < nx; x++) if (px[x] === 0) throw new DistributionError(`${what}: P_X(${x}) = 0; every value of X must have positive probability`);
  for (let y = 0; y < ny; y++) if (py[y] === 0) throw new DistributionError(`${what}: P_Y(${y}) = 0; every label must have positive probability`);
  return { px, py };
}

export interface DtmOptions {
  /** Subtract sqrt(P_X P_Y) (default true). The uncentred B̃ has top singular value 1. */
  centred?: boolean;
}

/**
 * The divergence transition matrix of Pxy (nx×ny, row-major). Returns B, ny×nx, row-major: B[y·nx + x].
 * @example
 *   dtm([0.25, 0.25, 0.25, 0.25], 2, 2)                       // independent: B = 0 (2×2)
 *   dtm([0.5, 0, 0, 0.5], 2, 2, { centred: false })          // B̃ = I (singular values 1, 1)
 */
export function dtm(Pxy: ArrayLike<number>, nx: number, ny: number, options: DtmOptions = {}): Float64Array {
  const { px, py } = jointMarginals(Pxy, nx, ny);
  const centred = options.centred ?? true;
  const b = new Float64Array(ny * nx); // ny×nx, row-major
  for (let y = 0; y < ny; y++)
    for (let x = 0; x < nx; x++) {
      const root = Math.sqrt(px[x] * py[y]);
      b[y * nx + x] = Pxy[x * ny + y] / root - (centred ? root : 0);
    }
  return b;
}
