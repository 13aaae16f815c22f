/**
 * Version 2 of the foliate-model JSON format: a graph of named nodes.
 *
 * ```json
 * {"format": "foliate-model", "version": 2, "inputShape": [8, 8, 3], "nodes": [
 *   {"name": "stem", "type": "conv2d", "inputs": ["input"], "filters": 4, "kernelSize": 3, "pads": [1, 1, 1, 1],
 *    "kernel": "<base64 float32, [kh, kw, inC/groups, outC]>", "bias": [0, 0, 0, 0], "activation": "relu"},
 *   {"name": "conv", "type": "conv2d", "inputs": ["stem"], "filters": 4, "kernelSize": 3, "padding": "same", …},
 *   {"name": "bn", "type": "batchNorm", "inputs": ["conv"], "gamma": […], "beta": […], "mean": […], "variance": […]},
 *   {"name": "sum", "type": "add", "inputs": ["bn", "stem"], "activation": "relu"},
 *   {"name": "pool", "type": "globalAvgPool2d", "inputs": ["sum"]},
 *   {"name": "fc", "type": "dense", "inputs": ["pool"], "units": 10, "kernel": …, "bias": …},
 *   {"name": "probs", "type": "softmax", "inputs": ["fc"]}]}
 * ```
 * `inputs` name earlier or later nodes ("input" is the data input; default: the node listed before); nodes are
 * sorted topologically (stably), and cycles, unknown names, duplicate names and nodes that feed nothing are
 * rejected. Fields follow version 1 (Keras/tfjs conventions) plus: conv2d `pads` [top, left, bottom, right]
 * (instead of `padding`), `dilations`, `groups`; pooling `pads`, `ceilMode`, `countIncludePad`; the node
 * types globalAvgPool2d, batchNorm (`epsilon` default 1e-5), add (with `activation`), concat (channels),
 * identity and dropout (both the identity). A final softmax node is the classifier head.
 */
import { ModelFormatError, UnsupportedLayerError } from "../errors.js";
import { activationOf, isObject, pair, padding, positiveInt, withAlpha, type Obj } from "./jsonFields.js";
import { nodeOutputShape, padsFor } from "./shapes.js";
import { ACTIVATIONS, LIMITS, type LooseLayer, type LooseModelSpec, type Pads } from "./types.js";
import { describeValue, readWeights } from "./weights.js";

/** Node `type` values version 2 accepts. */
export const NODE_TYPES: readonly string[] = [
  "dense", "conv2d", "maxPool2d", "avgPool2d", "globalAvgPool2d", "batchNorm", "add", "concat", "flatten",
  "activation", "identity", "dropout", ...ACTIVATIONS, "softmax",
];

/** The name `inputs` use for the model's data input. */
export const INPUT_NAME = "input";

function nonNegativeInt(ctx: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > LIMITS.maxDimension)
    throw new ModelFormatError(`${ctx}: field "${name}" must be a non-negative integer, got ${describeValue(v)}`);
  return v;
}

function padsOf(ctx: string, v: unknown): Pads | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length !== 4) throw new ModelFormatError(`${ctx}: field "pads" must be [top, left, bottom, right], got ${describeValue(v)}`);
  return v.map((p, k) => nonNegativeInt(ctx, `pads[${k}]`, p)) as Pads;
}

function boolOf(ctx: string, name: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== "boolean") throw new ModelFormatError(`${ctx}: field "${name}" must be true or false, got ${describeValue(v)}`);
  return v;
}

