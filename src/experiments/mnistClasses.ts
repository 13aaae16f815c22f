/**
 * Reproduction 5 of issue 3, "ReLU equivalence classes in high dimension" (Benfenati & Marta III, arXiv
 * 2404.06104; SiMEC as in II, arXiv 2112.10583): on a trained MNIST classifier, random walks in ker g — g the
 * pullback of the Fisher metric diag p − p pᵀ of the probabilities, i.e. the DIM — keep the predicted class and
 * its probability, every step projected onto the pixel box [0, 1].
 *
 * `MNIST_CLASSES_RECIPE` is the network: a ReLU MLP 784→64→10 trained with tfjs (wasm backend, seeded
 * Glorot initialisers and shuffling, mini-batch Adam; src/cli/models/train.ts `subjectFor`, which caches it by
 * a hash of the recipe). `mnistClassWalks` takes any softmax classifier and labelled images (n×784 in [0, 1]):
 * from `starts` correctly classified images of distinct digits (seeded choice) it runs
 * `engine.equivalenceClass` (each step a seeded random direction among the eigenvalues of g below nullTol·λmax,
 * length δ, kept in [0, 1] — most MNIST pixels sit on the faces of the box, so a walk that stopped at the box
 * would end after one step. Box handling `box`: "slide" (default; SiMEC boxMode "slide": pixels a step would
 * push out of [0, 1] are held and the step is re-projected onto ker g over the other pixels, so the walk stays
 * in ker g), or "clamp" (each step projected onto [0, 1] and continued, as the authors clamp their MNIST walks,
 * github.com/alessiomarta/extension_singular_riemannian_framework_code, mnist/algorithms.py; the projection
 * takes steps out of ker g), or "none") and reports per walk the predicted class at every vertex, the drift of
 * the predicted class's probability max_k |p_c(x_k) − p_c(x₀)|, the engine's drift max_k ‖p(x_k) − p(x₀)‖∞,
 * the energy Σ δ vᵀ g v, the arc length and the displacement ‖x_end − x₀‖ (how far the class took the image).
 * A control walk from the same image takes the same number of steps of the same length along seeded random
 * unit directions (not restricted to ker g), clamped the same way: its drift of p_c is what the class walk
 * would show if ker g did nothing. For a ReLU network p is exactly constant along a kernel step inside one
 * linear region, so the class walk's drift comes from the steps that cross a region boundary (and, with
 * "clamp", from the projection).
 */
import type { Recipe } from "../cli/models/zoo.js";
import { OptionError, ShapeError } from "../errors.js";
import type { Engine } from "../api/engine.js";
import type { Model } from "../model/model.js";
import { gaussian, mulberry32 } from "../random.js";

/** The reproduction's classifier (quick: 2 epochs, ≈ 2 s to train; full: 10 epochs on 8 000 images). */
export const MNIST_CLASSES_RECIPE: Recipe = {
  id: "mnist-classes-mlp",
  title: "ReLU MLP 784→64→10 on 8 000 MNIST images",
  train: "mnist:train:8000",
  test: "mnist:test:2000",
  hidden: [64],
  epochs: 10,
  quickEpochs: 2,
  batchSize: 64,
  learningRate: 0.002,
  seed: 5,
};

export interface MnistClassesOptions {
  /** Start images (correctly classified, distinct digits while there are; default 5). */
  starts?: number;
  /** SiMEC steps per walk (default 2000). */
  steps?: number;
  /** Step length δ in pixel units (default 1e-2). */
  delta?: number;
  /** Relative null threshold of g's eigenvalues (default: the engine's, 1e-6). */
  nullTol?: number;
  /**
   * "slide" (default): pixels a step would push out of [0, 1] are held and the step re-projected onto ker g over
   * the others (SiMEC boxMode "slide"); "clamp": every step projected onto [0, 1] as the authors do, the walk
   * continues; "none": no box (the control of both).
   */
  box?: "slide" | "clamp" | "none";
  seed?: number;
}

