/**
 * Shape inference for the network graph (NHWC; windowed ops with explicit pads, strides, dilations, ceil
 * mode). Throws ModelFormatError naming the node and what was expected. Pure arithmetic on small integers:
 * runs before any weight is allocated.
 */
import { ModelFormatError } from "../errors.js";
import { LIMITS, type Layer, type Pads } from "./types.js";

/** Output length and leading padding of a Keras-style "valid"/"same" windowed op along one axis (TensorFlow rule). */
export function windowAxis(size: number, window: number, stride: number, padding: "valid" | "same", dilation = 1): { out: number; padBefore: number; padAfter: number } {
  const span = dilation * (window - 1) + 1;
  if (padding === "valid") return { out: Math.floor((size - span) / stride) + 1, padBefore: 0, padAfter: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + span - size, 0);
  const padBefore = Math.floor(total / 2);
  return { out, padBefore, padAfter: total - padBefore };
}

/** Explicit pads [top, left, bottom, right] of a "valid"/"same" op on an h×w input. */
export function padsFor(h: number, w: number, kernel: [number, number], strides: [number, number], padding: "valid" | "same", dilations: [number, number] = [1, 1]): Pads {
  const y = windowAxis(h, kernel[0], strides[0], padding, dilations[0]);
  const x = windowAxis(w, kernel[1], strides[1], padding, dilations[1]);
  return [y.padBefore, x.padBefore, y.padAfter, x.padAfter];
}

/**
 * Output length of a windowed op along one axis with explicit pads: ⌊(size + before + after − span) / stride⌋ + 1,
 * or with ceilMode ⌈…⌉ + 1 minus one when the last window would start in the trailing padding (PyTorch's rule).
 */
