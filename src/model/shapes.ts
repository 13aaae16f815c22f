/**
 * Shape inference for a layer chain (tfjs/Keras conventions, NHWC). Throws ModelFormatError naming the layer
 * index and what was expected. Pure arithmetic on small integers: runs before any weight is allocated.
 */
import { ModelFormatError } from "../errors.js";
import { LIMITS, type Layer } from "./types.js";

/** Output length and leading padding of a windowed op along one axis. */
export function windowAxis(size: number, window: number, stride: number, padding: "valid" | "same"): { out: number; padBefore: number } {
  if (padding === "valid") return { out: Math.floor((size - window) / stride) + 1, padBefore: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + window - size, 0);
  return { out, padBefore: Math.floor(total / 2) };
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function checkSize(i: number, shape: number[]): number[] {
  const size = prod(shape);
  if (!(size >= 1)) throw new ModelFormatError(`layer ${i}: output shape [${shape}] is empty (the layer chain shrinks the input to nothing)`);
  if (size > LIMITS.maxActivationSize)
    throw new ModelFormatError(`layer ${i}: output shape [${shape}] has ${size} values, above the limit of ${LIMITS.maxActivationSize}`);
  return shape;
}

/** Output shape of `layer` (index i) given its input shape. */
export function layerOutputShape(i: number, layer: Layer, input: readonly number[]): number[] {
  switch (layer.type) {
    case "dense": {
      if (input.length !== 1)
        throw new ModelFormatError(`layer ${i} (dense): expects a flat input, got shape [${input}]; add a {"type": "flatten"} layer before it`);
      const expected = input[0] * layer.units;
      if (layer.kernel.length !== expected)
        throw new ModelFormatError(`layer ${i} (dense): kernel has ${layer.kernel.length} values, expected [in=${input[0]}, out=${layer.units}] = ${expected}`);
      if (layer.bias.length !== layer.units)
        throw new ModelFormatError(`layer ${i} (dense): bias has ${layer.bias.length} values, expected units = ${layer.units}`);
      return checkSize(i, [layer.units]);
    }
    case "conv2d": {
      if (input.length !== 3)
        throw new ModelFormatError(`layer ${i} (conv2d): expects an [H, W, C] input, got shape [${input}]`);
      const [h, w, c] = input;
      const [kh, kw] = layer.kernelSize;
      const expected = kh * kw * c * layer.filters;
      if (layer.kernel.length !== expected)
        throw new ModelFormatError(
          `layer ${i} (conv2d): kernel has ${layer.kernel.length} values, expected [kh=${kh}, kw=${kw}, inC=${c}, outC=${layer.filters}] = ${expected}`,
        );
      if (layer.bias.length !== layer.filters)
        throw new ModelFormatError(`layer ${i} (conv2d): bias has ${layer.bias.length} values, expected filters = ${layer.filters}`);
      const oh = windowAxis(h, kh, layer.strides[0], layer.padding).out;
      const ow = windowAxis(w, kw, layer.strides[1], layer.padding).out;
      return checkSize(i, [oh, ow, layer.filters]);
    }
    case "maxPool2d":
    case "avgPool2d": {
      if (input.length !== 3)
        throw new ModelFormatError(`layer ${i} (${layer.type}): expects an [H, W, C] input, got shape [${input}]`);
      const [h, w, c] = input;
      const oh = windowAxis(h, layer.poolSize[0], layer.strides[0], layer.padding).out;
      const ow = windowAxis(w, layer.poolSize[1], layer.strides[1], layer.padding).out;
      return checkSize(i, [oh, ow, c]);
    }
    case "flatten":
      return [prod(input)];
    case "activation":
      return [...input];
  }
}

/** Output shape of every layer, in order. */
export function inferShapes(inputShape: readonly number[], layers: readonly Layer[]): number[][] {
  const shapes: number[][] = [];
  let s: readonly number[] = inputShape;
  layers.forEach((layer, i) => {
    s = layerOutputShape(i, layer, s);
    shapes.push([...s]);
  });
  return shapes;
}
