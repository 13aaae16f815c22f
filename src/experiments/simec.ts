/**
 * Reproduction 4 of issue 3 (Benfenati & Marta II, arXiv 2112.10583, §5): SiMEC/SiMExp on small R² → R
 * networks. Trains (tfjs, cpu backend, seeded initializers and data, full-batch Adam on MSE) the paper's
 * four networks — 2-5-5-1 sigmoid on z = exp(x² + y² − 2) and z = exp(x² + y − 2) over (−1, 1)², the ideal
 * gas T = PV/R (V ∈ [0.025, 0.075], P ∈ [1e5, 2e5], inputs and output min-max normalised) with
 * 2-5-10-10-5-1, the classifier y > 0.5 sin x over (−3.14, 3.14) × (−2, 2) with 2-5-5-5-1 (MSE on 0/1
 * labels) — then traces each class from (0.25, 0.25) with δ = 1e-3, 5 000 steps each way (projected onto
 * the task's input box, stopping at its boundary), and does the same on the authors' own trained weights
 * (data/simec-1d, MIT). Returns plain data for the report: per run the numbers (drift, energy,
 * length), the polyline and a grid of the network's output to draw it on; and the interval preimage
 * (ε = 0.005) of surface 1 for both networks.
 *
 * What to plot: per run, the output grid as a heatmap over the input box with the class polyline on top
 * (x0 marked); for the preimages, every curve of the family over the same heatmap (an annulus for surface 1).
 */
import { tf } from "../tfjsQuiet.js";
import { createEngine, type Engine } from "../api/engine.js";
import { Model } from "../model/model.js";
import { mulberry32 } from "../random.js";
import type { IntervalPreimageResult } from "../analyses/intervalPreimage.js";

type Box = [[number, number], [number, number]];

export interface SimecTask {
  name: "surface1" | "surface2" | "thermodynamics" | "classifier";
  /** Layer widths, input first. */
  sizes: number[];
  /** Input box [lo, hi] (in the network's input units). */
  box: Box;
  /** The authors' weight file for the same task. */
  authorsFile: string;
  /** n samples: inputs n×2 and targets n, in the network's units. */
  sample(n: number, rand: () => number): { X: Float32Array; y: Float32Array };
}

const between = (rand: () => number, a: number, b: number) => a + (b - a) * rand();

function pairs(n: number, f: (i: number, X: Float32Array) => number): { X: Float32Array; y: Float32Array } {
  const X = new Float32Array(2 * n); // n×2, row-major
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = f(i, X);
  return { X, y };
}

/** Uniform points of [a0, b0] × [a1, b1] with target f(x, y). */
const uniformTask = (rand: () => number, n: number, box: Box, f: (x: number, y: number) => number) =>
  pairs(n, (i, X) => {
    X[2 * i] = between(rand, box[0][0], box[1][0]);
    X[2 * i + 1] = between(rand, box[0][1], box[1][1]);
    return f(X[2 * i], X[2 * i + 1]);
  });

const GAS_R = 8.314;
const T_MIN = (1e5 * 0.025) / GAS_R, T_MAX = (2e5 * 0.075) / GAS_R;

export const SIMEC_TASKS: SimecTask[] = [
  {
    name: "surface1", sizes: [2, 5, 5, 1], box: [[-1, -1], [1, 1]], authorsFile: "surface_1_good_weights.csv",
    sample: (n, rand) => uniformTask(rand, n, [[-1, -1], [1, 1]], (x, y) => Math.exp(x * x + y * y - 2)),
  },
  {
    name: "surface2", sizes: [2, 5, 5, 1], box: [[-1, -1], [1, 1]], authorsFile: "surface_2_good_weights.csv",
    sample: (n, rand) => uniformTask(rand, n, [[-1, -1], [1, 1]], (x, y) => Math.exp(x * x + y - 2)),
  },
  {
    // inputs (V, P) and T min-max normalised to [0, 1]
    name: "thermodynamics", sizes: [2, 5, 10, 10, 5, 1], box: [[0, 0], [1, 1]], authorsFile: "thermodynamics_weights_addestrata_bene.csv",
    sample: (n, rand) => uniformTask(rand, n, [[0, 0], [1, 1]], (v, p) => ((1e5 + 1e5 * p) * (0.025 + 0.05 * v) / GAS_R - T_MIN) / (T_MAX - T_MIN)),
  },
  {
    // trained on (−3.14, 3.14) × (−2, 2); classes traced in the authors' box (−3.14, −1) to (3.14, 1.5)
    name: "classifier", sizes: [2, 5, 5, 5, 1], box: [[-3.14, -1], [3.14, 1.5]], authorsFile: "weights_binary.csv",
    sample: (n, rand) => uniformTask(rand, n, [[-3.14, -2], [3.14, 2]], (x, y) => (y > 0.5 * Math.sin(x) ? 1 : 0)),
  },
];

