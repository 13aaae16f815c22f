/**
 * Float64 reference of a model's forward pass (tests and benchmarks only): the independent check of the
 * Wasm engine. Semantics are those of tfjs/Keras:
 * - dense: y = x·kernel + bias, kernel [in, out] row-major;
 * - conv2d: NHWC, kernel [kh, kw, inC, outC], strides, padding "valid" | "same" (tfjs "same":
 *   out = ceil(in / stride), total pad = max((out − 1)·s + k − in, 0), pad before = floor(total / 2));
 * - maxPool2d ignores padded cells; avgPool2d divides by the number of real (unpadded) cells;
 * - flatten is the identity on NHWC memory;
 * - activations linear, relu, leakyRelu (alpha; 0.3 when absent, the Keras default), sigmoid, tanh,
 *   softplus (numerically stable: max(z, 0) + log1p(exp(−|z|))).
 * Written for clarity, not speed: plain loops, no shared code with the engine.
 */
import { ShapeError } from "../errors.js";
import { windowAxis } from "../model/shapes.js";
import type { ActivationName, Layer, ModelSpec } from "../model/types.js";

export interface ReferenceForward {
  /** Final layer output (logits for a softmax-head classifier), length m. */
  output: Float64Array;
  /** Output of every layer i (after its activation), NHWC flattened. */
  layerOutputs: Float64Array[];
  /** Layer i before its activation: dense/conv x·W + b; activation layer: its input; others: same as output. */
  preActivations: Float64Array[];
}

/** Keras' default LeakyReLU slope, used when a layer gives no `alpha`. */
export const DEFAULT_LEAKY_ALPHA = 0.3;

function activate(z: number, act: ActivationName, alpha: number): number {
  switch (act) {
    case "linear":
      return z;
    case "relu":
      return z > 0 ? z : 0;
    case "leakyRelu":
      return z > 0 ? z : alpha * z;
    case "sigmoid":
      return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    case "tanh":
      return Math.tanh(z);
    case "softplus":
      return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  }
}

function applyActivation(z: Float64Array, act: ActivationName, alpha: number | undefined): Float64Array {
  const a = alpha ?? DEFAULT_LEAKY_ALPHA;
  const y = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) y[i] = activate(z[i], act, a);
  return y;
}

function dense(x: Float64Array, kernel: Float64Array, bias: Float64Array, units: number): Float64Array {
  const n = x.length;
  const y = Float64Array.from(bias); // out
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const row = i * units; // kernel is in×out, row-major
    for (let j = 0; j < units; j++) y[j] += xi * kernel[row + j];
  }
  return y;
}

function conv2d(x: Float64Array, shape: readonly number[], l: Extract<Layer, { type: "conv2d" }>): Float64Array {
  const [h, w, c] = shape;
  const [kh, kw] = l.kernelSize;
  const [sh, sw] = l.strides;
  const f = l.filters;
  const ax = windowAxis(h, kh, sh, l.padding);
  const aw = windowAxis(w, kw, sw, l.padding);
  const y = new Float64Array(ax.out * aw.out * f); // oh×ow×f, NHWC
  for (let oy = 0; oy < ax.out; oy++) {
    for (let ox = 0; ox < aw.out; ox++) {
      const o = (oy * aw.out + ox) * f;
      for (let k = 0; k < f; k++) y[o + k] = l.bias[k];
      for (let dy = 0; dy < kh; dy++) {
        const iy = oy * sh + dy - ax.padBefore;
        if (iy < 0 || iy >= h) continue;
        for (let dx = 0; dx < kw; dx++) {
          const ix = ox * sw + dx - aw.padBefore;
          if (ix < 0 || ix >= w) continue;
          for (let ci = 0; ci < c; ci++) {
            const xv = x[(iy * w + ix) * c + ci];
            const kBase = ((dy * kw + dx) * c + ci) * f; // kernel kh×kw×inC×outC
            for (let k = 0; k < f; k++) y[o + k] += xv * l.kernel[kBase + k];
          }
        }
      }
    }
  }
  return y;
}

function pool2d(x: Float64Array, shape: readonly number[], l: Extract<Layer, { type: "maxPool2d" | "avgPool2d" }>): Float64Array {
  const [h, w, c] = shape;
  const [ph, pw] = l.poolSize;
  const [sh, sw] = l.strides;
  const ax = windowAxis(h, ph, sh, l.padding);
  const aw = windowAxis(w, pw, sw, l.padding);
  const isMax = l.type === "maxPool2d";
  const y = new Float64Array(ax.out * aw.out * c); // oh×ow×c, NHWC
  for (let oy = 0; oy < ax.out; oy++) {
    for (let ox = 0; ox < aw.out; ox++) {
      for (let ci = 0; ci < c; ci++) {
        let acc = isMax ? -Infinity : 0;
        let count = 0;
        for (let dy = 0; dy < ph; dy++) {
          const iy = oy * sh + dy - ax.padBefore;
          if (iy < 0 || iy >= h) continue;
          for (let dx = 0; dx < pw; dx++) {
            const ix = ox * sw + dx - aw.padBefore;
            if (ix < 0 || ix >= w) continue;
            const v = x[(iy * w + ix) * c + ci];
            if (isMax) acc = v > acc ? v : acc;
            else acc += v;
            count++;
          }
        }
        y[(oy * aw.out + ox) * c + ci] = isMax ? acc : acc / count;
      }
    }
  }
  return y;
}