/** The nodes in a stable topological order (Kahn's algorithm, ties by listed order), or the cycle's names. */
function topologicalOrder(names: string[], inputs: number[][]): number[] {
  const n = names.length;
  const indegree = inputs.map((ins) => ins.filter((j) => j >= 0).length);
  const users: number[][] = names.map(() => []);
  inputs.forEach((ins, i) => ins.forEach((j) => j >= 0 && users[j].push(i)));
  const order: number[] = [];
  const ready = indegree.flatMap((d, i) => (d === 0 ? [i] : []));
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(i);
    for (const u of users[i]) if (--indegree[u] === 0) ready.push(u);
  }
  if (order.length < n) {
    const stuck = names.filter((_, i) => indegree[i] > 0);
    throw new ModelFormatError(`model: the nodes ${stuck.map((s) => `"${s}"`).join(", ")} form a cycle (a network graph must be acyclic)`);
  }
  return order;
}

/** Parse a version 2 document (already an object with format and version checked). */
export function parseGraphDocument(doc: Obj, inputShape: number[]): LooseModelSpec {
  const raw = doc.nodes;
  if (!Array.isArray(raw)) throw new ModelFormatError(`model: field "nodes" must be an array, got ${describeValue(raw)}`);
  if (raw.length === 0) throw new ModelFormatError(`model: field "nodes" is empty`);
  if (raw.length > LIMITS.maxLayers) throw new ModelFormatError(`model: field "nodes" has ${raw.length} nodes, above the limit of ${LIMITS.maxLayers}`);
  const names: string[] = [];
  const byName = new Map<string, number>();
  raw.forEach((l, i) => {
    if (!isObject(l)) throw new ModelFormatError(`node ${i}: must be an object with "name" and "type" fields, got ${describeValue(l)}`);
    const name = l.name ?? `node_${i}`;
    if (typeof name !== "string" || name.length === 0 || name.length > 256)
      throw new ModelFormatError(`node ${i}: field "name" must be a non-empty string of at most 256 characters, got ${describeValue(name)}`);
    if (name === INPUT_NAME) throw new ModelFormatError(`node ${i}: the name "${INPUT_NAME}" is reserved for the model's data input`);
    if (byName.has(name)) throw new ModelFormatError(`node ${i}: name "${name}" is already used by node ${byName.get(name)}`);
    byName.set(name, i);
    names.push(name);
  });
  const inputs = raw.map((l: Obj, i): number[] => {
    const ctx = `node ${i} "${names[i]}"`;
    if (l.inputs === undefined) return [i - 1];
    if (!Array.isArray(l.inputs) || l.inputs.length === 0 || l.inputs.length > 64)
      throw new ModelFormatError(`${ctx}: field "inputs" must be a non-empty array of node names, got ${describeValue(l.inputs)}`);
    return l.inputs.map((v: unknown) => {
      if (v === INPUT_NAME) return -1;
      if (typeof v !== "string" || !byName.has(v))
        throw new ModelFormatError(`${ctx}: input ${describeValue(v)} names no node (use "${INPUT_NAME}" for the data input)`);
      return byName.get(v)!;
    });
  });
  const order = topologicalOrder(names, inputs);
  const position = new Int32Array(order.length);
  order.forEach((i, k) => (position[i] = k));

  const layers: LooseLayer[] = [];
  const shapes: number[][] = [];
  let head: "softmax" | "none" = "none";
  let parameters = 0;
  const aliases: (number | undefined)[] = []; // by topological position: a softmax/identity node stands for its input
  const layerIndex: number[] = []; // by topological position: the node's index in `layers`
  order.forEach((i, k) => {
    const l = raw[i] as Obj;
    const type = l.type;
    const ctx = `node ${i} "${names[i]}" (${typeof type === "string" ? type : "?"})`;
    if (typeof type !== "string") throw new ModelFormatError(`${ctx}: field "type" must be a string, got ${describeValue(type)}`);
    if (head === "softmax") throw new UnsupportedLayerError(`${ctx}: follows the softmax head; softmax must be the last node`);
    const ins = inputs[i].map((j) => (j < 0 ? -1 : position[j]));
    const alias = (j: number) => (j >= 0 && aliases[j] !== undefined ? aliases[j] : j);
    const resolved = ins.map(alias);
    const inShapes = resolved.map((j) => (j < 0 ? inputShape : shapes[layerIndex[j]]));
    const reserve = (what: string, count: number) => {
      if (count > LIMITS.maxParameters - parameters)
        throw new ModelFormatError(`${ctx}: ${what} would hold ${count} values; the model would exceed the limit of ${LIMITS.maxParameters} parameters`);
      parameters += count;
    };
    const isLast = k === order.length - 1;
    const parsed = parseNode({ ctx, index: i, name: names[i] }, type, l, inShapes, isLast, reserve);
    if (parsed === "softmax" || parsed === "identity") {
      if (resolved.length !== 1) throw new ModelFormatError(`${ctx}: takes exactly one input, got ${resolved.length}`);
      if (parsed === "softmax") head = "softmax";
      aliases[k] = resolved[0];
      return;
    }
    const node = { ...parsed.node, name: names[i], inputs: resolved.map((j) => (j < 0 ? -1 : layerIndex[j])) } as LooseLayer;
    layerIndex[k] = layers.length;
    layers.push(node);
    shapes.push(parsed.shape);
    if (parsed.softmax) head = "softmax";
  });
  if (layers.length === 0) throw new ModelFormatError(`model: has no nodes besides the softmax head and identities`);
  return { inputShape, layers, head };
}

