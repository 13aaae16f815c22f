/**
 * Errors of the distributed runner (BullMQ on Redis). Each is a FoliateError with a stable code, so the CLI
 * exits with code 2 and one line naming the problem.
 */
import { FoliateError } from "../errors.js";

/** Redis could not be reached (at start, or for longer than the allowed time during a run). */
export class RedisUnavailableError extends FoliateError {
  override readonly code = "REDIS_UNAVAILABLE";
}

/** A job payload, a stored model or a returned result is larger than its bound. */
export class PayloadTooLargeError extends FoliateError {
  override readonly code = "PAYLOAD_TOO_LARGE";
}

/** A results path would leave the --results directory, or a shard file does not match its checksum. */
export class ResultsPathError extends FoliateError {
  override readonly code = "RESULTS_PATH";
}

/** A run id was reused with a different specification, or a run's jobs were removed under it. */
export class RunStateError extends FoliateError {
  override readonly code = "RUN_STATE";
}
