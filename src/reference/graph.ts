/**
 * Float64 TypeScript twin of the compiled-network kernels (tests and benchmarks only): forward with pattern
 * capture, JVP and VJP under a frozen pattern, and the crossing solve along a direction, over the layer table
 * of src/model/compile.ts. Written independently of assembly/graph/: plain loops, one vector at a time.
 * Semantics as src/reference/forward.ts (NHWC, explicit pads, dilations, groups, ceil-mode windows taking
 * their valid part, max-pool ties to the first cell in window scan order).
 */
import { ShapeError } from "../errors.js";
import { nodeField, nodeInputs, valueBlock, type CompiledNetwork } from "../model/compile.js";
import * as O from "../model/opcodes.js";

/** One point's forward state: every node's output (values), pre-activations and max-pool argmax. */
export interface GraphState {
  values: Float64Array; // valueSize: the input, then every compiled node's output
  pre: Float64Array; // preSize
  argmax: Int32Array; // argSize
}

interface Node {
  k: number;
  op: number;
  act: number;
  alpha: number;
  inputs: number[];
  inSize: number;
  outSize: number;
  h: number; w: number; c: number; oh: number; ow: number; oc: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  padT: number; padL: number; padB: number; padR: number; groups: number;
  ceil: boolean; countPad: boolean;
  value: number; pre: number; arg: number; pattern: number;
  weight: Float64Array; bias: Float64Array;
}

function decode(net: CompiledNetwork, k: number): Node {
  const f = (x: number) => nodeField(net, k, x);
  const slice = (at: number, len: number) => (at < 0 ? new Float64Array(0) : net.params.subarray(at, at + len));
  const op = f(O.F_OP);
  const outSize = f(O.F_OUT_SIZE), inSize = f(O.F_IN_SIZE);
  const c = f(O.F_C), oc = f(O.F_OC);
  const weightLen = op === O.OP_DENSE ? inSize * outSize : op === O.OP_CONV ? f(O.F_KH) * f(O.F_KW) * (c / f(O.F_GROUPS)) * oc : oc;
  return {
    k, op, act: f(O.F_ACT), alpha: f(O.F_ALPHA_OFFSET) >= 0 ? net.params[f(O.F_ALPHA_OFFSET)] : 0, inputs: nodeInputs(net, k), inSize, outSize,
    h: f(O.F_H), w: f(O.F_W), c, oh: f(O.F_OH), ow: f(O.F_OW), oc,
    kh: f(O.F_KH), kw: f(O.F_KW), sh: f(O.F_SH), sw: f(O.F_SW), dh: f(O.F_DH), dw: f(O.F_DW),
    padT: f(O.F_PAD_T), padL: f(O.F_PAD_L), padB: f(O.F_PAD_B), padR: f(O.F_PAD_R), groups: f(O.F_GROUPS),
    ceil: (f(O.F_FLAGS) & O.FLAG_CEIL_MODE) !== 0, countPad: (f(O.F_FLAGS) & O.FLAG_COUNT_INCLUDE_PAD) !== 0,
    value: f(O.F_VALUE_OFFSET), pre: f(O.F_PRE_OFFSET), arg: f(O.F_ARG_OFFSET), pattern: f(O.F_PATTERN_OFFSET),
    weight: slice(f(O.F_WEIGHT_OFFSET), weightLen), bias: slice(f(O.F_BIAS_OFFSET), op === O.OP_DENSE || op === O.OP_CONV || op === O.OP_AFFINE ? oc : 0),
  };
}