export interface SimecExperimentOptions {
  /** The short form: 600 training steps instead of 3000 (under a minute on 2 cores). */
  reduced?: boolean;
  /** Full-batch Adam steps per network (default 3000, reduced 600). */
  trainSteps?: number;
  samples?: number;
  learningRate?: number;
  seed?: number;
  /** SiMEC steps each way and step (defaults 5000, 1e-3). */
  steps?: number;
  delta?: number;
  /** Tasks to run (default all four). */
  tasks?: SimecTask["name"][];
  /** Interval preimage of surface 1 (default true). */
  preimage?: boolean;
  /** Where the authors' weight files are (default: the package's data/simec-1d/). */
  weightsDir?: string | URL;
  /** Output grid resolution for the background heatmaps (default 41). */
  grid?: number;
  engine?: Engine;
}

export interface SimecRun {
  task: SimecTask["name"];
  source: "trained" | "authors";
  sizes: number[];
  /** Final training MSE (trained networks). */
  trainLoss?: number;
  x0: [number, number];
  y0: number;
  drift: number;
  energy: number;
  length: number;
  /** Points on the polyline. */
  k: number;
  stopReason: string;
  stopReasonStart?: string;
  /** The criteria: drift < 1e-3 and energy < 1e-12. */
  passed: boolean;
  /** k×2, row-major: the class polyline. */
  points: Float64Array;
  /** k: the output along it. */
  outputs: Float64Array;
  box: Box;
  /** n×n outputs over the box, row-major, row j = second input from lo to hi. */
  grid: { n: number; values: Float64Array };
}

export interface SimecPreimage {
  source: "trained" | "authors";
  result: IntervalPreimageResult;
  /** Smallest and largest ‖x‖ over all curves: the annulus. */
  innerRadius: number;
  outerRadius: number;
}

export interface SimecReproduction {
  runs: SimecRun[];
  preimages: SimecPreimage[];
  seconds: number;
}

/** Train one task's network in tfjs (float32, cpu backend, full-batch Adam on MSE) and import it. */
async function train(task: SimecTask, steps: number, samples: number, learningRate: number, seed: number): Promise<{ model: Model; loss: number }> {
  await tf.setBackend("cpu");
  const { X, y } = task.sample(samples, mulberry32(seed));
  const net = tf.sequential();
  task.sizes.slice(1).forEach((units, i) =>
    net.add(
      tf.layers.dense({
        units, activation: "sigmoid", ...(i === 0 ? { inputShape: [task.sizes[0]] } : {}),
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 100 + i }), biasInitializer: "zeros",
      }),
    ),
  );
  const xs = tf.tensor2d(X, [samples, 2]);
  const ys = tf.tensor2d(y, [samples, 1]);
  const optimizer = tf.train.adam(learningRate);
  const lossFn = () => tf.losses.meanSquaredError(ys, net.apply(xs) as tf.Tensor2D) as tf.Scalar;
  for (let s = 0; s < steps; s++) optimizer.minimize(lossFn, false); // returns null: nothing to dispose
  const final = lossFn();
  const loss = (await final.data())[0];
  const model = Model.fromTfjs(net);
  tf.dispose([xs, ys, final]);
  optimizer.dispose();
  net.dispose();
  return { model, loss };
}