export interface ClassWalk {
  /** Index of the start image in X. */
  index: number;
  label: number;
  /** Predicted class and its probability at x₀. */
  startClass: number;
  startProbability: number;
  /** Predicted class and the probability of the start class at the last vertex. */
  endClass: number;
  endProbability: number;
  /** The predicted class is the start class at every vertex. */
  classKept: boolean;
  /** max_k |p_c(x_k) − p_c(x₀)|, c the start class. */
  probabilityDrift: number;
  /** max_k ‖p(x_k) − p(x₀)‖∞ (the engine's drift). */
  drift: number;
  /** The control walk (random directions, same steps, clamped): max_k |p_c(x_k) − p_c(x₀)| and its end class. */
  controlProbabilityDrift: number;
  controlEndClass: number;
  energy: number;
  /** Arc length of the walk and ‖x_end − x₀‖₂. */
  length: number;
  displacement: number;
  vertices: number;
  stopReason: string;
  /** The walk's last point (d values, float64). */
  endPoint: Float64Array;
}

export interface MnistClassesResult {
  walks: ClassWalk[];
  /** Fraction of walks that kept the class at every vertex. */
  kept: number;
  maxProbabilityDrift: number;
  maxDrift: number;
  /** Largest control drift over the walks (compare with maxProbabilityDrift). */
  maxControlDrift: number;
  config: { starts: number; steps: number; delta: number; seed: number; box: "slide" | "clamp" | "none" };
}

const argmax = (a: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
  return b;
};

/**
 * `steps` steps of length δ from x0 along seeded random unit directions, each clamped to [0, 1] if `clamp`: the drift
 * max_k |p_c(x_k) − p_c(x0)| of class c and the predicted class at the end.
 */
async function controlWalk(engine: Engine, model: Model, x0: ArrayLike<number>, steps: number, delta: number, g: () => number, c: number, clamp: boolean) {
  const d = x0.length, C = model.outputSize;
  const pts = new Float64Array((steps + 1) * d); // (steps+1)×d, row-major, x0 first
  const project = (z: number) => (clamp ? Math.min(1, Math.max(0, z)) : z);
  for (let t = 0; t < d; t++) pts[t] = project(x0[t]);
  const v = new Float64Array(d);
  for (let k = 1; k <= steps; k++) {
    let nv = 0;
    for (let t = 0; t < d; t++) { v[t] = g(); nv += v[t] * v[t]; }
    const s = delta / Math.sqrt(nv);
    for (let t = 0; t < d; t++) pts[k * d + t] = project(pts[(k - 1) * d + t] + s * v[t]);
  }
  const probs = (await engine.forward(model, pts)).probs; // (steps+1)×C
  let drift = 0;
  for (let k = 1; k <= steps; k++) drift = Math.max(drift, Math.abs(probs[k * C + c] - probs[c]));
  return { drift, endClass: argmax(probs.subarray(steps * C, (steps + 1) * C)) };
}

