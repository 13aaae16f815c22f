/**
 * Every bundled point set by one name, as the spectrum commands and the distributed runner name them:
 * the registry's sets (`xor|moons|circles|spirals|glyphs|mnist|fashion[:train|test][:N]`, registry.ts) and the
 * 28×28 image sets of the DIM-spectra reproduction (`fashion|mnist-inverted|mnist-rotated|noise[:train|test][:N]`,
 * src/data/datasets.ts; default split test, default N 250). A name always denotes the same points (n×d
 * float32, row-major), on every machine with the same package: that is what lets a distributed job carry a
 * name and a range instead of the points.
 */
import { OptionError } from "../errors.js";
import { loadDataset as loadImageSet, type DatasetName } from "../data/datasets.js";
import { loadDataset } from "./registry.js";

/**
 * Names taken by the image-set loader (first N images of a split) rather than the registry. "fashion" is in
 * both: here it means the image set, while the CLI's generic `--data` (cli/files.ts readInputs) takes the
 * registry's balanced subset, so `fashion:test:N` denotes different points there.
 */
const IMAGE_SETS = ["fashion", "mnist-inverted", "mnist-rotated", "noise"] as const;

/** The image-set names accepted besides the registry's (for help texts). */
export const IMAGE_SET_HELP = "also fashion|mnist-inverted|mnist-rotated|noise[:train|test][:N] (28×28 images)";

export interface BundledPoints {
  /** n×d float32, row-major. */
  X: Float32Array;
  n: number;
  d: number;
  labels?: Int32Array;
  /** The canonical name (with split and size). */
  name: string;
}

/** True when `spec` names one of the image sets (else it is the registry's). */
export function isImageSet(spec: string): boolean {
  return (IMAGE_SETS as readonly string[]).includes(spec.split(":")[0]);
}

/** The points a bundled name denotes (OptionError for an unknown name, split or size). */
export async function bundledPoints(spec: string): Promise<BundledPoints> {
  if (typeof spec !== "string" || spec.length === 0 || spec.length > 100) throw new OptionError(`a bundled dataset name must be a short string like mnist:test:2000, got ${JSON.stringify(spec)?.slice(0, 80)}`);
  const parts = spec.split(":");
  if (!isImageSet(spec)) {
    const set = loadDataset(spec);
    return { X: set.X, n: set.n, d: set.X.length / set.n, labels: set.labels, name: set.name };
  }
  let split = "test", n = 250;
  for (const p of parts.slice(1)) {
    if (p === "train" || p === "test") split = p;
    else if (/^\d+$/.test(p) && Number(p) >= 1 && Number(p) <= 100_000) n = Number(p);
    else throw new OptionError(`dataset "${spec}": "${p}" is neither a split (train, test) nor a size N in 1..100000`);
  }
  const name = (parts[0] === "noise" ? "noise" : `${parts[0]}:${split}`) as DatasetName;
  const set = await loadImageSet(name, { limit: n, seed: split === "train" ? 1001 : 1 });
  return { X: set.X, n: set.n, d: 784, labels: Int32Array.from(set.labels), name: `${parts[0] === "noise" ? "noise" : name}:${set.n}` };
}
