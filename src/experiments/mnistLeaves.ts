/**
 * Reproduction 3 (issue 3), "data is correlated with leaves", for any classifier and image set given as
 * arguments (the data sets come from elsewhere): X is n×d (pixels in [0, 1]), labels n.
 *
 * `leafWalks`: for seeded pairs (i, j) of differently labelled images, the data leaf from X_i walks towards
 * X_j (target mode, re-projected in every region), and a kernel leaf from X_i walks the same
 * length along a seeded random direction. Expected (Tron & Fioresi): data walks change the prediction,
 * kernel walks keep it (p is constant on kernel leaves) while the image degrades into noise.
 * No box: MNIST images have most pixels exactly at 0 or 1, on the box's faces, where the projected
 * direction points outwards at once and a boxed leaf would stop at length 0 (leaves stop at the box; they
 * do not slide along its faces).
 *
 * `leafDistances`: the distance from held-out images y to the data leaf through a start point x, measured
 * as the end distance ‖x_end − y‖ of the data walk from x towards y (the walk descends the distance to y
 * inside each piece of the leaf, so this is a local upper bound of the true point-to-leaf distance),
 * relative to ‖x − y‖. Start points: training images versus uniform-noise images; data leaves should pass
 * measurably closer to data than noise leaves do. "Measurably" is a test: every start walks towards the same
 * held-out images, each start's mean remaining distance over them is one value per leaf, and a one-sided
 * Mann–Whitney U test (mannWhitney.ts; exact for these sizes) asks whether the data starts' values tend to be
 * smaller than the noise starts'. Under H0 the 2S starts are exchangeable given the held-out images, so the
 * p-value is exact; the leaf, not the (start, held-out) pair, is the unit (pairs sharing a start are not
 * independent). With S starts of each kind the smallest attainable p is 1 / C(2S, S) (S = 3: 0.05).
 */
import type { Engine } from "../api/engine.js";
import type { Model } from "../model/model.js";
import { gaussian, mulberry32 } from "../random.js";
import { softmax } from "../reference/forward.js";
import { mannWhitneyLess, type MannWhitneyResult } from "./mannWhitney.js";

const argmax = (a: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
  return b;
};

export interface WalkPair {
  from: number;
  to: number;
  startClass: number;
  targetClass: number;
  /** Predicted class at the end of the data walk and of the kernel walk. */
  dataEndClass: number;
  kernelEndClass: number;
  dataLength: number;
  /** ‖x_end − X_to‖ / ‖X_from − X_to‖ for the data walk. */
  dataRemaining: number;
  /** max_k ‖p(x_k) − p(x_0)‖_∞ along the kernel walk. */
  kernelDrift: number;
  dataStop: string;
}

export interface WalkSummary {
  pairs: WalkPair[];
  /** Fraction of data walks whose prediction changed; fraction of kernel walks whose prediction stayed. */
  dataChanged: number;
  kernelKept: number;
}

export async function leafWalks(engine: Engine, model: Model, X: ArrayLike<number>, labels: ArrayLike<number>, opts: { pairs?: number; seed?: number; maxLength?: number } = {}): Promise<WalkSummary> {
  const d = model.inputSize, n = labels.length;
  const rnd = mulberry32(opts.seed ?? 1);
  const g = gaussian(rnd);
  const maxLength = opts.maxLength ?? 20;
  const pairs: WalkPair[] = [];
  const row = (i: number) => Float64Array.from({ length: d }, (_, k) => X[i * d + k]);
  for (let t = 0; pairs.length < (opts.pairs ?? 10) && t < 1000; t++) {
    const i = Math.floor(rnd() * n), j = Math.floor(rnd() * n);
    if (labels[i] === labels[j]) continue;
    const xi = row(i), xj = row(j);
    const data = await engine.leaf(model, xi, { distribution: "data", target: xj, maxLength, maxVertices: 4096 });
    const dir = Float64Array.from({ length: d }, () => g());
    const kernel = await engine.leaf(model, xi, { distribution: "kernel", direction: dir, maxLength: Math.max(data.length, 1e-3), maxVertices: 4096 });
    const C = data.m;
    const cls = (p: { outputs: Float64Array; vertices: number }, k: number) => argmax(p.outputs.subarray(k * C, (k + 1) * C));
    const p0 = softmax(kernel.outputs.subarray(0, C));
    let drift = 0;
    for (let k = 1; k < kernel.vertices; k++) {
      const pk = softmax(kernel.outputs.subarray(k * C, (k + 1) * C));
      for (let c = 0; c < C; c++) drift = Math.max(drift, Math.abs(pk[c] - p0[c]));
    }
    const end = data.points.subarray((data.vertices - 1) * d);
    let num = 0, den = 0;
    for (let k = 0; k < d; k++) { num += (end[k] - xj[k]) ** 2; den += (xi[k] - xj[k]) ** 2; }
    pairs.push({
      from: i, to: j, startClass: cls(data, 0), targetClass: labels[j], dataEndClass: cls(data, data.vertices - 1),
      kernelEndClass: cls(kernel, kernel.vertices - 1), dataLength: data.length, dataRemaining: Math.sqrt(num / den),
      kernelDrift: drift, dataStop: data.stopReason,
    });
  }
  return {
    pairs,
    dataChanged: pairs.filter((p) => p.dataEndClass !== p.startClass).length / pairs.length,
    kernelKept: pairs.filter((p) => p.kernelEndClass === p.startClass).length / pairs.length,
  };
}

