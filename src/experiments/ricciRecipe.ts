/**
 * The recipe of a Ricci population run, shared by the single-process run (`foliate reproduce-ricci`) and the
 * distributed one (one `ricci-network` job per network): which data, how many points, epochs, the k sweep and
 * the list of networks. Both build the same recipe from the same options, so both train the same networks.
 */
import type { GraphMode } from "../analyses/ricci/graph.js";
import type { LabelledPoints } from "../analyses/ricci/datasets.js";
import { OptionError } from "../errors.js";
import { ARCHITECTURES, DATASETS, fullPopulationOptions, reducedPopulationOptions, type DatasetName, type NetworkSpec } from "./ricciPopulation.js";
import { IMAGE_TASKS, imageTask, type ImageTaskName } from "./ricciTasks.js";

export interface PopulationRecipe {
  /** A synthetic set (blobs|spiral|sines) or an image task (mnist-1-7, …). */
  dataset: string;
  nTrain: number;
  nTest: number;
  /** Seed of the synthetic training set (the test set uses dataSeed + 1); image tasks ignore it. */
  dataSeed: number;
  epochs: number;
  ks: number[];
  mode: GraphMode;
  accuracyThreshold: number;
  networks: NetworkSpec[];
}

export interface RecipeOptions {
  quick: boolean;
  /** Networks per architecture of the full run (default 20). */
  seeds?: number;
  /**
   * Take exactly this many networks instead: the reduced run's three architectures in turn (seeds 1, 2, …),
   * or the paper's five in turn (seeds 1000·(a+1) + s, as in the full grid) — so any prefix covers every
   * architecture.
   */
  networks?: number;
  ks?: number[];
  mode?: GraphMode;
}

export const POPULATION_DATASETS = [...Object.keys(DATASETS), ...Object.keys(IMAGE_TASKS)];

export function populationRecipe(dataset: string, o: RecipeOptions): PopulationRecipe {
  if (!POPULATION_DATASETS.includes(dataset)) throw new OptionError(`dataset must be one of ${POPULATION_DATASETS.join(", ")}, got "${dataset}"`);
  const isTask = dataset in IMAGE_TASKS;
  const synthetic = (isTask ? "blobs" : dataset) as DatasetName;
  const base = o.quick ? reducedPopulationOptions(synthetic) : fullPopulationOptions(synthetic, o.seeds ?? 20);
  let networks = base.networks;
  if (o.networks !== undefined) {
    if (!Number.isInteger(o.networks) || o.networks < 1) throw new OptionError(`networks must be a positive integer, got ${o.networks}`);
    const archs = o.quick ? reducedPopulationOptions(synthetic).networks.map((n) => n.hidden) : Object.values(ARCHITECTURES);
    networks = Array.from({ length: o.networks }, (_, i) => {
      const a = i % archs.length, s = Math.floor(i / archs.length);
      return { hidden: [...archs[a]], seed: o.quick ? i + 1 : 1000 * (a + 1) + s };
    });
  }
  return {
    dataset, nTrain: base.nTrain, nTest: base.nTest, dataSeed: base.dataSeed ?? 1,
    epochs: isTask ? (o.quick ? 5 : 20) : base.epochs, ks: o.ks ?? base.ks, mode: o.mode ?? base.mode ?? "directed",
    accuracyThreshold: base.accuracyThreshold ?? 0.9, networks,
  };
}

/** The recipe's training and test sets. */
export async function populationData(r: Pick<PopulationRecipe, "dataset" | "nTrain" | "nTest" | "dataSeed">): Promise<{ train: LabelledPoints; test: LabelledPoints }> {
  if (r.dataset in IMAGE_TASKS) {
    const train = await imageTask(r.dataset as ImageTaskName, "train", r.nTrain);
    const test = await imageTask(r.dataset as ImageTaskName, "test", r.nTest);
    return { train: train as unknown as LabelledPoints, test: test as unknown as LabelledPoints };
  }
  const make = DATASETS[r.dataset as DatasetName];
  if (!make) throw new OptionError(`dataset must be one of ${POPULATION_DATASETS.join(", ")}, got "${r.dataset}"`);
  return { train: make(r.nTrain, r.dataSeed), test: make(r.nTest, r.dataSeed + 1) };
}
