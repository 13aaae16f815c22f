/**
 * A model compiled for one kernel instance: its layers as ops with geometry, and its weights uploaded to
 * the arena as f32 (dense kernels both as [in, out] for forward products and transposed [out, in] for the
 * reverse products that skip inactive units). One op per layer, in order: op l computes layer l's output.
 */
import type { Arena } from "./arena.js";
import { windowPlacement } from "../model/shapes.js";
import { requireChainSubset } from "../model/legacyChain.js";
import type { ActivationName, ModelSpec } from "../model/types.js";

/** Activation codes shared with assembly/activation.ts. */
export const ACT_CODE: Record<ActivationName, number> = { linear: 0, relu: 1, leakyRelu: 2, sigmoid: 3, tanh: 4, softplus: 5 };

/** Geometry of a windowed op on one NHWC image. */
export interface WindowGeometry {
  h: number; w: number; c: number; kh: number; kw: number; sh: number; sw: number;
  padT: number; padL: number; oh: number; ow: number; oc: number;
}

/** The plan's window geometry: also the trailing pads and average pooling's divisor rule (countIncludePad 0/1). */
export interface OpGeometry extends WindowGeometry {
  padB: number; padR: number; countIncludePad: number;
}

interface OpBase {
  layer: number;
  inSize: number;
  outSize: number;
  /** Activation applied after the linear part (0 = linear: no pre-activation/derivative buffers). */
  act: number;
  alpha: number;
  /** Piecewise-linear units (relu, leakyRelu) whose signs enter the activation pattern. */
  patternUnits: number;
}

export type Op =
  | (OpBase & { kind: "dense"; kernel: number; kernelT: number; bias: number })
  | (OpBase & { kind: "conv"; geo: OpGeometry; kernel: number; bias: number })
  | (OpBase & { kind: "maxPool" | "avgPool"; geo: OpGeometry })
  | (OpBase & { kind: "act" })
  | (OpBase & { kind: "flatten" });

export interface Plan {
  ops: Op[];
  inputSize: number;
  outputSize: number;
  head: "softmax" | "none";
  /** Total relu/leakyRelu units: bits in one point's activation pattern. */
  patternBits: number;
  /** u32 words per point's pattern bitset. */
  patternWords: number;
  /** Largest per-point layer size (input included). */
  maxWidth: number;
  /** Bytes of the arena taken by the weights. */
  bytes: number;
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Compile `spec` and upload its weights into `arena` (persistent: allocate before any call's scratch). */
export function uploadPlan(arena: Arena, spec: ModelSpec): Plan {
  return buildPlan(spec, arena);
}

/** The plan's geometry alone (weight pointers 0): what the calling thread needs to size results. */
export function compilePlan(spec: ModelSpec): Plan {
  return buildPlan(spec);
}

function buildPlan(spec: ModelSpec, arena?: Arena): Plan {
  requireChainSubset(spec, "the float32 plan");
  const start = arena?.mark() ?? 0;
  const ops: Op[] = [];
  let shape = [...spec.inputShape];
  let patternBits = 0;
  let maxWidth = prod(shape);
  spec.layers.forEach((layer, i) => {
    const inSize = prod(shape);
    const actName: ActivationName = "activation" in layer ? layer.activation : "linear";
    const act = ACT_CODE[actName];
    const alpha = "alpha" in layer && layer.alpha !== undefined ? layer.alpha : 0.3;
    const base = { layer: i, inSize, act, alpha };
    const units = (size: number) => (actName === "relu" || actName === "leakyRelu" ? size : 0);
    switch (layer.type) {
      case "dense": {
        const nIn = inSize, nOut = layer.units;
        let kernel = 0, kernelT = 0, bias = 0;
        if (arena) {
          kernel = arena.putF32(layer.kernel);
          kernelT = arena.allocF32(nIn * nOut);
          const kt = arena.f32(kernelT, nIn * nOut); // nOut×nIn: row j = the weights into unit j
          for (let a = 0; a < nIn; a++) for (let b = 0; b < nOut; b++) kt[b * nIn + a] = layer.kernel[a * nOut + b];
          bias = arena.putF32(layer.bias);
        }
        ops.push({ ...base, kind: "dense", outSize: nOut, patternUnits: units(nOut), kernel, kernelT, bias });
        shape = [nOut];
        break;
      }
      case "conv2d": {
        const [h, w, c] = shape;
        const [kh, kw] = layer.kernelSize;
        const [sh, sw] = layer.strides;
        const y = windowPlacement(shape, layer);
        const geo = { h, w, c, kh, kw, sh, sw, padT: y.padT, padL: y.padL, padB: layer.pads[2], padR: layer.pads[3], oh: y.oh, ow: y.ow, oc: layer.filters, countIncludePad: 0 };
        const outSize = y.oh * y.ow * layer.filters;
        ops.push({ ...base, kind: "conv", outSize, patternUnits: units(outSize), geo, kernel: arena ? arena.putF32(layer.kernel) : 0, bias: arena ? arena.putF32(layer.bias) : 0 });
        shape = [y.oh, y.ow, layer.filters];
        break;
      }
      case "maxPool2d":
      case "avgPool2d": {
        const [h, w, c] = shape;
        const [kh, kw] = layer.poolSize;
        const [sh, sw] = layer.strides;
        const y = windowPlacement(shape, layer);
        const geo = { h, w, c, kh, kw, sh, sw, padT: y.padT, padL: y.padL, padB: layer.pads[2], padR: layer.pads[3], oh: y.oh, ow: y.ow, oc: c, countIncludePad: layer.countIncludePad ? 1 : 0 };
        ops.push({ ...base, act: 0, kind: layer.type === "maxPool2d" ? "maxPool" : "avgPool", outSize: y.oh * y.ow * c, patternUnits: 0, geo });
        shape = [y.oh, y.ow, c];
        break;
      }
      case "flatten":
        ops.push({ ...base, act: 0, kind: "flatten", outSize: inSize, patternUnits: 0 });
        shape = [inSize];
        break;
      case "activation":
        ops.push({ ...base, kind: "act", outSize: inSize, patternUnits: units(inSize) });
        break;
      default:
        throw new Error(`unreachable: ${layer.type}`);
    }
    patternBits += ops[ops.length - 1].patternUnits;
    maxWidth = Math.max(maxWidth, prod(shape));
  });
  return {
    ops,
    inputSize: prod(spec.inputShape),
    outputSize: prod(shape),
    head: spec.head,
    patternBits,
    patternWords: Math.max(1, Math.ceil(patternBits / 32)),
    maxWidth,
    bytes: arena ? arena.mark() - start : 0,
  };
}
