/**
 * The population experiment of "Deep learning as Ricci flow" (Baptista et al. 2024): train many binary
 * classifiers (ReLU hidden layers, sigmoid output, binary cross-entropy, RMSprop, batch 32) with tfjs, compute
 * the global Ricci coefficient ρ_k of each on a test set for a sweep of k, and report, among the networks whose
 * test accuracy is above a threshold, the fraction with ρ_k < 0 and the correlation of −ρ_k with accuracy.
 *
 * Every random choice is seeded: weights by `glorotUniform({ seed })` per layer, no shuffling (the data sets
 * interleave the classes), the data by their own seeds. The hidden activations come through an injected
 * `activations(model, X, n)` (default: tfjs itself, `tfjsActivations`); the engine will provide its own.
 */
import { tf } from "../tfjsQuiet.js";
import { OptionError } from "../errors.js";
import { ricciSweepFromActivations, type ActivationCloud } from "../analyses/ricci/ricciFlow.js";
import type { GraphMode } from "../analyses/ricci/graph.js";
import { pearson } from "../analyses/ricci/statistics.js";
import { nestedBlobs, sineSheets, twoClassSpiral, type LabelledPoints } from "../analyses/ricci/datasets.js";

/** Hidden-layer widths of the paper's architectures. */
export const ARCHITECTURES: Record<string, number[]> = {
  "w25-d5": Array(5).fill(25),
  "w50-d5": Array(5).fill(50),
  "w25-d11": Array(11).fill(25),
  "w50-d11": Array(11).fill(50),
  "bottleneck-50-25-50": [50, 25, 50],
};

export const DATASETS = { blobs: nestedBlobs, spiral: twoClassSpiral, sines: sineSheets } as const;
export type DatasetName = keyof typeof DATASETS;

/** Layer clouds of a model on X (n×inputDim): [X, every hidden layer's output, the model's output]. */
export type ActivationsFn = (model: tf.LayersModel, X: Float32Array, n: number) => ActivationCloud[] | Promise<ActivationCloud[]>;

/** Dense ReLU layers of the given widths and a sigmoid output unit; weights glorotUniform(seed + layer). */
export function buildClassifier(inputDim: number, hidden: readonly number[], seed: number): tf.Sequential {
  const model = tf.sequential();
  [...hidden, 1].forEach((units, l) => {
    model.add(tf.layers.dense({
      units,
      activation: l < hidden.length ? "relu" : "sigmoid",
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1009 + l }),
      biasInitializer: "zeros",
      ...(l === 0 ? { inputShape: [inputDim] } : {}),
    }));
  });
  model.compile({ optimizer: tf.train.rmsprop(0.001), loss: "binaryCrossentropy", metrics: ["accuracy"] });
  return model;
}