function outputShape(layer: Layer, input: readonly number[], y: Float64Array): number[] {
  switch (layer.type) {
    case "dense":
      return [layer.units];
    case "flatten":
      return [y.length];
    case "activation":
      return [...input];
    case "conv2d":
      return [
        windowAxis(input[0], layer.kernelSize[0], layer.strides[0], layer.padding).out,
        windowAxis(input[1], layer.kernelSize[1], layer.strides[1], layer.padding).out,
        layer.filters,
      ];
    default:
      return [
        windowAxis(input[0], layer.poolSize[0], layer.strides[0], layer.padding).out,
        windowAxis(input[1], layer.poolSize[1], layer.strides[1], layer.padding).out,
        input[2],
      ];
  }
}

/**
 * Forward pass of one point in float64.
 * @example
 * referenceForward({ inputShape: [1], head: "none", layers: [
 *   { type: "dense", units: 1, kernel: Float64Array.of(2), bias: Float64Array.of(-1), activation: "relu" }] }, [3]).output
 * // Float64Array [5]
 */
export function referenceForward(spec: ModelSpec, x: ArrayLike<number>): ReferenceForward {
  const d = spec.inputShape.reduce((a, b) => a * b, 1);
  if (x.length !== d) throw new ShapeError(`referenceForward: input has ${x.length} values, expected d = ${d} (shape [${spec.inputShape}])`);
  let cur: Float64Array = Float64Array.from(x);
  let shape: number[] = [...spec.inputShape];
  const layerOutputs: Float64Array[] = [];
  const preActivations: Float64Array[] = [];
  for (const layer of spec.layers) {
    let pre: Float64Array;
    let out: Float64Array;
    switch (layer.type) {
      case "dense":
        if (cur.length * layer.units !== layer.kernel.length)
          throw new ShapeError(`referenceForward: dense kernel has ${layer.kernel.length} values, expected ${cur.length}×${layer.units}`);
        pre = dense(cur, layer.kernel, layer.bias, layer.units);
        out = applyActivation(pre, layer.activation, layer.alpha);
        break;
      case "conv2d":
        pre = conv2d(cur, shape, layer);
        out = applyActivation(pre, layer.activation, layer.alpha);
        break;
      case "activation":
        pre = cur;
        out = applyActivation(cur, layer.activation, layer.alpha);
        break;
      case "flatten":
        pre = out = cur;
        break;
      default:
        pre = out = pool2d(cur, shape, layer);
    }
    shape = outputShape(layer, shape, out);
    preActivations.push(pre);
    layerOutputs.push(out);
    cur = out;
  }
  return { output: cur, layerOutputs, preActivations };
}

/** Numerically stable softmax (shifted by the maximum), in float64. */
export function softmax(z: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < z.length; i++) max = Math.max(max, z[i]);
  const p = new Float64Array(z.length);
  let sum = 0;
  for (let i = 0; i < z.length; i++) sum += p[i] = Math.exp(z[i] - max);
  for (let i = 0; i < z.length; i++) p[i] /= sum;
  return p;
}

/**
 * m×d row-major central finite differences of f at x in float64: J[i, j] = (f(x + h e_j)_i − f(x − h e_j)_i) / 2h.
 * `h` defaults to 1e-6 (suits O(1) inputs and float64 evaluation).
 */
export function finiteDifferenceJacobian(f: (x: Float64Array) => ArrayLike<number>, x: ArrayLike<number>, h = 1e-6): Float64Array {
  const d = x.length;
  const xp = Float64Array.from(x);
  const m = f(Float64Array.from(x)).length;
  const jac = new Float64Array(m * d); // m×d, row-major
  for (let j = 0; j < d; j++) {
    const xj = xp[j];
    xp[j] = xj + h;
    const fp = f(Float64Array.from(xp));
    xp[j] = xj - h;
    const fm = f(Float64Array.from(xp));
    xp[j] = xj;
    if (fp.length !== m || fm.length !== m) throw new ShapeError(`finiteDifferenceJacobian: f returned ${fp.length}/${fm.length} values, expected ${m}`);
    for (let i = 0; i < m; i++) jac[i * d + j] = (fp[i] - fm[i]) / (2 * h);
  }
  return jac;
}