/** The decoded nodes of a compiled network, in order. */
export function graphNodes(net: CompiledNetwork): Node[] {
  return Array.from({ length: net.nodeCount }, (_, k) => decode(net, k));
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** The activation of code `act` at z. */
export function activate(act: number, alpha: number, z: number): number {
  switch (act) {
    case O.ACT_RELU:
      return z > 0 ? z : 0;
    case O.ACT_LEAKY:
      return z > 0 ? z : alpha * z;
    case O.ACT_SIGMOID:
      return sigmoid(z);
    case O.ACT_TANH:
      return Math.tanh(z);
    case O.ACT_SOFTPLUS:
      return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    default:
      return z;
  }
}

/** Its derivative at z under the frozen pattern (relu: 1 if z > 0 else 0; leaky: 1 or alpha). */
export function activationDerivative(act: number, alpha: number, z: number): number {
  switch (act) {
    case O.ACT_RELU:
      return z > 0 ? 1 : 0;
    case O.ACT_LEAKY:
      return z > 0 ? 1 : alpha;
    case O.ACT_SIGMOID: {
      const s = sigmoid(z);
      return s * (1 - s);
    }
    case O.ACT_TANH: {
      const t = Math.tanh(z);
      return 1 - t * t;
    }
    case O.ACT_SOFTPLUS:
      return sigmoid(z);
    default:
      return 1;
  }
}

/** Valid input cells (flat NHWC index without the channel, i.e. (iy·W + ix)) of window (oy, ox), in scan order. */
function windowCells(n: Node, oy: number, ox: number): { cells: number[]; taps: number[]; padded: number } {
  const cells: number[] = [];
  const taps: number[] = []; // (dy·kw + dx) of each valid cell
  let padded = 0;
  for (let dy = 0; dy < n.kh; dy++) {
    const iy = oy * n.sh + dy * n.dh - n.padT;
    for (let dx = 0; dx < n.kw; dx++) {
      const ix = ox * n.sw + dx * n.dw - n.padL;
      if (iy >= -n.padT && iy < n.h + n.padB && ix >= -n.padL && ix < n.w + n.padR) padded++;
      if (iy < 0 || iy >= n.h || ix < 0 || ix >= n.w) continue;
      cells.push(iy * n.w + ix);
      taps.push(dy * n.kw + dx);
    }
  }
  return { cells, taps, padded };
}

/**
 * The node's linear part on its inputs: y = L(x) (+ bias when `bias`). For max pooling, `argmax` (outSize,
 * flat input index) is written when `choose`, else read (the route of a frozen pattern).
 */
function linear(n: Node, xs: Float64Array[], bias: boolean, argmax: Int32Array, choose: boolean): Float64Array {
  const y = new Float64Array(n.outSize);
  const x = xs[0];
  switch (n.op) {
    case O.OP_DENSE:
      for (let j = 0; j < n.outSize; j++) {
        let s = bias ? n.bias[j] : 0;
        for (let i = 0; i < n.inSize; i++) s += x[i] * n.weight[i * n.outSize + j];
        y[j] = s;
      }
      break;
    case O.OP_CONV: {
      const cg = n.c / n.groups, fg = n.oc / n.groups;
      for (let oy = 0; oy < n.oh; oy++)
        for (let ox = 0; ox < n.ow; ox++) {
          const { cells, taps } = windowCells(n, oy, ox);
          for (let o = 0; o < n.oc; o++) {
            const g = Math.floor(o / fg);
            let s = bias ? n.bias[o] : 0;
            cells.forEach((cell, t) => {
              for (let ci = 0; ci < cg; ci++) s += x[cell * n.c + g * cg + ci] * n.weight[(taps[t] * cg + ci) * n.oc + o];
            });
            y[(oy * n.ow + ox) * n.oc + o] = s;
          }
        }
      break;
    }
    case O.OP_MAXPOOL:
    case O.OP_AVGPOOL:
      for (let oy = 0; oy < n.oh; oy++)
        for (let ox = 0; ox < n.ow; ox++) {
          const { cells, padded } = windowCells(n, oy, ox);
          for (let ch = 0; ch < n.c; ch++) {
            const o = (oy * n.ow + ox) * n.c + ch;
            if (n.op === O.OP_AVGPOOL) {
              let s = 0;
              for (const cell of cells) s += x[cell * n.c + ch];
              y[o] = s / (n.countPad ? padded : cells.length);
            } else if (choose) {
              let best = -Infinity, at = -1;
              for (const cell of cells) {
                const v = x[cell * n.c + ch];
                if (at < 0 || v > best) [best, at] = [v, cell * n.c + ch];
              }
              argmax[o] = at;
              y[o] = best;
            } else y[o] = x[argmax[o]];
          }
        }
      break;
    case O.OP_GAP:
      for (let p = 0; p < n.h * n.w; p++) for (let ch = 0; ch < n.c; ch++) y[ch] += x[p * n.c + ch] / (n.h * n.w);
      break;
    case O.OP_AFFINE:
      for (let i = 0; i < n.outSize; i++) y[i] = x[i] * n.weight[i % n.oc] + (bias ? n.bias[i % n.oc] : 0);
      break;
    case O.OP_ADD:
      for (const v of xs) for (let i = 0; i < n.outSize; i++) y[i] += v[i];
      break;
    case O.OP_CONCAT: {
      const pixels = n.oh * n.ow;
      let at = 0;
      for (const v of xs) {
        const cv = v.length / pixels;
        for (let p = 0; p < pixels; p++) for (let ci = 0; ci < cv; ci++) y[p * n.oc + at + ci] = v[p * cv + ci];
        at += cv;
      }
      break;
    }
    case O.OP_ACT:
      y.set(x);
      break;
  }
  return y;
}

/** Transpose of the linear part: adds Lᵀ g into each input's cotangent `gs[k]`. */
function linearTranspose(n: Node, g: Float64Array, gs: Float64Array[], argmax: Int32Array): void {
  const gx = gs[0];
  switch (n.op) {
    case O.OP_DENSE:
      for (let i = 0; i < n.inSize; i++) {
        let s = 0;
        for (let j = 0; j < n.outSize; j++) s += g[j] * n.weight[i * n.outSize + j];
        gx[i] += s;
      }
      break;
    case O.OP_CONV: {
      const cg = n.c / n.groups, fg = n.oc / n.groups;
      for (let oy = 0; oy < n.oh; oy++)
        for (let ox = 0; ox < n.ow; ox++) {
          const { cells, taps } = windowCells(n, oy, ox);
          for (let o = 0; o < n.oc; o++) {
            const go = g[(oy * n.ow + ox) * n.oc + o];
            const grp = Math.floor(o / fg);
            cells.forEach((cell, t) => {
              for (let ci = 0; ci < cg; ci++) gx[cell * n.c + grp * cg + ci] += go * n.weight[(taps[t] * cg + ci) * n.oc + o];
            });
          }
        }
      break;
    }
    case O.OP_MAXPOOL:
      for (let o = 0; o < n.outSize; o++) gx[argmax[o]] += g[o];
      break;
    case O.OP_AVGPOOL:
      for (let oy = 0; oy < n.oh; oy++)
        for (let ox = 0; ox < n.ow; ox++) {
          const { cells, padded } = windowCells(n, oy, ox);
          const div = n.countPad ? padded : cells.length;
          for (let ch = 0; ch < n.c; ch++) for (const cell of cells) gx[cell * n.c + ch] += g[(oy * n.ow + ox) * n.c + ch] / div;
        }
      break;
    case O.OP_GAP:
      for (let p = 0; p < n.h * n.w; p++) for (let ch = 0; ch < n.c; ch++) gx[p * n.c + ch] += g[ch] / (n.h * n.w);
      break;
    case O.OP_AFFINE:
      for (let i = 0; i < n.outSize; i++) gx[i] += g[i] * n.weight[i % n.oc];
      break;
    case O.OP_ADD:
      for (const v of gs) for (let i = 0; i < n.outSize; i++) v[i] += g[i];
      break;
    case O.OP_CONCAT: {
      const pixels = n.oh * n.ow;
      let at = 0;
      for (const v of gs) {
        const cv = v.length / pixels;
        for (let p = 0; p < pixels; p++) for (let ci = 0; ci < cv; ci++) v[p * cv + ci] += g[p * n.oc + at + ci];
        at += cv;
      }
      break;
    }
    case O.OP_ACT:
      for (let i = 0; i < n.outSize; i++) gx[i] += g[i];
      break;
  }
}

const blockOf = (net: CompiledNetwork, vec: Float64Array, j: number) => {
  const b = valueBlock(net, j);
  return vec.subarray(b.offset, b.offset + b.size);
};

/** Forward pass of one point x (length d): every node's output, pre-activations and max-pool argmax. */
export function graphForward(net: CompiledNetwork, x: ArrayLike<number>): GraphState {
  if (x.length !== net.inputSize) throw new ShapeError(`graphForward: input has ${x.length} values, expected ${net.inputSize}`);
  const st: GraphState = { values: new Float64Array(net.valueSize), pre: new Float64Array(net.preSize), argmax: new Int32Array(net.argSize) };
  st.values.set(Array.from(x));
  for (const n of graphNodes(net)) {
    const xs = n.inputs.map((j) => blockOf(net, st.values, j));
    const arg = n.arg >= 0 ? st.argmax.subarray(n.arg, n.arg + n.outSize) : new Int32Array(0);
    const z = linear(n, xs, true, arg, true);
    if (n.act !== O.ACT_LINEAR) st.pre.set(z, n.pre);
    for (let i = 0; i < n.outSize; i++) st.values[n.value + i] = activate(n.act, n.alpha, z[i]);
  }
  return st;
}

/** The point's activation pattern (bit = pre-activation > 0 of every relu/leakyRelu unit, in node order). */
export function graphPattern(net: CompiledNetwork, st: GraphState): Uint32Array {
  const bits = new Uint32Array(net.patternWords);
  for (const n of graphNodes(net)) {
    if (n.pattern < 0) continue;
    for (let i = 0; i < n.outSize; i++) if (st.pre[n.pre + i] > 0) bits[(n.pattern + i) >>> 5] |= 1 << ((n.pattern + i) & 31);
  }
  return bits;
}

/** FNV-1a 64 over the pattern words (little-endian bytes), then every max-pool argmax block in node order. */
export function graphRegionHash(net: CompiledNetwork, st: GraphState): bigint {
  let h = 0xcbf29ce484222325n;
  const eat = (words: ArrayLike<number>) => {
    for (let i = 0; i < words.length; i++)
      for (let b = 0; b < 4; b++) h = BigInt.asUintN(64, (h ^ BigInt((words[i] >>> (8 * b)) & 0xff)) * 0x100000001b3n);
  };
  eat(graphPattern(net, st));
  for (const n of graphNodes(net)) if (n.arg >= 0) eat(st.argmax.subarray(n.arg, n.arg + n.outSize));
  return h;
}

/**
 * Forward-mode tangents under the point's frozen pattern: for `rows` input tangents (tin rows×d), every node's
 * output tangent (tan rows×valueSize, the input's block = tin) and pre-activation tangent (tanPre rows×preSize).
 */
export function graphJvp(net: CompiledNetwork, st: GraphState, tin: ArrayLike<number>, rows: number): { tan: Float64Array; tanPre: Float64Array } {
  const d = net.inputSize;
  if (tin.length !== rows * d) throw new ShapeError(`graphJvp: ${tin.length} tangent values, expected rows×d = ${rows * d}`);
  const tan = new Float64Array(rows * net.valueSize);
  const tanPre = new Float64Array(rows * net.preSize);
  const nodes = graphNodes(net);
  for (let r = 0; r < rows; r++) {
    const t = tan.subarray(r * net.valueSize, (r + 1) * net.valueSize);
    for (let i = 0; i < d; i++) t[i] = tin[r * d + i];
    for (const n of nodes) {
      const xs = n.inputs.map((j) => blockOf(net, t, j));
      const z = linear(n, xs, false, n.arg >= 0 ? st.argmax.subarray(n.arg, n.arg + n.outSize) : new Int32Array(0), false);
      if (n.act !== O.ACT_LINEAR) tanPre.set(z, r * net.preSize + n.pre);
      for (let i = 0; i < n.outSize; i++) t[n.value + i] = n.act === O.ACT_LINEAR ? z[i] : activationDerivative(n.act, n.alpha, st.pre[n.pre + i]) * z[i];
    }
  }
  return { tan, tanPre };
}

/**
 * Reverse mode under the frozen pattern: for `rows` cotangents of compiled node `target`'s output (cot
 * rows×outSize(target)), the input cotangents (rows×d). Fan-out accumulates; add and concat split.
 */
export function graphVjp(net: CompiledNetwork, st: GraphState, target: number, cot: ArrayLike<number>, rows: number): Float64Array {
  const d = net.inputSize;
  const m = valueBlock(net, target).size;
  if (cot.length !== rows * m) throw new ShapeError(`graphVjp: ${cot.length} cotangent values, expected rows×m = ${rows * m}`);
  const gin = new Float64Array(rows * d);
  const nodes = graphNodes(net);
  for (let r = 0; r < rows; r++) {
    const g = new Float64Array(net.valueSize); // cotangent of every node's output
    const own = blockOf(net, g, target);
    for (let i = 0; i < m; i++) own[i] = cot[r * m + i];
    for (let k = target; k >= 0; k--) {
      const n = nodes[k];
      const gv = blockOf(net, g, k);
      const gz = new Float64Array(n.outSize);
      for (let i = 0; i < n.outSize; i++) gz[i] = n.act === O.ACT_LINEAR ? gv[i] : gv[i] * activationDerivative(n.act, n.alpha, st.pre[n.pre + i]);
      linearTranspose(n, gz, n.inputs.map((j) => blockOf(net, g, j)), n.arg >= 0 ? st.argmax.subarray(n.arg, n.arg + n.outSize) : new Int32Array(0));
    }
    gin.set(g.subarray(0, d), r * d);
  }
  return gin;
}

/**
 * The first t in (0, tmax] at which the point x + t·v leaves its linear region along direction v: a
 * relu/leakyRelu pre-activation z + t·ż changes sign, or a max-pool window's chosen input a stops being the
 * maximum ((x_a − x_b) + t(ẋ_a − ẋ_b) = 0 for another valid cell b). Within the region every quantity is
 * affine in t. Returns t = Infinity and node −1 when nothing changes in (0, tmax].
 */
export function graphCrossing(net: CompiledNetwork, st: GraphState, v: ArrayLike<number>, tmax: number): { t: number; node: number; unit: number } {
  const { tan, tanPre } = graphJvp(net, st, v, 1);
  let best = { t: Infinity, node: -1, unit: -1 };
  const consider = (t: number, node: number, unit: number) => {
    if (t > 0 && t <= tmax && t < best.t) best = { t, node, unit };
  };
  for (const n of graphNodes(net)) {
    if (n.pattern >= 0)
      for (let i = 0; i < n.outSize; i++) {
        const z = st.pre[n.pre + i], dz = tanPre[n.pre + i];
        if (dz !== 0) consider(-z / dz, n.k, i);
      }
    if (n.op !== O.OP_MAXPOOL) continue;
    const x = blockOf(net, st.values, n.inputs[0]);
    const dx = blockOf(net, tan, n.inputs[0]);
    for (let oy = 0; oy < n.oh; oy++)
      for (let ox = 0; ox < n.ow; ox++) {
        const { cells } = windowCells(n, oy, ox);
        for (let ch = 0; ch < n.c; ch++) {
          const o = (oy * n.ow + ox) * n.c + ch;
          const a = st.argmax[n.arg + o];
          for (const cell of cells) {
            const b = cell * n.c + ch;
            if (b === a) continue;
            const gap = x[a] - x[b], closing = dx[b] - dx[a];
            if (closing > 0) consider(gap / closing, n.k, o);
          }
        }
      }
  }
  return best;
}
