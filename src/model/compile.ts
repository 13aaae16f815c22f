/**
 * Compiling a network graph into one layer table: what every kernel walks. Pure TypeScript, no Wasm.
 *
 * - batchNorm folds into a directly preceding dense/conv2d that has no other consumer and no activation
 *   (w' = w·s, b' = (b − μ)·s + β with s = γ/√(σ² + ε) per output channel); otherwise it is an AFFINE node
 *   (per-channel scale s, shift β − μ·s).
 * - A standalone activation fuses into its producer (dense, conv2d, add, affine) when the producer is linear and
 *   has no other consumer; otherwise it is an ACT node.
 * - flatten, identity activations and dropout compile to nothing: their output is their input's value block.
 * - `keep` lists source nodes whose own output must stay materialized (nothing folds or fuses into them),
 *   for analyses of an intermediate node that folding would hide.
 *
 * Per point, a node's output sits at F_VALUE_OFFSET in the point's value block (the input first, at 0),
 * its pre-activation (act ≠ linear) at F_PRE_OFFSET of the pre block, max-pool argmax at F_ARG_OFFSET of
 * the argmax block (i32, flat NHWC index in its input image). Pattern bits: every relu/leakyRelu unit of the
 * compiled nodes in topological order (1 = pre-activation > 0).
 */
import { ModelFormatError } from "../errors.js";
import { normalizeSpec } from "./graph.js";
import * as O from "./opcodes.js";
import { DEFAULT_LEAKY_ALPHA, type ActivationName, type Layer, type LooseModelSpec, type ModelSpec } from "./types.js";

/** sourceToCompiled value of a source node whose output folding or fusion consumed (compile with `keep`). */
export const NOT_MATERIALIZED = -2;

export interface CompiledNetwork {
  /** NODE_STRIDE i32 per compiled node (fields F_* of opcodes.ts), then the input lists of nodes with > 2 inputs. */
  table: Int32Array;
  /** Every weight after folding (float64), at the element offsets the table gives. */
  params: Float64Array;
  /** Number of compiled nodes. */
  nodeCount: number;
  inputShape: number[];
  head: "softmax" | "none";
  /** Per point: input values d, output values, all node outputs (input included), pre-activations, argmax i32. */
  inputSize: number;
  outputSize: number;
  valueSize: number;
  preSize: number;
  argSize: number;
  patternBits: number;
  /** u32 words of one point's pattern bitset (at least 1). */
  patternWords: number;
  /** Compiled node holding the model output (NODE_INPUT when the model is the identity). */
  outputNode: number;
  /** Largest node output (input included). */
  maxWidth: number;
  /** Per source node: the compiled node whose output block holds its output (NODE_INPUT, or NOT_MATERIALIZED). */
  sourceToCompiled: Int32Array;
  /** Names of the source nodes, in order (for `{ layer: "name" }`). */
  nodeNames: string[];
  /** Per source node: its output shape. */
  nodeShapes: number[][];
  /** Per compiled node: the source nodes it computes, e.g. ["conv1", "bn1", "relu1"]. */
  sources: string[][];
  /** Per compiled node: its output shape. */
  shapes: number[][];
}

export interface CompileOptions {
  /** Source nodes (indices) whose output must stay materialized; "all": no folding or fusion at all. */
  keep?: readonly number[] | "all";
  /** Fold batchNorm into preceding dense/conv2d (default true); false keeps every batchNorm as AFFINE. */
  foldBatchNorm?: boolean;
}

