/**
 * Float64 reference of a model's forward pass (tests and benchmarks only): the independent check of the
 * Wasm engine, over the network graph (nodes in topological order). Semantics:
 * - dense: y = x·kernel + bias, kernel [in, out] row-major;
 * - conv2d: NHWC, kernel [kh, kw, inC/groups, outC], strides, dilations, groups, explicit pads
 *   [top, left, bottom, right] (Keras "same" is normalized to pads by the model: TensorFlow's rule);
 * - maxPool2d ignores padded cells; avgPool2d divides by the number of real cells, or with countIncludePad by
 *   the window's cells inside the padded input (ONNX); ceilMode windows take their valid part;
 * - globalAvgPool2d: mean over H, W; batchNorm: γ (x − μ)/√(σ² + ε) + β per channel; add: sum; concat: channels;
 * - flatten is the identity on NHWC memory;
 * - activations linear, relu, leakyRelu (alpha; 0.3 when absent, the Keras default), sigmoid, tanh,
 *   softplus (numerically stable: max(z, 0) + log1p(exp(−|z|))).
 * Written for clarity, not speed: plain loops, no shared code with the engine.
 */
import { ShapeError } from "../errors.js";
import { normalizeSpec } from "../model/graph.js";
import { DEFAULT_LEAKY_ALPHA, type ActivationName, type Layer, type LooseModelSpec, type ModelSpec } from "../model/types.js";

export interface ReferenceForward {
  /** Final layer output (logits for a softmax-head classifier), length m. */
  output: Float64Array;
  /** Output of every layer i (after its activation), NHWC flattened. */
  layerOutputs: Float64Array[];
  /** Layer i before its activation: dense/conv x·W + b; activation layer: its input; others: same as output. */
  preActivations: Float64Array[];
}

export { DEFAULT_LEAKY_ALPHA };

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

/** Grouped, dilated NHWC convolution with explicit pads; kernel kh×kw×(inC/groups)×outC. */
function conv2d(x: Float64Array, shape: readonly number[], out: readonly number[], l: Extract<Layer, { type: "conv2d" }>): Float64Array {
  const [h, w, c] = shape;
  const [oh, ow, f] = out;
  const [kh, kw] = l.kernelSize;
  const [sh, sw] = l.strides;
  const [dh, dw] = l.dilations;
  const cg = c / l.groups; // input channels per group
  const fg = f / l.groups; // filters per group
  const y = new Float64Array(oh * ow * f); // oh×ow×f, NHWC
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let k = 0; k < f; k++) {
        const g = Math.floor(k / fg);
        let acc = l.bias[k];
        for (let dy = 0; dy < kh; dy++) {
          const iy = oy * sh + dy * dh - l.pads[0];
          if (iy < 0 || iy >= h) continue;
          for (let dx = 0; dx < kw; dx++) {
            const ix = ox * sw + dx * dw - l.pads[1];
            if (ix < 0 || ix >= w) continue;
            for (let ci = 0; ci < cg; ci++) acc += x[(iy * w + ix) * c + g * cg + ci] * l.kernel[((dy * kw + dx) * cg + ci) * f + k];
          }
        }
        y[(oy * ow + ox) * f + k] = acc;
      }
    }
  }
  return y;
}

/** Max/average pooling with explicit pads (padded cells never win a max; counted in the mean only with countIncludePad). */
function pool2d(x: Float64Array, shape: readonly number[], out: readonly number[], l: Extract<Layer, { type: "maxPool2d" | "avgPool2d" }>): Float64Array {
  const [h, w, c] = shape;
  const [oh, ow] = out;
  const [ph, pw] = l.poolSize;
  const [sh, sw] = l.strides;
  const isMax = l.type === "maxPool2d";
  const y = new Float64Array(oh * ow * c); // oh×ow×c, NHWC
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let ci = 0; ci < c; ci++) {
        let acc = isMax ? -Infinity : 0;
        let count = 0;
        let padded = 0; // window cells inside the padded input (for countIncludePad)
        for (let dy = 0; dy < ph; dy++) {
          const iy = oy * sh + dy - l.pads[0];
          for (let dx = 0; dx < pw; dx++) {
            const ix = ox * sw + dx - l.pads[1];
            if (iy >= -l.pads[0] && iy < h + l.pads[2] && ix >= -l.pads[1] && ix < w + l.pads[3]) padded++;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const v = x[(iy * w + ix) * c + ci];
            if (isMax) acc = v > acc ? v : acc;
            else acc += v;
            count++;
          }
        }
        y[(oy * ow + ox) * c + ci] = isMax ? acc : acc / (l.countIncludePad ? padded : count);
      }
    }
  }
  return y;
}

