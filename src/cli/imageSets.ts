/**
 * Batches for the spectrum commands: `--input FILE`, or `--data NAME` for any bundled set (src/datasets/bundled.ts:
 * the registry's sets and the 28×28 image sets of the DIM-spectra reproduction), checked against the model.
 */
import { ShapeError } from "../errors.js";
import { bundledPoints, isImageSet } from "../datasets/bundled.js";
import { readInputs, type InputBatch } from "./files.js";

export { IMAGE_SET_HELP } from "../datasets/bundled.js";

export async function readSpectrumInputs(spec: { data?: unknown; input?: unknown }, inputShape: readonly number[], log: (line: string) => void): Promise<InputBatch> {
  if (typeof spec.data !== "string" || !isImageSet(spec.data)) return readInputs(spec, inputShape, log);
  const set = await bundledPoints(spec.data);
  const d = inputShape.reduce((a, b) => a * b, 1);
  if (d !== set.d) throw new ShapeError(`dataset ${spec.data.split(":")[0]} has 28×28×1 images (size ${set.d}); the model expects d = ${d}`);
  return { X: set.X, n: set.n, labels: set.labels, source: set.name };
}