/** Random walks in the equivalence classes (ker g of the probabilities) of `starts` test images, in [0, 1]^d. */
export async function mnistClassWalks(engine: Engine, model: Model, X: Float32Array, labels: ArrayLike<number>, opts: MnistClassesOptions = {}): Promise<MnistClassesResult> {
  if (model.head !== "softmax") throw new OptionError(`reproduction 5 walks in ker g of the probabilities: the model needs a softmax head, got ${model.head}`);
  const d = model.inputSize, C = model.outputSize, n = labels.length;
  if (X.length !== n * d) throw new ShapeError(`X has ${X.length} values, expected n×d = ${n}×${d}`);
  const starts = opts.starts ?? 5, steps = opts.steps ?? 2000, delta = opts.delta ?? 1e-2, seed = opts.seed ?? 1;
  const box = opts.box ?? "slide";
  if (box !== "slide" && box !== "clamp" && box !== "none") throw new OptionError(`box must be "slide", "clamp" or "none", got ${String(opts.box)}`);
  if (!Number.isInteger(starts) || starts < 1) throw new OptionError(`starts must be a positive integer, got ${opts.starts}`);

  // correctly classified images, in a seeded order, one per digit first
  const fw = await engine.forward(model, X);
  const rnd = mulberry32(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const correct = order.filter((i) => argmax(fw.probs.subarray(i * C, (i + 1) * C)) === labels[i]);
  const chosen: number[] = [];
  const digits = new Set<number>();
  for (const i of correct) {
    if (digits.has(labels[i])) continue;
    digits.add(labels[i]);
    chosen.push(i);
  }
  for (const i of correct) if (chosen.length < starts && !chosen.includes(i)) chosen.push(i);
  if (chosen.length < starts) throw new OptionError(`only ${chosen.length} correctly classified images, asked for starts = ${starts}`);

  const walks: ClassWalk[] = [];
  for (const [w, i] of chosen.slice(0, starts).entries()) {
    const x0 = X.subarray(i * d, (i + 1) * d);
    const res = await engine.equivalenceClass(model, x0, { delta, steps, ...(box === "none" ? {} : { box: [0, 1] as [number, number], boxMode: box }), nullTol: opts.nullTol, seed: seed * 1000 + w, bothDirections: false });
    const at = (k: number) => res.outputs.subarray(k * C, (k + 1) * C); // probabilities at vertex k
    const p0 = at(res.startIndex), c0 = argmax(p0);
    let kept = true, pd = 0;
    for (let k = 0; k < res.k; k++) {
      const p = at(k);
      if (argmax(p) !== c0) kept = false;
      pd = Math.max(pd, Math.abs(p[c0] - p0[c0]));
    }
    const last = res.k - 1, pe = at(last);
    let disp = 0;
    for (let t = 0; t < d; t++) disp += (res.points[last * d + t] - res.points[res.startIndex * d + t]) ** 2;
    const control = await controlWalk(engine, model, x0, res.k - 1, delta, gaussian(mulberry32(seed * 1000 + w + 500)), c0, box !== "none");
    walks.push({
      index: i, label: labels[i], startClass: c0, startProbability: p0[c0], endClass: argmax(pe), endProbability: pe[c0],
      classKept: kept, probabilityDrift: pd, drift: res.drift, controlProbabilityDrift: control.drift, controlEndClass: control.endClass,
      energy: res.energy, length: res.length, displacement: Math.sqrt(disp), vertices: res.k, stopReason: res.stopReason,
      endPoint: res.points.slice(last * d, (last + 1) * d),
    });
  }
  return {
    walks,
    kept: walks.filter((w) => w.classKept).length / walks.length,
    maxProbabilityDrift: Math.max(...walks.map((w) => w.probabilityDrift)),
    maxDrift: Math.max(...walks.map((w) => w.drift)),
    maxControlDrift: Math.max(...walks.map((w) => w.controlProbabilityDrift)),
    config: { starts, steps, delta, seed, box },
  };
}

/** The walks as a Markdown table. */
export function classWalksTable(r: MnistClassesResult): string {
  return [
    `| start (label) | class, p at x₀ | class, p_c at the end | class kept | max |Δp_c| | max ‖Δp‖∞ | control: max |Δp_c|, end class | energy | length | ‖x_end − x₀‖ | steps, stop |`,
    `|---|---|---|---|---|---|---|---|---|---|---|`,
    ...r.walks.map((w) =>
      `| #${w.index} (${w.label}) | ${w.startClass}, ${w.startProbability.toFixed(4)} | ${w.endClass}, ${w.endProbability.toFixed(4)} | ${w.classKept ? "yes" : "NO"} | ${w.probabilityDrift.toExponential(2)} | ${w.drift.toExponential(2)} | ${w.controlProbabilityDrift.toExponential(2)}, ${w.controlEndClass} | ${w.energy.toExponential(2)} | ${w.length.toFixed(2)} | ${w.displacement.toFixed(2)} | ${w.vertices - 1}, ${w.stopReason} |`),
  ].join("\n");
}