interface Draft {
  op: number;
  act: ActivationName;
  alpha: number;
  inputs: number[]; // compiled indices, NODE_INPUT = the model input
  inShape: number[];
  outShape: number[];
  weight?: Float64Array;
  bias?: Float64Array;
  geometry?: Partial<Record<"kh" | "kw" | "sh" | "sw" | "dh" | "dw" | "padT" | "padL" | "padB" | "padR" | "groups" | "flags", number>>;
  sources: string[];
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const FUSABLE = new Set([O.OP_DENSE, O.OP_CONV, O.OP_ADD, O.OP_AFFINE]);

/**
 * Compile a model spec into the layer table.
 * @example
 * const net = compileNetwork({ inputShape: [2], head: "none", layers: [
 *   { type: "dense", units: 3, kernel: new Float64Array(6), bias: new Float64Array(3), activation: "linear" },
 *   { type: "activation", activation: "relu" }] });
 * net.nodeCount // 1: the relu fused into the dense node
 */
export function compileNetwork(loose: ModelSpec | LooseModelSpec, opts: CompileOptions = {}): CompiledNetwork {
  const { spec, shapes } = normalizeSpec(loose);
  const layers = spec.layers;
  const keep = new Set(opts.keep === "all" ? layers.map((_, i) => i) : (opts.keep ?? []));
  const fold = opts.foldBatchNorm ?? true;
  const consumers = new Array<number>(layers.length).fill(0);
  for (const l of layers) for (const j of l.inputs) if (j >= 0) consumers[j]++;
  const drafts: Draft[] = [];
  const where = new Int32Array(layers.length); // source → compiled node holding its output
  const shapeOf = (j: number) => (j < 0 ? spec.inputShape : shapes[j]);
  const at = (j: number) => (j < 0 ? O.NODE_INPUT : where[j]);
  /** The producer p of node i's single input, when i may merge into it: p's own output, linear, used only by i. */
  const mergeable = (i: number, ops: Set<number>): number => {
    const p = layers[i].inputs[0];
    if (p < 0 || keep.has(p) || consumers[p] !== 1) return -1;
    const lp = layers[p];
    if (lp.type === "flatten" || (lp.type === "activation" && lp.activation === "linear")) return -1; // an alias
    const c = where[p];
    return c >= 0 && ops.has(drafts[c].op) && drafts[c].act === "linear" ? c : -1;
  };
  layers.forEach((layer, i) => {
    const inShape = shapeOf(layer.inputs[0]);
    const outShape = shapes[i];
    const inputs = layer.inputs.map(at);
    const push = (d: Omit<Draft, "inShape" | "outShape" | "inputs" | "sources" | "alpha"> & { alpha?: number }) => {
      drafts.push({ alpha: DEFAULT_LEAKY_ALPHA, ...d, inputs, inShape: [...inShape], outShape: [...outShape], sources: [layer.name] });
      where[i] = drafts.length - 1;
    };
    const alphaOf = (l: Layer) => ("alpha" in l && l.alpha !== undefined ? l.alpha : DEFAULT_LEAKY_ALPHA);
    switch (layer.type) {
      case "dense":
        push({ op: O.OP_DENSE, act: layer.activation, alpha: alphaOf(layer), weight: Float64Array.from(layer.kernel), bias: Float64Array.from(layer.bias) });
        break;
      case "conv2d": {
        const [kh, kw] = layer.kernelSize;
        const [padT, padL, padB, padR] = layer.pads;
        push({
          op: O.OP_CONV, act: layer.activation, alpha: alphaOf(layer), weight: Float64Array.from(layer.kernel), bias: Float64Array.from(layer.bias),
          geometry: { kh, kw, sh: layer.strides[0], sw: layer.strides[1], dh: layer.dilations[0], dw: layer.dilations[1], padT, padL, padB, padR, groups: layer.groups },
        });
        break;
      }
      case "maxPool2d":
      case "avgPool2d": {
        const [padT, padL, padB, padR] = layer.pads;
        const flags = (layer.ceilMode ? O.FLAG_CEIL_MODE : 0) | (layer.countIncludePad ? O.FLAG_COUNT_INCLUDE_PAD : 0);
        push({
          op: layer.type === "maxPool2d" ? O.OP_MAXPOOL : O.OP_AVGPOOL, act: "linear",
          geometry: { kh: layer.poolSize[0], kw: layer.poolSize[1], sh: layer.strides[0], sw: layer.strides[1], dh: 1, dw: 1, padT, padL, padB, padR, groups: 1, flags },
        });
        break;
      }
      case "globalAvgPool2d":
        push({ op: O.OP_GAP, act: "linear" });
        break;
      case "batchNorm": {
        const channels = layer.gamma.length;
        const scale = new Float64Array(channels);
        const shift = new Float64Array(channels);
        for (let k = 0; k < channels; k++) {
          scale[k] = layer.gamma[k] / Math.sqrt(layer.variance[k] + layer.epsilon);
          shift[k] = layer.beta[k] - layer.mean[k] * scale[k];
        }
        const c = fold ? mergeable(i, new Set([O.OP_DENSE, O.OP_CONV])) : -1;
        if (c >= 0) {
          const d = drafts[c];
          const w = d.weight!, b = d.bias!;
          for (let e = 0; e < w.length; e++) w[e] *= scale[e % channels]; // output channel = last (fastest) axis
          for (let k = 0; k < channels; k++) b[k] = b[k] * scale[k] + shift[k];
          d.sources.push(layer.name);
          where[layer.inputs[0]] = NOT_MATERIALIZED;
          where[i] = c;
        } else {
          push({ op: O.OP_AFFINE, act: "linear", weight: scale, bias: shift });
        }
        break;
      }
      case "add":
        push({ op: O.OP_ADD, act: layer.activation, alpha: alphaOf(layer) });
        break;
      case "concat":
        push({ op: O.OP_CONCAT, act: "linear" });
        break;
      case "flatten":
        where[i] = at(layer.inputs[0]);
        break;
      case "activation": {
        if (layer.activation === "linear") {
          where[i] = at(layer.inputs[0]);
          break;
        }
        const c = mergeable(i, FUSABLE);
        if (c >= 0) {
          drafts[c].act = layer.activation;
          drafts[c].alpha = alphaOf(layer);
          drafts[c].sources.push(layer.name);
          where[layer.inputs[0]] = NOT_MATERIALIZED;
          where[i] = c;
        } else {
          push({ op: O.OP_ACT, act: layer.activation, alpha: alphaOf(layer) });
        }
        break;
      }
    }
  });
  return { ...layout(spec, drafts, where), nodeNames: layers.map((l) => l.name), nodeShapes: shapes.map((s) => [...s]) };
}

/** Offsets of every block and parameter, and the table itself. */
function layout(spec: ModelSpec, drafts: Draft[], where: Int32Array): Omit<CompiledNetwork, "nodeNames" | "nodeShapes"> {
  const n = drafts.length;
  const inputSize = prod(spec.inputShape);
  const extra = drafts.reduce((a, d) => a + (d.inputs.length > 2 ? d.inputs.length : 0), 0);
  const table = new Int32Array(n * O.NODE_STRIDE + extra);
  const pieces: Float64Array[] = [];
  let paramCount = 0;
  const put = (a: Float64Array) => {
    pieces.push(a);
    paramCount += a.length;
    return paramCount - a.length;
  };
  let valueSize = inputSize, preSize = 0, argSize = 0, patternBits = 0, maxWidth = inputSize;
  let extraAt = n * O.NODE_STRIDE;
  const sizeOf = (j: number) => (j < 0 ? inputSize : prod(drafts[j].outShape));
  drafts.forEach((d, k) => {
    const row = k * O.NODE_STRIDE;
    const set = (f: number, v: number) => (table[row + f] = v);
    const outSize = prod(d.outShape);
    const img = (s: number[]) => (s.length === 3 ? s : [1, 1, prod(s)]);
    const [h, w, c] = img(d.inShape);
    const [oh, ow, oc] = img(d.outShape);
    const act = O.ACT_CODE[d.act];
    set(O.F_OP, d.op);
    set(O.F_ACT, act);
    set(O.F_N_INPUTS, d.inputs.length);
    set(O.F_INPUT0, d.inputs[0]);
    if (d.inputs.length === 2) set(O.F_INPUT1, d.inputs[1]);
    else if (d.inputs.length > 2) {
      set(O.F_INPUT1, extraAt);
      table.set(d.inputs, extraAt);
      extraAt += d.inputs.length;
    } else set(O.F_INPUT1, O.NODE_INPUT);
    set(O.F_IN_SIZE, sizeOf(d.inputs[0]));
    set(O.F_OUT_SIZE, outSize);
    [h, w, c, oh, ow, oc].forEach((v, a) => set(O.F_H + a, v));
    const g = d.geometry ?? {};
    set(O.F_KH, g.kh ?? 1);
    set(O.F_KW, g.kw ?? 1);
    set(O.F_SH, g.sh ?? 1);
    set(O.F_SW, g.sw ?? 1);
    set(O.F_DH, g.dh ?? 1);
    set(O.F_DW, g.dw ?? 1);
    set(O.F_PAD_T, g.padT ?? 0);
    set(O.F_PAD_L, g.padL ?? 0);
    set(O.F_PAD_B, g.padB ?? 0);
    set(O.F_PAD_R, g.padR ?? 0);
    set(O.F_GROUPS, g.groups ?? 1);
    set(O.F_FLAGS, g.flags ?? 0);
    set(O.F_VALUE_OFFSET, valueSize);
    valueSize += outSize;
    maxWidth = Math.max(maxWidth, outSize);
    if (act !== O.ACT_LINEAR) {
      set(O.F_PRE_OFFSET, preSize);
      preSize += outSize;
    } else set(O.F_PRE_OFFSET, -1);
    const piecewise = act === O.ACT_RELU || act === O.ACT_LEAKY;
    set(O.F_PATTERN_OFFSET, piecewise ? patternBits : -1);
    set(O.F_PATTERN_UNITS, piecewise ? outSize : 0);
    if (piecewise) patternBits += outSize;
    set(O.F_WEIGHT_OFFSET, d.weight ? put(d.weight) : -1);
    set(O.F_BIAS_OFFSET, d.bias ? put(d.bias) : -1);
    if (d.op === O.OP_DENSE) {
      const nIn = sizeOf(d.inputs[0]);
      const wt = new Float64Array(nIn * outSize); // out×in: row j = the weights into unit j
      for (let a = 0; a < nIn; a++) for (let b = 0; b < outSize; b++) wt[b * nIn + a] = d.weight![a * outSize + b];
      set(O.F_WEIGHT_T_OFFSET, put(wt));
    } else set(O.F_WEIGHT_T_OFFSET, -1);
    if (d.op === O.OP_MAXPOOL) {
      set(O.F_ARG_OFFSET, argSize);
      argSize += outSize;
    } else set(O.F_ARG_OFFSET, -1);
    set(O.F_ALPHA_OFFSET, act !== O.ACT_LINEAR ? put(Float64Array.of(d.alpha)) : -1);
  });
  if (paramCount > 2 ** 31 - 1) throw new ModelFormatError(`compiled network has ${paramCount} parameters, beyond the table's 32-bit offsets`);
  const params = new Float64Array(paramCount);
  let o = 0;
  for (const p of pieces) {
    params.set(p, o);
    o += p.length;
  }
  const outputNode = where[where.length - 1];
  return {
    table,
    params,
    nodeCount: n,
    inputShape: [...spec.inputShape],
    head: spec.head,
    inputSize,
    outputSize: sizeOf(outputNode),
    valueSize,
    preSize,
    argSize,
    patternBits,
    patternWords: Math.max(1, Math.ceil(patternBits / 32)),
    outputNode,
    maxWidth,
    sourceToCompiled: where,
    sources: drafts.map((d) => d.sources),
    shapes: drafts.map((d) => d.outShape),
  };
}

/** Field f of compiled node k. */
export function nodeField(net: CompiledNetwork, k: number, f: number): number {
  return net.table[k * O.NODE_STRIDE + f];
}

/** The compiled input indices of node k (NODE_INPUT = the model input). */
export function nodeInputs(net: CompiledNetwork, k: number): number[] {
  const count = nodeField(net, k, O.F_N_INPUTS);
  if (count <= 2) return [nodeField(net, k, O.F_INPUT0), nodeField(net, k, O.F_INPUT1)].slice(0, count);
  const at = nodeField(net, k, O.F_INPUT1);
  return Array.from(net.table.subarray(at, at + count));
}

/** Where node j's output starts in a point's value block, and its size (j = NODE_INPUT: the input). */
export function valueBlock(net: CompiledNetwork, j: number): { offset: number; size: number } {
  return j < 0 ? { offset: 0, size: net.inputSize } : { offset: nodeField(net, j, O.F_VALUE_OFFSET), size: nodeField(net, j, O.F_OUT_SIZE) };
}