export function windowOut(size: number, window: number, stride: number, before: number, after: number, dilation = 1, ceilMode = false): number {
  const span = dilation * (window - 1) + 1;
  const room = size + before + after - span;
  if (room < 0) return 0;
  if (!ceilMode) return Math.floor(room / stride) + 1;
  let out = Math.ceil(room / stride) + 1;
  if ((out - 1) * stride >= size + before) out--;
  return out;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** How a node is named in messages: `node 3 "block1.conv" (conv2d)`. */
export function nodeLabel(i: number, node: Pick<Layer, "type"> & { name?: string }): string {
  return `node ${i}${node.name ? ` "${node.name}"` : ""} (${node.type})`;
}

function checkSize(where: string, shape: number[]): number[] {
  const size = prod(shape);
  if (!(size >= 1)) throw new ModelFormatError(`${where}: output shape [${shape}] is empty (the network shrinks its input to nothing)`);
  if (size > LIMITS.maxActivationSize)
    throw new ModelFormatError(`${where}: output shape [${shape}] has ${size} values, above the limit of ${LIMITS.maxActivationSize}`);
  return shape;
}

function requireImage(where: string, input: readonly number[]): [number, number, number] {
  if (input.length !== 3) throw new ModelFormatError(`${where}: expects an [H, W, C] input, got shape [${input}]`);
  return [input[0], input[1], input[2]];
}

function checkPads(where: string, pads: Pads, kernel: [number, number], dilations: [number, number] = [1, 1]): void {
  if (pads.length !== 4 || pads.some((p) => !Number.isInteger(p) || p < 0))
    throw new ModelFormatError(`${where}: pads must be four non-negative integers [top, left, bottom, right], got [${pads}]`);
  const span = [dilations[0] * (kernel[0] - 1) + 1, dilations[1] * (kernel[1] - 1) + 1];
  if (pads[0] >= span[0] || pads[2] >= span[0] || pads[1] >= span[1] || pads[3] >= span[1])
    throw new ModelFormatError(`${where}: pads [${pads}] must each be smaller than the window's extent ${span[0]}×${span[1]} (a window entirely in the padding has no input)`);
}

/** Output shape of node i given the shapes of its inputs (in the node's input order). */
export function nodeOutputShape(i: number, node: Layer, inputs: readonly (readonly number[])[]): number[] {
  const where = nodeLabel(i, node);
  const arity = node.type === "add" || node.type === "concat" ? 2 : 1;
  if (arity === 1 && inputs.length !== 1) throw new ModelFormatError(`${where}: takes exactly one input, got ${inputs.length}`);
  if (arity === 2 && inputs.length < 2) throw new ModelFormatError(`${where}: takes two or more inputs, got ${inputs.length}`);
  const input = inputs[0];
  switch (node.type) {
    case "dense": {
      if (input.length !== 1)
        throw new ModelFormatError(`${where}: expects a flat input, got shape [${input}]; add a {"type": "flatten"} node before it`);
      const expected = input[0] * node.units;
      if (node.kernel.length !== expected)
        throw new ModelFormatError(`${where}: kernel has ${node.kernel.length} values, expected [in=${input[0]}, out=${node.units}] = ${expected}`);
      if (node.bias.length !== node.units) throw new ModelFormatError(`${where}: bias has ${node.bias.length} values, expected units = ${node.units}`);
      return checkSize(where, [node.units]);
    }
    case "conv2d": {
      const [h, w, c] = requireImage(where, input);
      const [kh, kw] = node.kernelSize;
      const g = node.groups;
      if (!Number.isInteger(g) || g < 1 || c % g !== 0 || node.filters % g !== 0)
        throw new ModelFormatError(`${where}: groups = ${g} must divide both the input channels (${c}) and the filters (${node.filters})`);
      const expected = kh * kw * (c / g) * node.filters;
      if (node.kernel.length !== expected)
        throw new ModelFormatError(
          `${where}: kernel has ${node.kernel.length} values, expected [kh=${kh}, kw=${kw}, inC/groups=${c / g}, outC=${node.filters}] = ${expected}`,
        );
      if (node.bias.length !== node.filters) throw new ModelFormatError(`${where}: bias has ${node.bias.length} values, expected filters = ${node.filters}`);
      checkPads(where, node.pads, node.kernelSize, node.dilations);
      const oh = windowOut(h, kh, node.strides[0], node.pads[0], node.pads[2], node.dilations[0]);
      const ow = windowOut(w, kw, node.strides[1], node.pads[1], node.pads[3], node.dilations[1]);
      return checkSize(where, [oh, ow, node.filters]);
    }
    case "maxPool2d":
    case "avgPool2d": {
      const [h, w, c] = requireImage(where, input);
      checkPads(where, node.pads, node.poolSize);
      const oh = windowOut(h, node.poolSize[0], node.strides[0], node.pads[0], node.pads[2], 1, node.ceilMode);
      const ow = windowOut(w, node.poolSize[1], node.strides[1], node.pads[1], node.pads[3], 1, node.ceilMode);
      return checkSize(where, [oh, ow, c]);
    }
    case "globalAvgPool2d":
      return [requireImage(where, input)[2]];
    case "batchNorm": {
      const c = input[input.length - 1];
      for (const f of ["gamma", "beta", "mean", "variance"] as const)
        if (node[f].length !== c) throw new ModelFormatError(`${where}: ${f} has ${node[f].length} values, expected the ${c} channels of its input [${input}]`);
      if (!(node.epsilon >= 0)) throw new ModelFormatError(`${where}: epsilon must be ≥ 0, got ${node.epsilon}`);
      return [...input];
    }
    case "add": {
      for (const s of inputs)
        if (s.length !== input.length || s.some((v, a) => v !== input[a]))
          throw new ModelFormatError(`${where}: inputs must have one shape, got [${inputs.map((x) => `[${x}]`).join(", ")}]`);
      return [...input];
    }
    case "concat": {
      const lead = input.slice(0, -1);
      for (const s of inputs)
        if (s.length !== input.length || s.slice(0, -1).some((v, a) => v !== lead[a]))
          throw new ModelFormatError(`${where}: inputs must agree in every axis but the last (channels), got [${inputs.map((x) => `[${x}]`).join(", ")}]`);
      return checkSize(where, [...lead, inputs.reduce((a, s) => a + s[s.length - 1], 0)]);
    }
    case "flatten":
      return [prod(input)];
    case "activation":
      return [...input];
  }
}

/** Output shape of every node, in order (inputs must be topologically earlier; INPUT = −1 is the data input). */
export function inferShapes(inputShape: readonly number[], layers: readonly Layer[]): number[][] {
  const shapes: number[][] = [];
  layers.forEach((node, i) => {
    const ins = node.inputs.map((j) => (j < 0 ? inputShape : shapes[j]));
    shapes.push(nodeOutputShape(i, node, ins));
  });
  return shapes;
}

/** Leading pads and output size of a conv2d/pool node on an [H, W, C] input (its explicit pads, dilations, ceil mode). */
export function windowPlacement(input: readonly number[], node: Extract<Layer, { type: "conv2d" | "maxPool2d" | "avgPool2d" }>): { padT: number; padL: number; oh: number; ow: number } {
  const [kh, kw] = node.type === "conv2d" ? node.kernelSize : node.poolSize;
  const [dh, dw] = node.type === "conv2d" ? node.dilations : [1, 1];
  const ceil = node.type !== "conv2d" && node.ceilMode;
  return {
    padT: node.pads[0],
    padL: node.pads[1],
    oh: windowOut(input[0], kh, node.strides[0], node.pads[0], node.pads[2], dh, ceil),
    ow: windowOut(input[1], kw, node.strides[1], node.pads[1], node.pads[3], dw, ceil),
  };
}
