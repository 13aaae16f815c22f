/**
 * Batches for the spectrum commands: the CLI's bundled sets (`--data mnist:test:200`, files.ts) plus the
 * 28×28 image sets of the DIM-spectra reproduction (src/data/datasets.ts, read from the package's data/):
 * `fashion[:train|test][:N]`, `mnist-inverted[...]`, `mnist-rotated[...]` (45°) and `noise[:N]` (uniform
 * pixels, seeded). Default split test, default N 250.
 */
import { OptionError, ShapeError } from "../errors.js";
import { loadDataset, type DatasetName } from "../data/datasets.js";
import { readInputs, type InputBatch } from "./files.js";

const IMAGE_SETS = ["fashion", "mnist-inverted", "mnist-rotated", "noise"] as const;

/** Names readInputs does not know but the spectrum commands accept. */
export const IMAGE_SET_HELP = "also fashion|mnist-inverted|mnist-rotated|noise[:train|test][:N] (28×28 images)";

export async function readSpectrumInputs(spec: { data?: unknown; input?: unknown }, inputShape: readonly number[], log: (line: string) => void): Promise<InputBatch> {
  const parts = typeof spec.data === "string" ? spec.data.split(":") : [];
  if (!(IMAGE_SETS as readonly string[]).includes(parts[0] ?? "")) return readInputs(spec, inputShape, log);
  let split = "test", n = 250;
  for (const p of parts.slice(1)) {
    if (p === "train" || p === "test") split = p;
    else if (/^\d+$/.test(p) && Number(p) >= 1 && Number(p) <= 100_000) n = Number(p);
    else throw new OptionError(`dataset "${String(spec.data)}": "${p}" is neither a split (train, test) nor a size N in 1..100000`);
  }
  const d = inputShape.reduce((a, b) => a * b, 1);
  if (d !== 784) throw new ShapeError(`dataset ${parts[0]} has 28×28×1 images (size 784); the model expects d = ${d}`);
  const name = (parts[0] === "noise" ? "noise" : `${parts[0]}:${split}`) as DatasetName;
  const set = await loadDataset(name, { limit: n, seed: split === "train" ? 1001 : 1 });
  return { X: set.X, n: set.n, labels: Int32Array.from(set.labels), source: `${parts[0] === "noise" ? "noise" : name}:${set.n}` };
}
