/**
 * Float64 reference of the Jacobian of a dense network (tests and benchmarks only): the product of the
 * masked weight matrices J = W_Lᵀ D_{L−1} … D_1 W_1ᵀ built from the output side in plain loops, skipping
 * units whose activation derivative is zero — the same product the Wasm engine forms, written the way a
 * TypeScript user would. Dense and activation layers only.
 */
import { UnsupportedLayerError } from "../errors.js";
import type { ModelSpec } from "../model/types.js";
import { referenceForward } from "./forward.js";

function derivative(z: number, act: string, alpha: number): number {
  switch (act) {
    case "relu":
      return z > 0 ? 1 : 0;
    case "leakyRelu":
      return z > 0 ? 1 : alpha;
    case "sigmoid": {
      const s = 1 / (1 + Math.exp(-z));
      return s * (1 - s);
    }
    case "tanh":
      return 1 - Math.tanh(z) ** 2;
    case "softplus":
      return 1 / (1 + Math.exp(-z));
    default:
      return 1;
  }
}

/** J (m×d, row-major float64) of the last layer's output at x. */
export function referenceDenseJacobian(spec: ModelSpec, x: ArrayLike<number>): Float64Array {
  const f = referenceForward(spec, x);
  const L = spec.layers.length;
  let width = spec.layers.reduce((w, l) => (l.type === "dense" ? l.units : w), 0);
  let G: Float64Array | null = null; // m×width, null = identity
  const m = width;
  for (let l = L - 1; l >= 0; l--) {
    const layer = spec.layers[l];
    const act = "activation" in layer ? layer.activation : "linear";
    const alpha = "alpha" in layer && layer.alpha !== undefined ? layer.alpha : 0.3;
    const z = f.preActivations[l];
    const s = Float64Array.from(z, (v) => derivative(v, act, alpha));
    if (layer.type === "activation") {
      if (!G) G = identity(m);
      for (let r = 0; r < m; r++) for (let j = 0; j < width; j++) G[r * width + j] *= s[j];
      continue;
    }
    if (layer.type !== "dense") throw new UnsupportedLayerError(`referenceDenseJacobian: layer ${l} is ${layer.type}; dense networks only`);
    const nIn = l === 0 ? x.length : spec.layers.slice(0, l).reduce((w, q) => (q.type === "dense" ? q.units : w), x.length);
    const next = new Float64Array(m * nIn);
    const active: number[] = []; // units with a nonzero derivative; the others contribute nothing
    for (let j = 0; j < width; j++) if (s[j] !== 0) active.push(j);
    const gs = new Float64Array(m * width); // G·diag(s), m×width
    for (let r = 0; r < m; r++) for (const j of active) gs[r * width + j] = (G ? G[r * width + j] : r === j ? 1 : 0) * s[j];
    for (let r = 0; r < m; r++)
      for (let t = 0; t < nIn; t++) {
        let acc = 0;
        const row = t * width; // kernel is in×out: row t holds the weights from input t
        for (const j of active) acc += gs[r * width + j] * layer.kernel[row + j];
        next[r * nIn + t] = acc;
      }
    G = next;
    width = nIn;
  }
  return G!;
}

function identity(m: number): Float64Array {
  const I = new Float64Array(m * m);
  for (let i = 0; i < m; i++) I[i * m + i] = 1;
  return I;
}