type ParsedNode = { node: Omit<LooseLayer, "name" | "inputs">; shape: number[]; softmax: boolean } | "softmax" | "identity";

/** One node's fields, given its input shapes (in input order). */
function parseNode(at: { ctx: string; index: number; name: string }, type: string, l: Obj, ins: number[][], isLast: boolean, reserve: (what: string, count: number) => void): ParsedNode {
  const ctx = at.ctx;
  const where = isLast ? "this is the last node" : "this is not the last node";
  const input = ins[0];
  const image = () => {
    if (input.length !== 3) throw new ModelFormatError(`${ctx}: expects an [H, W, C] input, got shape [${input}]`);
    return input;
  };
  const done = (node: Record<string, unknown>, softmax = false): ParsedNode => {
    const full = { ...node, name: at.name, inputs: ins.map(() => -1) } as never;
    return { node: node as never, shape: nodeOutputShape(at.index, full, ins), softmax };
  };
  switch (type) {
    case "dense": {
      if (input.length !== 1) throw new ModelFormatError(`${ctx}: expects a flat input, got shape [${input}]; add a {"type": "flatten"} node before it`);
      const units = positiveInt(ctx, "units", l.units);
      reserve(`field "kernel" (in×units = ${input[0]}×${units})`, input[0] * units + units);
      const act = activationOf(ctx, l.activation, l.alpha, isLast, where);
      const kernel = readWeights(`${ctx}: field "kernel"`, l.kernel, { dims: [input[0], units], dimNames: ["in", "units"] });
      const bias = readWeights(`${ctx}: field "bias"`, l.bias, { dims: [units], dimNames: ["units"] });
      return done(withAlpha({ type: "dense", units, kernel, bias, activation: act.activation }, act), act.softmax);
    }
    case "conv2d": {
      const [h, w, c] = image();
      const filters = positiveInt(ctx, "filters", l.filters);
      const kernelSize = pair(ctx, "kernelSize", l.kernelSize);
      const strides = pair(ctx, "strides", l.strides, [1, 1]);
      const dilations = pair(ctx, "dilations", l.dilations, [1, 1]);
      const groups = l.groups === undefined ? 1 : positiveInt(ctx, "groups", l.groups);
      if (c % groups !== 0 || filters % groups !== 0)
        throw new ModelFormatError(`${ctx}: field "groups" = ${groups} must divide the input channels (${c}) and the filters (${filters})`);
      const pads = padsOf(ctx, l.pads) ?? padsFor(h, w, kernelSize, strides, padding(ctx, l.padding), dilations);
      const [kh, kw] = kernelSize;
      reserve(`field "kernel" (kh×kw×inC/groups×filters = ${kh}×${kw}×${c / groups}×${filters})`, kh * kw * (c / groups) * filters + filters);
      if (l.activation === "softmax") throw new UnsupportedLayerError(`${ctx}: activation "softmax" on a conv2d node is per-pixel; only a softmax over a flat output is supported (as the head)`);
      const act = activationOf(ctx, l.activation, l.alpha, false, where);
      const kernel = readWeights(`${ctx}: field "kernel"`, l.kernel, { dims: [kh, kw, c / groups, filters], dimNames: ["kh", "kw", "inC/groups", "filters"] });
      const bias = l.bias === undefined ? new Float64Array(filters) : readWeights(`${ctx}: field "bias"`, l.bias, { dims: [filters], dimNames: ["filters"] });
      return done(withAlpha({ type: "conv2d", filters, kernelSize, strides, dilations, groups, pads, kernel, bias, activation: act.activation }, act));
    }
    case "maxPool2d":
    case "avgPool2d": {
      const [h, w] = image();
      const poolSize = pair(ctx, "poolSize", l.poolSize, [2, 2]);
      const strides = pair(ctx, "strides", l.strides, poolSize);
      const pads = padsOf(ctx, l.pads) ?? padsFor(h, w, poolSize, strides, padding(ctx, l.padding));
      return done({ type, poolSize, strides, pads, ceilMode: boolOf(ctx, "ceilMode", l.ceilMode), countIncludePad: boolOf(ctx, "countIncludePad", l.countIncludePad) });
    }
    case "globalAvgPool2d":
      image();
      return done({ type });
    case "batchNorm": {
      const c = input[input.length - 1];
      reserve(`fields "gamma", "beta", "mean", "variance" (4×${c})`, 4 * c);
      const channel = (f: string) => readWeights(`${ctx}: field "${f}"`, l[f], { dims: [c], dimNames: ["channels"] });
      const epsilon = l.epsilon === undefined ? 1e-5 : l.epsilon;
      if (typeof epsilon !== "number" || !(epsilon >= 0) || !Number.isFinite(epsilon))
        throw new ModelFormatError(`${ctx}: field "epsilon" must be a finite number ≥ 0, got ${describeValue(epsilon)}`);
      const variance = channel("variance");
      for (let k = 0; k < c; k++)
        if (!(variance[k] + epsilon > 0)) throw new ModelFormatError(`${ctx}: variance[${k}] + epsilon = ${variance[k] + epsilon} must be positive`);
      return done({ type, gamma: channel("gamma"), beta: channel("beta"), mean: channel("mean"), variance, epsilon });
    }
    case "add": {
      const act = activationOf(ctx, l.activation, l.alpha, isLast, where);
      return done(withAlpha({ type, activation: act.activation }, act), act.softmax);
    }
    case "concat":
    case "flatten":
      return done({ type });
    case "softmax":
      if (!isLast) throw new UnsupportedLayerError(`${ctx}: softmax is only supported as the classifier head, the last node (${where})`);
      if (input.length === 3 && input[0] * input[1] !== 1)
        throw new UnsupportedLayerError(`${ctx}: softmax over an [H, W, C] = [${input}] output is per-pixel; flatten first (only a softmax over a flat output is supported)`);
      return "softmax";
    case "identity":
    case "dropout":
      return "identity";
    default: {
      if (type !== "activation" && !(ACTIVATIONS as readonly string[]).includes(type))
        throw new UnsupportedLayerError(`${ctx}: unsupported node type ${JSON.stringify(type)}; supported: ${NODE_TYPES.join(", ")}`);
      if (type === "activation" && l.activation === undefined) throw new ModelFormatError(`${ctx}: field "activation" is required on an activation node`);
      const act = activationOf(ctx, type === "activation" ? l.activation : type, l.alpha, isLast, where);
      if (act.softmax) return "softmax";
      return done(withAlpha({ type: "activation", activation: act.activation }, act));
    }
  }
}
