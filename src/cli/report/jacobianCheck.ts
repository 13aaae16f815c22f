/**
 * Spot check of the engine's exact Jacobians against central finite differences of the float64 reference
 * forward pass (src/reference/forward.ts, an implementation independent of the engine). A difference step
 * that crosses a ReLU kink measures a different linear piece, so points where any ±h step changes the sign
 * of a ReLU pre-activation are counted and left out.
 */
import type { Model } from "../../model/model.js";
import { referenceForward } from "../../reference/forward.js";

export interface JacobianCheck {
  checked: number;
  /** Points left out because a ±h step crossed a kink. */
  straddling: number;
  /** ‖J_engine − J_fd‖_F / ‖J_fd‖_F per checked point. */
  relErrors: number[];
  fdMs: number;
}

/** Sign pattern of the ReLU-family pre-activations (one entry per unit, layer order). */
function reluSigns(model: Model, pre: Float64Array[]): Uint8Array {
  const parts: number[] = [];
  model.layers.forEach((l, i) => {
    if ("activation" in l && (l.activation === "relu" || l.activation === "leakyRelu")) for (const v of pre[i]) parts.push(v > 0 ? 1 : 0);
  });
  return Uint8Array.from(parts);
}

const same = (a: Uint8Array, b: Uint8Array) => a.every((v, i) => v === b[i]);

/**
 * `X` n×d (the points), `J` n×m×d (the engine's logit Jacobians, row-major). Central differences with step h
 * in float64.
 */
export function checkJacobians(model: Model, X: Float32Array, J: Float32Array, n: number, h = 1e-5): JacobianCheck {
  const d = model.inputSize, m = model.outputSize;
  const t0 = performance.now();
  const relErrors: number[] = [];
  let straddling = 0;
  const x = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) x[t] = X[i * d + t];
    const base = reluSigns(model, referenceForward(model, x).preActivations);
    const fd = new Float64Array(m * d); // m×d
    let kink = false;
    for (let t = 0; t < d && !kink; t++) {
      const xt = x[t];
      x[t] = xt + h;
      const plus = referenceForward(model, x);
      x[t] = xt - h;
      const minus = referenceForward(model, x);
      x[t] = xt;
      if (!same(base, reluSigns(model, plus.preActivations)) || !same(base, reluSigns(model, minus.preActivations))) kink = true;
      for (let r = 0; r < m; r++) fd[r * d + t] = (plus.output[r] - minus.output[r]) / (2 * h);
    }
    if (kink) {
      straddling++;
      continue;
    }
    let num = 0, den = 0;
    for (let k = 0; k < m * d; k++) {
      const e = J[i * m * d + k] - fd[k];
      num += e * e;
      den += fd[k] * fd[k];
    }
    relErrors.push(Math.sqrt(num / Math.max(den, 1e-300)));
  }
  return { checked: relErrors.length, straddling, relErrors, fdMs: performance.now() - t0 };
}

export function median(v: readonly number[]): number {
  if (v.length === 0) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}