/** Train on (X n×dim, y) for `epochs`, batch 32, in the data's order (no shuffling: deterministic). */
export async function trainClassifier(model: tf.LayersModel, data: LabelledPoints, epochs: number): Promise<number> {
  const x = tf.tensor2d(data.X, [data.n, data.dim]);
  const y = tf.tensor2d(Float32Array.from(data.y), [data.n, 1]);
  try {
    const h = await model.fit(x, y, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
    const losses = h.history.loss as number[];
    return losses[losses.length - 1];
  } finally {
    x.dispose();
    y.dispose();
  }
}

/** Fraction of points whose sigmoid output is on the side of their label. */
export function testAccuracy(model: tf.LayersModel, data: LabelledPoints): number {
  const p = tf.tidy(() => (model.predict(tf.tensor2d(data.X, [data.n, data.dim])) as tf.Tensor).dataSync());
  let right = 0;
  for (let i = 0; i < data.n; i++) if ((p[i] > 0.5 ? 1 : 0) === data.y[i]) right++;
  return right / data.n;
}

/** The default activations: a tfjs model whose outputs are every layer's output (after its nonlinearity). */
export const tfjsActivations: ActivationsFn = (model, X, n) => {
  const inputDim = X.length / n;
  const probe = tf.model({ inputs: model.inputs, outputs: model.layers.map((l) => l.output as tf.SymbolicTensor) });
  const outs = tf.tidy(() => {
    const r = probe.predict(tf.tensor2d(X, [n, inputDim]));
    return (Array.isArray(r) ? r : [r]).map((t) => ({ data: t.dataSync() as Float32Array, dim: t.shape[1] as number }));
  });
  return [{ data: X, dim: inputDim }, ...outs];
};

export interface NetworkSpec {
  hidden: number[];
  seed: number;
}

export interface PopulationOptions {
  dataset: DatasetName;
  networks: NetworkSpec[];
  nTrain: number;
  nTest: number;
  epochs: number;
  ks: number[];
  mode?: GraphMode;
  /** Networks with test accuracy strictly above this are "well trained". Default 0.9. */
  accuracyThreshold?: number;
  /** Seed of the training and test sets (the test set uses dataSeed + 1). Default 1. */
  dataSeed?: number;
  activations?: ActivationsFn;
  /** Correlate over the hidden layers only, as the authors' R script (see RicciFlowOptions.skipInput). */
  skipInput?: boolean;
}

export interface NetworkResult {
  hidden: number[];
  seed: number;
  accuracy: number;
  finalLoss: number;
  /** ks.length: ρ_k (NaN when undefined, see reasons). */
  rho: Float64Array;
  reasons: (string | null)[];
  /** Per k: Ric_l and g_l (L+1 each), for the per-layer figure. */
  ric: Float64Array[];
  g: Float64Array[];
}

export interface PopulationResult {
  ks: number[];
  networks: NetworkResult[];
  /** Networks above the accuracy threshold. */
  wellTrained: number;
  /** ks.length: among well-trained networks with a defined ρ_k, the fraction with ρ_k < 0 (NaN if none). */
  fractionNegative: Float64Array;
  /** ks.length: Pearson correlation of −ρ_k with accuracy over well-trained networks with a defined ρ_k. */
  correlation: Float64Array;
  /** ks.length: how many well-trained networks had ρ_k defined. */
  defined: Int32Array;
}

/** Train the networks, measure ρ_k for every k, summarize over the well-trained ones. */
export async function ricciPopulation(opts: PopulationOptions): Promise<PopulationResult> {
  const make = DATASETS[opts.dataset];
  if (!make) throw new OptionError(`dataset must be one of ${Object.keys(DATASETS).join(", ")}, got ${JSON.stringify(opts.dataset)}`);
  const dataSeed = opts.dataSeed ?? 1;
  return populationOn(make(opts.nTrain, dataSeed), make(opts.nTest, dataSeed + 1), opts);
}

/** PopulationOptions without the synthetic dataset's name and sizes (for given training and test sets). */
export type PopulationOnOptions = Omit<PopulationOptions, "dataset" | "nTrain" | "nTest" | "dataSeed">;

/**
 * The population experiment on given training and test sets (any input dimension: the classifiers read X, y,
 * n and dim only): train each network, sweep ρ_k, summarize over the well-trained ones.
 */
export async function populationOn(train: LabelledPoints, test: LabelledPoints, opts: PopulationOnOptions): Promise<PopulationResult> {
  if (!opts.networks.length) throw new OptionError("networks must list at least one network");
  if (train.dim !== test.dim) throw new OptionError(`train and test points differ in dimension: ${train.dim} vs ${test.dim}`);
  const networks: NetworkResult[] = [];
  for (const spec of opts.networks) networks.push(await measureNetwork(train, test, spec, opts));
  return summarizePopulation(networks, opts.ks, opts.accuracyThreshold);
}

/** One network of the population: build (seeded), train, test, and sweep ρ_k over `opts.ks`. */
export async function measureNetwork(train: LabelledPoints, test: LabelledPoints, spec: NetworkSpec, opts: Omit<PopulationOnOptions, "networks">): Promise<NetworkResult> {
  const activations = opts.activations ?? tfjsActivations;
  const model = buildClassifier(train.dim, spec.hidden, spec.seed);
  try {
    const finalLoss = await trainClassifier(model, train, opts.epochs);
    const accuracy = testAccuracy(model, test);
    const clouds = await activations(model, test.X, test.n);
    const sweep = await ricciSweepFromActivations(clouds, opts.ks, opts.mode ?? "directed", { skipInput: opts.skipInput });
    return {
      hidden: [...spec.hidden], seed: spec.seed, accuracy, finalLoss, rho: sweep.rho,
      reasons: sweep.flows.map((f) => f.rhoReason), ric: sweep.flows.map((f) => f.ric), g: sweep.flows.map((f) => f.g),
    };
  } finally {
    model.dispose();
  }
}

/** The population's summary over the networks with accuracy above `threshold` (default 0.9). */
export function summarizePopulation(networks: NetworkResult[], ks: readonly number[], threshold = 0.9): PopulationResult {
  const good = networks.filter((r) => r.accuracy > threshold);
  const fractionNegative = new Float64Array(ks.length);
  const correlation = new Float64Array(ks.length);
  const defined = new Int32Array(ks.length);
  ks.forEach((_, i) => {
    const ok = good.filter((r) => !Number.isNaN(r.rho[i]));
    defined[i] = ok.length;
    fractionNegative[i] = ok.length ? ok.filter((r) => r.rho[i] < 0).length / ok.length : NaN;
    correlation[i] = pearson(ok.map((r) => -r.rho[i]), ok.map((r) => r.accuracy));
  });
  return { ks: [...ks], networks, wellTrained: good.length, fractionNegative, correlation, defined };
}

/**
 * The reduced run (seconds on one core): 3 small networks, 200 training and 200 test points, 30 epochs,
 * k ∈ {10, 40, 150}, accuracy threshold 0.85.
 */
export function reducedPopulationOptions(dataset: DatasetName = "blobs"): PopulationOptions {
  return {
    dataset, nTrain: 200, nTest: 200, epochs: 30, ks: [10, 40, 150], mode: "directed", accuracyThreshold: 0.85,
    networks: [
      { hidden: ARCHITECTURES["w25-d5"], seed: 1 },
      { hidden: ARCHITECTURES["bottleneck-50-25-50"], seed: 2 },
      { hidden: [25, 25, 25], seed: 3 },
    ],
  };
}

/**
 * The full run: every architecture of ARCHITECTURES × `seedsPerArchitecture` seeds, 2000 training and 1000 test
 * points, k ∈ {30, 120, 300} and accuracy threshold 0.98 as in the authors' R script (fMNIST_kNN_RCoef_eval.r).
 */
export function fullPopulationOptions(dataset: DatasetName = "blobs", seedsPerArchitecture = 20): PopulationOptions {
  const networks = Object.values(ARCHITECTURES).flatMap((hidden, a) =>
    Array.from({ length: seedsPerArchitecture }, (_, s) => ({ hidden, seed: 1000 * (a + 1) + s })));
  return { dataset, networks, nTrain: 2000, nTest: 1000, epochs: 50, ks: [30, 120, 300], mode: "directed", accuracyThreshold: 0.98 };
}
