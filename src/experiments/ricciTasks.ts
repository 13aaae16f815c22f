/**
 * The binary image tasks of "Deep learning as Ricci flow" (Baptista et al. 2024) from the data Foliate ships
 * (src/data/datasets.ts): MNIST 1 vs 7 and 6 vs 8, Fashion-MNIST sandal (5) vs ankle boot (9) and shirt (6) vs
 * coat (4). A task's points are the images of its two classes in the stored order, classes interleaved
 * (class 0, class 1, class 0, …: the population experiment trains without shuffling), pixels in [0, 1].
 * The training set comes from the stored train split, the test set from the test split.
 *
 * `ricciPopulationOnTask` is the population experiment (ricciPopulation.ts) on any given train/test pair,
 * so that these tasks (784-dimensional, loaded asynchronously) run through the same pipeline as the
 * synthetic 3-D sets.
 */
import { OptionError } from "../errors.js";
import { loadDataset, type LoadDatasetOptions } from "../data/datasets.js";
import type { LabelledPoints } from "../analyses/ricci/datasets.js";
import { populationOn, type PopulationOnOptions, type PopulationResult } from "./ricciPopulation.js";

/** A binary task: class0 → label 0, class1 → label 1. */
export interface ImageTask {
  source: "mnist" | "fashion";
  class0: number;
  class1: number;
  title: string;
}

export const IMAGE_TASKS = {
  "mnist-1-7": { source: "mnist", class0: 1, class1: 7, title: "MNIST 1 vs 7" },
  "mnist-6-8": { source: "mnist", class0: 6, class1: 8, title: "MNIST 6 vs 8" },
  "fashion-5-9": { source: "fashion", class0: 5, class1: 9, title: "Fashion-MNIST sandal vs ankle boot" },
  "fashion-6-4": { source: "fashion", class0: 6, class1: 4, title: "Fashion-MNIST shirt vs coat" },
} as const satisfies Record<string, ImageTask>;
export type ImageTaskName = keyof typeof IMAGE_TASKS;

/** Points of a task: like LabelledPoints but of any dimension (784 for the image tasks). */
export interface BinaryPoints {
  /** n×dim float32, row-major. */
  X: Float32Array;
  /** n: 0 or 1, interleaved (point i has label i mod 2 while both classes last). */
  y: Uint8Array;
  n: number;
  dim: number;
}

/**
 * 2·⌊n/2⌋ points of `task` from the stored `split`, interleaved by class, both classes equally many (fewer
 * when a class runs out).
 * @example
 *   const test = await imageTask("mnist-1-7", "test", 200); // test.X: 200×784, test.y: 0,1,0,1,…
 */
export async function imageTask(name: ImageTaskName, split: "train" | "test", n: number, opts: Pick<LoadDatasetOptions, "dataUrl"> = {}): Promise<BinaryPoints> {
  const task: ImageTask | undefined = (IMAGE_TASKS as Record<string, ImageTask>)[name];
  if (!task) throw new OptionError(`unknown image task "${String(name)}"; expected one of ${Object.keys(IMAGE_TASKS).join(", ")}`);
  if (!Number.isInteger(n) || n < 2) throw new OptionError(`an image task needs an integer n ≥ 2 points, got ${n}`);
  const set = await loadDataset(`${task.source}:${split}`, opts);
  const of: number[][] = [[], []];
  for (let i = 0; i < set.n; i++) {
    if (set.labels[i] === task.class0) of[0].push(i);
    else if (set.labels[i] === task.class1) of[1].push(i);
  }
  const half = Math.min(Math.floor(n / 2), of[0].length, of[1].length);
  const count = 2 * half;
  const dim = 784;
  const X = new Float32Array(count * dim); // count×784
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % 2;
    const src = of[c][i >> 1];
    X.set(set.X.subarray(src * dim, (src + 1) * dim), i * dim);
    y[i] = c;
  }
  return { X, y, n: count, dim };
}

/** PopulationOptions without the synthetic dataset's name and sizes (the data are given). */
export type TaskPopulationOptions = PopulationOnOptions;

/** The population experiment (see ricciPopulation) on a given training and test set. */
export function ricciPopulationOnTask(train: BinaryPoints, test: BinaryPoints, opts: TaskPopulationOptions): Promise<PopulationResult> {
  return populationOn(train as unknown as LabelledPoints, test as unknown as LabelledPoints, opts);
}
