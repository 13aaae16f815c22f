/**
 * The bundled datasets by name, as the CLI and the report name them: `name[:split][:N]`, e.g. `moons`,
 * `moons:test:200`, `glyphs:train:1000`, `mnist:test:500`. Generated sets take the split as the seed
 * (train 1, test 2); MNIST and Fashion-MNIST come from the subsets shipped in data/. A name always denotes the same points.
 */
import { OptionError } from "../errors.js";
import { glyphs } from "./glyphs.js";
import { imageSet } from "./mnist.js";
import { toy2d, TOY2D, type LabeledSet, type Toy2dName } from "./toy2d.js";

const SPLIT_SEED = { train: 1, test: 2 } as const;

export interface DatasetEntry {
  name: string;
  about: string;
  defaultSize: number;
  make(n: number, split: "train" | "test"): LabeledSet;
}

export const DATASETS: Record<string, DatasetEntry> = {
  ...Object.fromEntries(
    TOY2D.map((t): [string, DatasetEntry] => [t, { name: t, about: `2D toy set "${t}", 2 classes`, defaultSize: 400, make: (n, split) => toy2d(t as Toy2dName, n, SPLIT_SEED[split]) }]),
  ),
  glyphs: { name: "glyphs", about: "8×8 digit-like glyph images, 10 classes", defaultSize: 1000, make: (n, split) => glyphs(n, SPLIT_SEED[split]) },
  mnist: { name: "mnist", about: "MNIST 28×28 digits (shipped subset: 8 000 train, 2 000 test), 10 classes", defaultSize: 1000, make: (n, split) => imageSet("mnist", n, split) },
  fashion: { name: "fashion", about: "Fashion-MNIST 28×28 (shipped subset: 2 000 train, 2 000 test), 10 classes", defaultSize: 1000, make: (n, split) => imageSet("fashion", n, split) },
};

/** Parse `name[:split][:N]` and generate the set. */
export function loadDataset(spec: string): LabeledSet & { name: string } {
  const parts = spec.split(":");
  const entry = DATASETS[parts[0]];
  if (!entry) throw new OptionError(`unknown dataset "${parts[0]}": expected one of ${Object.keys(DATASETS).join(", ")} (as name[:train|test][:N])`);
  let split: "train" | "test" = "train";
  let n = entry.defaultSize;
  for (const p of parts.slice(1)) {
    if (p === "train" || p === "test") split = p;
    else if (/^\d+$/.test(p) && Number(p) >= 1 && Number(p) <= 1_000_000) n = Number(p);
    else throw new OptionError(`dataset "${spec}": "${p}" is neither a split (train, test) nor a size N in 1..1000000`);
  }
  return { name: `${entry.name}:${split}:${n}`, ...entry.make(n, split) };
}