export interface LeafDistanceSummary {
  /** S×T row-major, per (start, held-out image): remaining relative distance, for data starts and for noise starts. */
  fromData: Float64Array;
  fromNoise: Float64Array;
  medianData: number;
  medianNoise: number;
  /** S values each: per start, the mean over the T held-out images. */
  startMeansData: Float64Array;
  startMeansNoise: Float64Array;
  /** Means over all S×T pairs. */
  meanData: number;
  meanNoise: number;
  /** One-sided Mann–Whitney U on the per-start means (H1: data starts smaller). */
  test: MannWhitneyResult;
}

const median = (a: Float64Array) => {
  const s = Float64Array.from(a).sort();
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function leafDistances(engine: Engine, model: Model, train: ArrayLike<number>, heldOut: ArrayLike<number>, opts: { starts?: number; targets?: number; seed?: number; maxLength?: number } = {}): Promise<LeafDistanceSummary> {
  const d = model.inputSize;
  const rnd = mulberry32(opts.seed ?? 2);
  const S = opts.starts ?? 4, T = opts.targets ?? 4, maxLength = opts.maxLength ?? 30;
  const pick = (A: ArrayLike<number>) => {
    const i = Math.floor(rnd() * (A.length / d));
    return Float64Array.from({ length: d }, (_, k) => A[i * d + k]);
  };
  const starts = Array.from({ length: S }, () => pick(train));
  const noise = Array.from({ length: S }, () => Float64Array.from({ length: d }, () => rnd()));
  const targets = Array.from({ length: T }, () => pick(heldOut));
  const walk = async (x: Float64Array) => {
    const out: number[] = [];
    for (const y of targets) {
      const p = await engine.leaf(model, x, { distribution: "data", target: y, maxLength, maxVertices: 4096 });
      const end = p.points.subarray((p.vertices - 1) * d);
      let num = 0, den = 0;
      for (let k = 0; k < d; k++) { num += (end[k] - y[k]) ** 2; den += (x[k] - y[k]) ** 2; }
      out.push(Math.sqrt(num / den));
    }
    return out;
  };
  const fromData = Float64Array.from((await Promise.all(starts.map(walk))).flat()); // S×T
  const fromNoise = Float64Array.from((await Promise.all(noise.map(walk))).flat()); // S×T
  const startMeans = (A: Float64Array) => Float64Array.from({ length: S }, (_, i) => A.subarray(i * T, (i + 1) * T).reduce((a, b) => a + b, 0) / T);
  const startMeansData = startMeans(fromData), startMeansNoise = startMeans(fromNoise);
  const mean = (A: Float64Array) => A.reduce((a, b) => a + b, 0) / A.length;
  return {
    fromData, fromNoise, medianData: median(fromData), medianNoise: median(fromNoise),
    startMeansData, startMeansNoise, meanData: mean(fromData), meanNoise: mean(fromNoise),
    test: mannWhitneyLess(startMeansData, startMeansNoise),
  };
}
