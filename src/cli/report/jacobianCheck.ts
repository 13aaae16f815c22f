/**
 * Spot check of the engine's exact Jacobians against central finite differences of the float64 reference
 * forward pass (src/reference/forward.ts, an implementation independent of the engine). A difference step
 * that crosses a ReLU kink or changes a max-pool window's choice (ties are common: equal conv outputs over a
 * blank image area) measures a different linear piece, so points where any ±h step changes the sign of a ReLU
 * pre-activation or a max-pool argmax are counted and left out.
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

/**
 * The linear piece of a point: signs of the ReLU-family pre-activations (one entry per unit, node order),
 * then every max-pool window's choice (the first maximum in scan order, as the engine picks it).
 */
function linearPiece(model: Model, x: Float64Array, ref: ReturnType<typeof referenceForward>): Int32Array {
  const parts: number[] = [];
  model.layers.forEach((l, i) => {
    if ("activation" in l && (l.activation === "relu" || l.activation === "leakyRelu")) for (const v of ref.preActivations[i]) parts.push(v > 0 ? 1 : 0);
    if (l.type !== "maxPool2d") return;
    const j = l.inputs[0];
    const v = j < 0 ? x : ref.layerOutputs[j];
    const [h, w, c] = j < 0 ? model.inputShape : model.shapes[j];
    const [oh, ow] = model.shapes[i];
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity, at = -1;
          for (let dy = 0; dy < l.poolSize[0]; dy++)
            for (let dx = 0; dx < l.poolSize[1]; dx++) {
              const iy = oy * l.strides[0] + dy - l.pads[0], ix = ox * l.strides[1] + dx - l.pads[1];
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const k = (iy * w + ix) * c + ch;
              if (at < 0 || v[k] > best) (best = v[k]), (at = k);
            }
          parts.push(at);
        }
  });
  return Int32Array.from(parts);
}

const same = (a: Int32Array, b: Int32Array) => a.every((v, i) => v === b[i]);

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
    const base = linearPiece(model, x, referenceForward(model, x));
    const fd = new Float64Array(m * d); // m×d
    let kink = false;
    for (let t = 0; t < d && !kink; t++) {
      const xt = x[t];
      x[t] = xt + h;
      const plus = referenceForward(model, x);
      const plusPiece = linearPiece(model, x, plus);
      x[t] = xt - h;
      const minus = referenceForward(model, x);
      const minusPiece = linearPiece(model, x, minus);
      x[t] = xt;
      if (!same(base, plusPiece) || !same(base, minusPiece)) kink = true;
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
