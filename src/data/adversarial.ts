/**
 * Adversarial examples made with the engine's own exact gradients. The loss is the cross-entropy of the true
 * class, L(x) = −log p_y(x); its gradient is −(row y of the log-probability Jacobian), from
 * `engine.jacobian(model, X, { output: "logprobs" })`.
 *
 * - FGSM (Goodfellow et al. 2015): one step of size ε along sign ∇L (L∞) or ∇L/‖∇L‖₂ (L2).
 * - PGD (Madry et al. 2018): a seeded uniform start in the ε-ball (L∞: each pixel uniform in [−ε, ε]; L2: a
 *   uniformly random direction with radius ε·u, u uniform in [0, 1)), then `steps` steps of size `stepSize`
 *   (default 2.5·ε/steps) along the same step direction as FGSM, each followed by projection onto the ε-ball
 *   around the clean image and clipping to [0, 1]. Clipping after the ball projection never leaves the ball
 *   (the clean image is in [0, 1], so clipping only moves each pixel towards it).
 * Default ε: 0.1 for L∞ (pixel scale [0, 1]), 2.0 for L2 (in a 784-pixel image).
 */
import { OptionError, ShapeError } from "../errors.js";
import type { Engine } from "../api/engine.js";
import type { Model } from "../model/model.js";
import { gaussian, mulberry32 } from "../random.js";

export interface AdversarialOptions {
  method?: "fgsm" | "pgd";
  norm?: "linf" | "l2";
  /** Radius of the perturbation ball (default 0.1 for L∞, 2.0 for L2). */
  epsilon?: number;
  /** PGD iterations (default 10). */
  steps?: number;
  /** PGD step size (default 2.5·ε/steps). */
  stepSize?: number;
  /** Seed of the PGD random start (default 1). */
  seed?: number;
}

export interface AdversarialResult {
  /** n×d, the perturbed images, in [0, 1] and within ε of X in the chosen norm. */
  X: Float32Array;
  epsilon: number;
  method: "fgsm" | "pgd";
  norm: "linf" | "l2";
}

function options(opts: AdversarialOptions) {
  const method = opts.method ?? "pgd";
  const norm = opts.norm ?? "linf";
  if (method !== "fgsm" && method !== "pgd") throw new OptionError(`method must be "fgsm" or "pgd", got ${String(method)}`);
  if (norm !== "linf" && norm !== "l2") throw new OptionError(`norm must be "linf" or "l2", got ${String(norm)}`);
  const epsilon = opts.epsilon ?? (norm === "linf" ? 0.1 : 2.0);
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new OptionError(`epsilon must be a positive number, got ${String(epsilon)}`);
  const steps = method === "fgsm" ? 1 : opts.steps ?? 10;
  if (!Number.isInteger(steps) || steps < 1) throw new OptionError(`steps must be a positive integer, got ${String(steps)}`);
  const stepSize = method === "fgsm" ? epsilon : opts.stepSize ?? (2.5 * epsilon) / steps;
  if (!(stepSize > 0 && Number.isFinite(stepSize))) throw new OptionError(`stepSize must be a positive number, got ${String(stepSize)}`);
  return { method, norm, epsilon, steps, stepSize, seed: opts.seed ?? 1 } as const;
}

/** Project x (point i of the n×d batch) onto the ε-ball around x0 and clip to [0, 1], in place. */
function project(x: Float32Array, x0: Float32Array, off: number, d: number, norm: "linf" | "l2", eps: number): void {
  if (norm === "linf") {
    for (let t = off; t < off + d; t++) x[t] = Math.min(1, Math.max(0, Math.min(x0[t] + eps, Math.max(x0[t] - eps, x[t]))));
    return;
  }
  let s = 0;
  for (let t = off; t < off + d; t++) s += (x[t] - x0[t]) ** 2;
  const scale = s > eps * eps ? eps / Math.sqrt(s) : 1;
  for (let t = off; t < off + d; t++) x[t] = Math.min(1, Math.max(0, x0[t] + (x[t] - x0[t]) * scale));
}

/** Cross-entropy gradients ∇L = −∂ log p_y/∂x per point: n×d. */
export async function crossEntropyGradients(engine: Engine, model: Model, X: Float32Array, labels: ArrayLike<number>): Promise<Float32Array> {
  const d = model.inputSize, C = model.outputSize;
  const n = X.length / d;
  const J = (await engine.jacobian(model, X, { output: "logprobs" })).data; // n×C×d
  const g = new Float32Array(n * d); // n×d
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    const row = (i * C + y) * d;
    for (let t = 0; t < d; t++) g[i * d + t] = -J[row + t];
  }
  return g;
}

/** Perturb images X (n×d in [0, 1]) of true classes `labels` to increase the cross-entropy. */
export async function adversarialExamples(engine: Engine, model: Model, X: Float32Array, labels: ArrayLike<number>, opts: AdversarialOptions = {}): Promise<AdversarialResult> {
  const o = options(opts);
  const d = model.inputSize, C = model.outputSize;
  if (X.length % d !== 0) throw new ShapeError(`X has ${X.length} values, not a multiple of the model's input size ${d}`);
  const n = X.length / d;
  if (labels.length !== n) throw new ShapeError(`labels: expected ${n} (one per image), got ${labels.length}`);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= C) throw new OptionError(`labels[${i}] = ${y} is not a class index in 0..${C - 1}`);
  }
  const x = Float32Array.from(X); // n×d, the iterate
  if (o.method === "pgd") {
    const rand = mulberry32(o.seed);
    const normal = gaussian(rand);
    for (let i = 0; i < n; i++) {
      const off = i * d;
      if (o.norm === "linf") {
        for (let t = off; t < off + d; t++) x[t] += o.epsilon * (2 * rand() - 1);
      } else {
        const v = Float64Array.from({ length: d }, () => normal());
        const len = Math.hypot(...v) || 1;
        const radius = o.epsilon * rand();
        for (let t = 0; t < d; t++) x[off + t] += (radius * v[t]) / len;
      }
      project(x, X, off, d, o.norm, o.epsilon);
    }
  }
  for (let s = 0; s < o.steps; s++) {
    const g = await crossEntropyGradients(engine, model, x, labels); // n×d
    for (let i = 0; i < n; i++) {
      const off = i * d;
      if (o.norm === "linf") {
        for (let t = off; t < off + d; t++) x[t] += o.stepSize * Math.sign(g[t]);
      } else {
        let s2 = 0;
        for (let t = off; t < off + d; t++) s2 += g[t] * g[t];
        const inv = s2 > 0 ? o.stepSize / Math.sqrt(s2) : 0;
        for (let t = off; t < off + d; t++) x[t] += inv * g[t];
      }
      project(x, X, off, d, o.norm, o.epsilon);
    }
  }
  return { X: x, epsilon: o.epsilon, method: o.method, norm: o.norm };
}
