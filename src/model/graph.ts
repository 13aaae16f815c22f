/**
 * The network graph: normalization of a loosely given spec (names, chain inputs, Keras padding keywords) into
 * the explicit form every consumer reads, structural checks (topological order, unique names, one output),
 * and lookups by node name.
 */
import { ModelFormatError, OptionError } from "../errors.js";
import { inferShapes, nodeLabel, nodeOutputShape, padsFor } from "./shapes.js";
import { INPUT, LIMITS, type Layer, type LooseLayer, type LooseModelSpec, type ModelSpec } from "./types.js";

/** The default name of node i: its type (or activation) and index, e.g. `conv2d_0`, `relu_3`. */
export function defaultNodeName(i: number, node: { type: string; activation?: string }): string {
  return `${node.type === "activation" ? node.activation : node.type}_${i}`;
}

/**
 * Explicit form of a spec: every node named, with inputs (default: the previous node), explicit pads (from
 * `padding`, default "valid"), dilations, groups, ceilMode and countIncludePad. Checks the graph's structure
 * and every shape; returns the spec and each node's output shape.
 */
export function normalizeSpec(spec: LooseModelSpec | ModelSpec): { spec: ModelSpec; shapes: number[][] } {
  if (spec.layers.length === 0) throw new ModelFormatError("model has no layers");
  if (spec.layers.length > LIMITS.maxLayers) throw new ModelFormatError(`model has ${spec.layers.length} nodes, above the limit of ${LIMITS.maxLayers}`);
  const names = new Map<string, number>();
  const shapes: number[][] = [];
  const layers: Layer[] = spec.layers.map((loose: LooseLayer, i): Layer => {
    const inputs = loose.inputs ? [...loose.inputs] : [i - 1];
    for (const j of inputs)
      if (!Number.isInteger(j) || j < INPUT || j >= i)
        throw new ModelFormatError(`${nodeLabel(i, loose)}: input ${j} is not an earlier node (nodes must be in topological order; ${INPUT} is the model input)`);
    const name = loose.name ?? defaultNodeName(i, loose as { type: string; activation?: string });
    if (names.has(name)) throw new ModelFormatError(`${nodeLabel(i, loose)}: name "${name}" is already used by node ${names.get(name)}`);
    names.set(name, i);
    const ins = inputs.map((j) => (j < 0 ? spec.inputShape : shapes[j]));
    let node: Layer;
    if (loose.type === "conv2d" || loose.type === "maxPool2d" || loose.type === "avgPool2d") {
      const window = loose.type === "conv2d" ? loose.kernelSize : loose.poolSize;
      const dilations = loose.type === "conv2d" ? (loose.dilations ?? [1, 1]) : ([1, 1] as [number, number]);
      const image = ins[0]?.length === 3;
      const pads = loose.pads ?? (image ? padsFor(ins[0][0], ins[0][1], window, loose.strides, loose.padding ?? "valid", dilations) : [0, 0, 0, 0]);
      node =
        loose.type === "conv2d"
          ? { ...loose, name, inputs, pads: [...pads], dilations: [...dilations], groups: loose.groups ?? 1 }
          : { ...loose, name, inputs, pads: [...pads], ceilMode: loose.ceilMode ?? false, countIncludePad: loose.countIncludePad ?? false };
    } else {
      node = { ...loose, name, inputs } as Layer;
    }
    shapes.push(nodeOutputShape(i, node, ins));
    return node;
  });
  const used = new Set(layers.flatMap((l) => l.inputs));
  layers.forEach((l, i) => {
    if (i < layers.length - 1 && !used.has(i))
      throw new ModelFormatError(`${nodeLabel(i, l)}: its output is used by no node (the model's output is its last node; remove dead branches)`);
  });
  return { spec: { inputShape: [...spec.inputShape], layers, head: spec.head }, shapes };
}

/** True when every node reads exactly the node before it (a Sequential model). */
export function isChain(layers: readonly Layer[]): boolean {
  return layers.every((l, i) => l.inputs.length === 1 && l.inputs[0] === i - 1);
}

/** Index of a node given by index or name; OptionError naming the choices when there is no such node. */
export function nodeIndex(layers: readonly Layer[], layer: number | string, what = "layer"): number {
  if (typeof layer === "number") {
    if (Number.isInteger(layer) && layer >= 0 && layer < layers.length) return layer;
    throw new OptionError(`${what} must be a node index in 0..${layers.length - 1} or a node name, got ${layer}`);
  }
  const i = layers.findIndex((l) => l.name === layer);
  if (i >= 0) return i;
  const some = layers.slice(0, 12).map((l) => `"${l.name}"`).join(", ");
  throw new OptionError(`${what} "${layer}" names no node of this model (nodes: ${some}${layers.length > 12 ? ", …" : ""})`);
}

/** Shapes of a normalized spec (re-check). */
export function specShapes(spec: ModelSpec): number[][] {
  return inferShapes(spec.inputShape, spec.layers);
}