function globalAvgPool(x: Float64Array, shape: readonly number[]): Float64Array {
  const [h, w, c] = shape;
  const y = new Float64Array(c);
  for (let p = 0; p < h * w; p++) for (let ci = 0; ci < c; ci++) y[ci] += x[p * c + ci];
  for (let ci = 0; ci < c; ci++) y[ci] /= h * w;
  return y;
}

function batchNorm(x: Float64Array, l: Extract<Layer, { type: "batchNorm" }>): Float64Array {
  const c = l.gamma.length;
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const ch = i % c;
    y[i] = (l.gamma[ch] * (x[i] - l.mean[ch])) / Math.sqrt(l.variance[ch] + l.epsilon) + l.beta[ch];
  }
  return y;
}

/** Channel concatenation of NHWC tensors with equal leading axes. */
function concat(xs: Float64Array[], shapes: (readonly number[])[]): Float64Array {
  const cs = shapes.map((s) => s[s.length - 1]);
  const total = cs.reduce((a, b) => a + b, 0);
  const pixels = xs[0].length / cs[0];
  const y = new Float64Array(pixels * total);
  for (let p = 0; p < pixels; p++) {
    let at = p * total;
    xs.forEach((x, k) => {
      for (let ci = 0; ci < cs[k]; ci++) y[at + ci] = x[p * cs[k] + ci];
      at += cs[k];
    });
  }
  return y;
}

/**
 * Forward pass of one point in float64 through the network graph (nodes in topological order).
 * @example
 * referenceForward({ inputShape: [1], head: "none", layers: [
 *   { type: "dense", units: 1, kernel: Float64Array.of(2), bias: Float64Array.of(-1), activation: "relu" }] }, [3]).output
 * // Float64Array [5]
 */
export function referenceForward(loose: ModelSpec | LooseModelSpec, x: ArrayLike<number>): ReferenceForward {
  const { spec, shapes } = normalizeSpec(loose);
  const d = spec.inputShape.reduce((a, b) => a * b, 1);
  if (x.length !== d) throw new ShapeError(`referenceForward: input has ${x.length} values, expected d = ${d} (shape [${spec.inputShape}])`);
  const input = Float64Array.from(x);
  const layerOutputs: Float64Array[] = [];
  const preActivations: Float64Array[] = [];
  spec.layers.forEach((layer, i) => {
    const ins = layer.inputs.map((j) => (j < 0 ? input : layerOutputs[j]));
    const inShapes = layer.inputs.map((j) => (j < 0 ? spec.inputShape : shapes[j]));
    const cur = ins[0];
    let pre: Float64Array;
    switch (layer.type) {
      case "dense":
        pre = dense(cur, layer.kernel, layer.bias, layer.units);
        break;
      case "conv2d":
        pre = conv2d(cur, inShapes[0], shapes[i], layer);
        break;
      case "maxPool2d":
      case "avgPool2d":
        pre = pool2d(cur, inShapes[0], shapes[i], layer);
        break;
      case "globalAvgPool2d":
        pre = globalAvgPool(cur, inShapes[0]);
        break;
      case "batchNorm":
        pre = batchNorm(cur, layer);
        break;
      case "add":
        pre = new Float64Array(cur.length);
        for (const v of ins) for (let k = 0; k < v.length; k++) pre[k] += v[k];
        break;
      case "concat":
        pre = concat(ins, inShapes);
        break;
      case "activation":
      case "flatten":
        pre = cur;
        break;
    }
    const act = "activation" in layer ? layer.activation : "linear";
    preActivations.push(pre);
    layerOutputs.push(act === "linear" ? pre : applyActivation(pre, act, "alpha" in layer ? layer.alpha : undefined));
  });
  return { output: layerOutputs[layerOutputs.length - 1], layerOutputs, preActivations };
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
