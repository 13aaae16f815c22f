/**
 * The linear-probe transfer check: freeze every layer but the last, and retrain only the last (a softmax
 * regression on the penultimate layer's activations) on a target dataset. Trained from zero weights by
 * full-batch gradient descent with Adam on the mean cross-entropy + ½·l2·‖W‖² (a convex problem, so the
 * result hardly depends on the optimiser), float64, deterministic.
 * Also Spearman's rank correlation for comparing probe accuracy with spectral distance.
 */
import { ShapeError } from "../errors.js";

export interface ProbeOptions {
  /** Gradient steps (default 300). */
  steps?: number;
  learningRate?: number;
  /** L2 penalty on the weights (default 1e-4). */
  l2?: number;
}

export interface LinearProbe {
  /** f×C row-major weights and C biases. */
  weights: Float64Array;
  bias: Float64Array;
  f: number;
  C: number;
}

/** Fit softmax regression on features F (n×f row-major) with labels 0..C−1. */
export function trainLinearProbe(F: ArrayLike<number>, labels: ArrayLike<number>, C: number, opts: ProbeOptions = {}): LinearProbe {
  const n = labels.length;
  if (n === 0 || F.length % n !== 0) throw new ShapeError(`features: ${F.length} values are not n×f for n = ${n} labels`);
  const f = F.length / n;
  const steps = opts.steps ?? 300, lr = opts.learningRate ?? 0.05, l2 = opts.l2 ?? 1e-4;
  const P = f * C + C; // parameters: W (f×C) then b (C)
  const theta = new Float64Array(P), m = new Float64Array(P), v = new Float64Array(P), g = new Float64Array(P);
  const z = new Float64Array(C);
  for (let s = 1; s <= steps; s++) {
    g.fill(0);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < C; c++) {
        let t = theta[f * C + c];
        for (let k = 0; k < f; k++) t += F[i * f + k] * theta[k * C + c];
        z[c] = t;
        max = Math.max(max, t);
      }
      let sum = 0;
      for (let c = 0; c < C; c++) sum += (z[c] = Math.exp(z[c] - max));
      for (let c = 0; c < C; c++) {
        const d = (z[c] / sum - (labels[i] === c ? 1 : 0)) / n; // ∂(mean CE)/∂logit
        g[f * C + c] += d;
        if (d !== 0) for (let k = 0; k < f; k++) g[k * C + c] += d * F[i * f + k];
      }
    }
    for (let q = 0; q < f * C; q++) g[q] += l2 * theta[q];
    for (let q = 0; q < P; q++) {
      m[q] = 0.9 * m[q] + 0.1 * g[q];
      v[q] = 0.999 * v[q] + 0.001 * g[q] * g[q];
      theta[q] -= (lr * m[q]) / (1 - 0.9 ** s) / (Math.sqrt(v[q] / (1 - 0.999 ** s)) + 1e-8);
    }
  }
  return { weights: theta.slice(0, f * C), bias: theta.slice(f * C), f, C };
}

/** Fraction of points whose arg-max class under the probe equals the label. */
export function probeAccuracy(probe: LinearProbe, F: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { f, C, weights, bias } = probe;
  const n = labels.length;
  if (F.length !== n * f) throw new ShapeError(`features: expected n×f = ${n}×${f}, got ${F.length} values`);
  let right = 0;
  for (let i = 0; i < n; i++) {
    let best = 0, bestV = -Infinity;
    for (let c = 0; c < C; c++) {
      let t = bias[c];
      for (let k = 0; k < f; k++) t += F[i * f + k] * weights[k * C + c];
      if (t > bestV) [best, bestV] = [c, t];
    }
    if (best === labels[i]) right++;
  }
  return right / n;
}

/** Ranks 1..n, ties sharing their mean rank. */
export function ranks(x: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Float64Array(x.length);
  for (let s = 0; s < idx.length; ) {
    let e = s;
    while (e + 1 < idx.length && x[idx[e + 1]] === x[idx[s]]) e++;
    for (let t = s; t <= e; t++) r[idx[t]] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return r;
}

/** Spearman's ρ: the Pearson correlation of the ranks (NaN when either has no spread). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new ShapeError(`spearman: ${x.length} and ${y.length} values`);
  const rx = ranks(x), ry = ranks(y);
  const n = x.length, mean = (n + 1) / 2;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) ** 2;
    syy += (ry[i] - mean) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
