/**
 * MNIST and Fashion-MNIST for the command line and the report, read synchronously (Node) from the subsets
 * the package ships in data/ (IDX files; sources, splits and licences in data/README.md: MNIST 8 000 train /
 * 2 000 test, Fashion-MNIST 2 000 / 2 000). N images are taken class by class in turn (0, 1, …, 9, 0, …), so
 * any N is balanced. Images are NHWC [28, 28, 1] in [0, 1]. The asynchronous, browser-capable loader of the
 * same files is `loadDataset` in src/data/datasets.ts.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { FoliateError, OptionError } from "../errors.js";
import { parseIdx } from "../data/datasets.js";
import type { LabeledSet } from "./toy2d.js";

/** A shipped dataset file could not be read. */
export class DatasetUnavailableError extends FoliateError {
  override readonly code = "DATASET_UNAVAILABLE";
}

const SIZE = 28;
const PIXELS = SIZE * SIZE;
const stored = new Map<string, { images: Uint8Array; labels: Uint8Array }>();

function read(stem: string): { images: Uint8Array; labels: Uint8Array } {
  let s = stored.get(stem);
  if (s) return s;
  const dir = new URL("../../data/", import.meta.url);
  try {
    const images = parseIdx(new Uint8Array(gunzipSync(readFileSync(new URL(`${stem}-images.idx.gz`, dir)))), `${stem}-images`).data;
    const labels = parseIdx(new Uint8Array(readFileSync(new URL(`${stem}-labels.idx`, dir))), `${stem}-labels`).data;
    s = { images, labels };
  } catch (e) {
    throw new DatasetUnavailableError(`could not read the shipped dataset ${stem} from ${dir.pathname}: ${(e as Error).message.split("\n")[0]}`);
  }
  stored.set(stem, s);
  return s;
}

const FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

/** n balanced images of `set` ("mnist" or "fashion") from its train or test subset. */
export function imageSet(set: "mnist" | "fashion", n: number, split: "train" | "test"): LabeledSet {
  const { images, labels: all } = read(`${set}-${split}`);
  const byClass: number[][] = Array.from({ length: 10 }, () => []);
  all.forEach((c, i) => byClass[c].push(i));
  if (!Number.isInteger(n) || n < 1 || n > all.length) throw new OptionError(`${set}:${split} has ${all.length} images; asked for ${n}`);
  const X = new Float32Array(n * PIXELS); // n×28×28×1, row-major (NHWC)
  const labels = new Int32Array(n);
  const taken = new Array<number>(10).fill(0);
  for (let i = 0, c = 0; i < n; c = (c + 1) % 10) {
    if (taken[c] >= byClass[c].length) continue; // this class is used up: the others continue the cycle
    const at = byClass[c][taken[c]++];
    for (let p = 0; p < PIXELS; p++) X[i * PIXELS + p] = images[at * PIXELS + p] / 255;
    labels[i++] = c;
  }
  const classNames = set === "mnist" ? ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] : FASHION;
  return { X, labels, n, shape: [SIZE, SIZE, 1], classes: 10, classNames };
}

export function mnist(n: number, split: "train" | "test"): LabeledSet {
  return imageSet("mnist", n, split);
}
