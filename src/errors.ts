/**
 * Every error Foliate throws on purpose is a FoliateError. Subclasses name the kind of problem; messages say
 * what was expected and what came (layer index, field, shape).
 */
export class FoliateError extends Error {
  /** A stable machine-readable code, e.g. "SHAPE_ERROR". */
  readonly code: string = "FOLIATE_ERROR";
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A model description is malformed: missing field, wrong type, inconsistent layer chain, size out of bounds. */
export class ModelFormatError extends FoliateError {
  override readonly code = "MODEL_FORMAT";
}

/** A model file or URL could not be read (missing file, network failure, HTTP error status). */
export class ModelLoadError extends FoliateError {
  override readonly code = "MODEL_LOAD";
}

/** A layer or node type that Foliate does not support. */
export class UnsupportedLayerError extends FoliateError {
  override readonly code = "UNSUPPORTED_LAYER";
}

/** An array has the wrong length or shape for what it is used with. */
export class ShapeError extends FoliateError {
  override readonly code = "SHAPE";
}

/** NaN or ±Infinity where a finite number is required (weights, inputs). */
export class NonFiniteError extends FoliateError {
  override readonly code = "NON_FINITE";
}

/** A batch with no points. */
export class EmptyBatchError extends FoliateError {
  override readonly code = "EMPTY_BATCH";
}

/** An option has an invalid value. */
export class OptionError extends FoliateError {
  override readonly code = "OPTION";
}

/** A worker died (crash, kill, out of memory) while it held this job. The engine has replaced it. */
export class WorkerCrashError extends FoliateError {
  override readonly code = "WORKER_CRASH";
}

/** The caller's AbortSignal fired. */
export class AbortError extends FoliateError {
  override readonly code = "ABORTED";
}

/** The engine was closed, or used after close(). */
export class EngineClosedError extends FoliateError {
  override readonly code = "ENGINE_CLOSED";
}

const byName: Record<string, new (message: string) => FoliateError> = {
  FoliateError,
  ModelFormatError,
  ModelLoadError,
  UnsupportedLayerError,
  ShapeError,
  NonFiniteError,
  EmptyBatchError,
  OptionError,
  WorkerCrashError,
  AbortError,
  EngineClosedError,
};

/** Plain form of an error for crossing a worker boundary. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: "Error", message: String(e) };
}

/** Rebuild the typed error on the calling side; unknown kinds become a plain FoliateError naming the kind. */
export function deserializeError(s: SerializedError): FoliateError {
  const Ctor = byName[s.name];
  const err = Ctor ? new Ctor(s.message) : new FoliateError(`${s.name}: ${s.message}`);
  return err;
}
