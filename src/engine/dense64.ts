/**
 * Float64 dense networks for path analyses (SiMEC/SiMExp): the model's Float64Array weights uploaded as
 * f64, with the layer table of assembly/dense64.ts. Accepts chains of dense layers, standalone activation
 * layers (folded into the preceding dense layer, or applied through an identity layer) and flatten (a no-op);
 * convolutions and pooling throw UnsupportedLayerError.
 */
import { UnsupportedLayerError } from "../errors.js";
import type { ModelSpec } from "../model/types.js";
import type { Arena } from "./arena.js";
import { ACT_CODE } from "../model/opcodes.js";

/** i32 fields per layer of the network table (assembly/dense64.ts NET_FIELDS). */
export const NET_FIELDS = 6;

/** One dense layer in float64: y = act(x·kernel + bias). */
export interface DenseLayer64 {
  nIn: number;
  nOut: number;
  act: number;
  alpha: number;
  kernel: Float64Array; // nIn×nOut, row-major
  bias: Float64Array; // nOut
}

/** The network as f64 dense layers, with the sizes the kernels' scratch depends on. */
export interface DenseNet64 {
  layers: DenseLayer64[];
  d: number;
  m: number;
  softmax: boolean;
  /** Widest layer input or output. */
  maxWidth: number;
  /** Σ layer outputs. */
  sumOut: number;
}

/** The model as a chain of f64 dense layers (no copies of the weights). */
export function denseNet64(spec: ModelSpec): DenseNet64 {
  const layers: DenseLayer64[] = [];
  let width = spec.inputShape.reduce((a, b) => a * b, 1);
  const d = width;
  spec.layers.forEach((layer, i) => {
    switch (layer.type) {
      case "dense":
        layers.push({ nIn: width, nOut: layer.units, act: ACT_CODE[layer.activation], alpha: layer.alpha ?? 0.3, kernel: layer.kernel, bias: layer.bias });
        width = layer.units;
        break;
      case "flatten":
        break;
      case "activation": {
        const last = layers[layers.length - 1];
        if (last && last.act === 0) {
          last.act = ACT_CODE[layer.activation];
          last.alpha = layer.alpha ?? 0.3;
        } else {
          const eye = new Float64Array(width * width);
          for (let k = 0; k < width; k++) eye[k * width + k] = 1;
          layers.push({ nIn: width, nOut: width, act: ACT_CODE[layer.activation], alpha: layer.alpha ?? 0.3, kernel: eye, bias: new Float64Array(width) });
        }
        break;
      }
      default:
        throw new UnsupportedLayerError(`float64 path analyses take dense networks; layer ${i} is ${layer.type}`);
    }
  });
  if (layers.length === 0) throw new UnsupportedLayerError("float64 path analyses need at least one dense layer");
  let maxWidth = d, sumOut = 0;
  for (const l of layers) {
    maxWidth = Math.max(maxWidth, l.nIn, l.nOut);
    sumOut += l.nOut;
  }
  return { layers, d, m: width, softmax: spec.head === "softmax", maxWidth, sumOut };
}

/** Upload the network to the arena: returns the byte offsets of the i32 layer table and the f64 alphas. */
export function uploadDenseNet64(arena: Arena, net: DenseNet64): { table: number; alphas: number } {
  const rows: number[] = [];
  for (const l of net.layers) {
    const kernel = arena.putF64(l.kernel);
    const kernelT = arena.allocF64(l.nIn * l.nOut);
    const kt = arena.f64(kernelT, l.nIn * l.nOut); // nOut×nIn, row-major
    for (let a = 0; a < l.nIn; a++) for (let b = 0; b < l.nOut; b++) kt[b * l.nIn + a] = l.kernel[a * l.nOut + b];
    const bias = arena.putF64(l.bias);
    rows.push(l.nIn, l.nOut, l.act, kernel, kernelT, bias);
  }
  const table = arena.putI32(rows); // layers×NET_FIELDS
  const alphas = arena.putF64(net.layers.map((l) => l.alpha));
  return { table, alphas };
}

/** The network's output at x in float64 on the host (probabilities for a softmax head): for setting up paths. */
export function denseOutput64(net: DenseNet64, x: ArrayLike<number>): Float64Array {
  let a = Float64Array.from(x);
  for (const l of net.layers) {
    const z = Float64Array.from(l.bias);
    for (let i = 0; i < l.nIn; i++) {
      const xi = a[i];
      if (xi !== 0) for (let j = 0; j < l.nOut; j++) z[j] += xi * l.kernel[i * l.nOut + j];
    }
    for (let j = 0; j < l.nOut; j++) z[j] = activate64(l.act, l.alpha, z[j]);
    a = z;
  }
  if (!net.softmax) return a;
  const mx = Math.max(...a);
  let sum = 0;
  const p = a.map((v) => {
    const e = Math.exp(v - mx);
    sum += e;
    return e;
  });
  return p.map((v) => v / sum);
}

const sigmoid64 = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

/** The activation of code `act` (model/opcodes.ts ACT_CODE) at v, in float64. */
export function activate64(act: number, alpha: number, v: number): number {
  switch (act) {
    case 0: return v;
    case 1: return v > 0 ? v : 0;
    case 2: return v > 0 ? v : alpha * v;
    case 3: return sigmoid64(v);
    case 4: return Math.tanh(v);
    default: return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
  }
}
