/**
 * Errors of the local geometric analysis. Both are FoliateErrors; the lead may move them to src/errors.ts
 * (and its `byName` table) when another analysis needs them.
 */
import { FoliateError } from "../../errors.js";

/** A joint distribution P_XY is not one: negative or non-finite entry, total ≠ 1, or an empty marginal. */
export class DistributionError extends FoliateError {
  override readonly code = "DISTRIBUTION";
}

/** A matrix that must be invertible is (numerically) singular: e.g. cov(f) in the H-score. */
export class SingularMatrixError extends FoliateError {
  override readonly code = "SINGULAR_MATRIX";
}

/** An iterative solver stopped at its iteration limit without meeting its tolerance. */
export class ConvergenceError extends FoliateError {
  override readonly code = "CONVERGENCE";
}