/** The network's output over an n×n grid of the box (engine.forward, float32: a background heat map). */
async function outputGrid(engine: Engine, model: Model, box: Box, n: number): Promise<Float64Array> {
  const X = new Float64Array(2 * n * n); // n²×2, row j = second input from lo to hi
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      X[2 * (j * n + i)] = box[0][0] + ((box[1][0] - box[0][0]) * i) / (n - 1);
      X[2 * (j * n + i) + 1] = box[0][1] + ((box[1][1] - box[0][1]) * j) / (n - 1);
    }
  const { logits } = await engine.forward(model, X);
  return Float64Array.from(logits); // n×n, row j = second input from lo to hi
}

function annulus(result: IntervalPreimageResult): { innerRadius: number; outerRadius: number } {
  let innerRadius = Infinity, outerRadius = 0;
  for (const c of result.curves)
    for (let i = 0; i < c.k; i++) {
      const r = Math.hypot(c.points[2 * i], c.points[2 * i + 1]);
      innerRadius = Math.min(innerRadius, r);
      outerRadius = Math.max(outerRadius, r);
    }
  return { innerRadius, outerRadius };
}

/** Run the reproduction (see the file comment). */
export async function simecReproduction(opts: SimecExperimentOptions = {}): Promise<SimecReproduction> {
  const t0 = performance.now();
  const trainSteps = opts.trainSteps ?? (opts.reduced ? 600 : 3000);
  const samples = opts.samples ?? 1000, learningRate = opts.learningRate ?? 0.02, seed = opts.seed ?? 1;
  const steps = opts.steps ?? 5000, delta = opts.delta ?? 1e-3, gridN = opts.grid ?? 41;
  const dir = String(opts.weightsDir ?? new URL("../../data/simec-1d/", import.meta.url));
  const base = dir.endsWith("/") ? dir : `${dir}/`;
  const { readFile } = await import("node:fs/promises");
  const read = (file: string) => readFile(base.startsWith("file:") ? new URL(file, base) : `${base}${file}`, "utf8");
  const engine = opts.engine ?? (await createEngine({ workers: 0 }));
  const runs: SimecRun[] = [];
  const preimages: SimecPreimage[] = [];
  try {
    for (const task of SIMEC_TASKS.filter((t) => !opts.tasks || opts.tasks.includes(t.name))) {
      const trained = await train(task, trainSteps, samples, learningRate, seed);
      const authors = Model.fromSimecText(await read(task.authorsFile));
      const sources: ["trained" | "authors", Model, number | undefined][] = [["trained", trained.model, trained.loss], ["authors", authors, undefined]];
      for (const [source, model, loss] of sources) {
        const x0: [number, number] = [0.25, 0.25];
        const box = task.box;
        const r = await engine.equivalenceClass(model, x0, { delta, steps, box: [box[0], box[1]] });
        runs.push({
          task: task.name, source, sizes: task.sizes, ...(loss !== undefined ? { trainLoss: loss } : {}),
          x0, y0: r.outputs[r.startIndex], drift: r.drift, energy: r.energy, length: r.length, k: r.k,
          stopReason: r.stopReason, ...(r.stopReasonStart ? { stopReasonStart: r.stopReasonStart } : {}),
          passed: r.drift < 1e-3 && r.energy < 1e-12,
          points: r.points, outputs: r.outputs, box, grid: { n: gridN, values: await outputGrid(engine, model, box, gridN) },
        });
        if (task.name === "surface1" && opts.preimage !== false) {
          const result = await engine.intervalPreimage(model, x0, { epsilon: 0.005, curves: 3, delta, steps: 1500, exploreDelta: 1e-4, box: [box[0], box[1]] });
          preimages.push({ source, result, ...annulus(result) });
        }
      }
    }
  } finally {
    if (!opts.engine) await engine.close();
  }
  return { runs, preimages, seconds: (performance.now() - t0) / 1000 };
}
