/**
 * The float64 form of a dense network that the leaf, geodesic and singular-point analyses walk on
 * (assembly/leafNet64.ts, assembly/leaf.ts): layers as (W out×in f64, bias, activation), uploaded as the
 * kernels' layer table.
 * Dense layers, standalone activations (merged into the preceding linear dense layer) and flatten (a no-op)
 * are supported; convolutions and pooling are not (yet) — paths on CNNs would need f64 conv kernels.
 */
import { UnsupportedLayerError } from "../errors.js";
import type { Arena } from "../engine/arena.js";
import { ACT_CODE } from "../model/opcodes.js";
import type { ModelSpec } from "../model/types.js";
import { DEFAULT_LEAKY_ALPHA } from "../reference/forward.js";

export interface DenseLayer64 {
  nIn: number;
  nOut: number;
  /** Activation code (model/opcodes.ts ACT_CODE). */
  act: number;
  alpha: number;
  /** nOut×nIn, row-major: row j = the weights into unit j. */
  W: Float64Array;
  bias: Float64Array;
}

export interface DenseNet64 {
  layers: DenseLayer64[];
  d: number;
  /** Output size of the last layer. */
  m: number;
  /** Σ nOut. */
  units: number;
  /** Widest layer or input. */
  maxWidth: number;
  /** relu/leakyRelu units (pattern bits) and the u32 words holding them. */
  patternBits: number;
  words: number;
  /** Every activation is linear, relu or leakyRelu: leaves are exact polylines. */
  piecewiseLinear: boolean;
  /** Index in `layers` of each model layer's output (flatten and merged activations map to the previous). */
  layerIndex: number[];
}

/** Signatures of the leaf kernels (assembly/leaf.ts). Pointers are byte offsets into the arena. */
export interface LeafKernels {
  leafNetForwardF64(net: number, layers: number, x: number, z: number, a: number, s: number, bits: number, words: number, frozen: number): number;
  netTangentF64(net: number, layers: number, u: number, s: number, dz: number, da: number): void;
  netUnitGradientF64(net: number, layers: number, bit: number, s: number, g: number, h: number, out: number): number;
  netJacobianF64(net: number, layers: number, target: number, s: number, g0: number, g1: number): number;
  leafBasisF64(m: number, d: number, J: number, centre: number, rankTol: number, Q: number): number;
  leafProjectF64(r: number, d: number, Q: number, w: number, kernel: number, out: number): number;
  leafWorkF64(d: number, units: number, m: number, maxWidth: number): number;
  leafExactF64(
    net: number, layers: number, d: number, target: number, kernelMode: number, centre: number, rankTol: number,
    x0: number, dir: number, tgt: number, maxLength: number, lo: number, hi: number, maxFlips: number,
    maxVertices: number, points: number, params: number, outs: number, ranks: number, hashes: number, cross: number,
    words: number, units: number, maxWidth: number, work: number, status: number,
  ): number;
  leafSmoothWorkF64(d: number, units: number, m: number, maxWidth: number): number;
  leafSmoothF64(
    net: number, layers: number, d: number, target: number, kernelMode: number, centre: number, rankTol: number,
    x0: number, dir: number, tgt: number, maxLength: number, step: number, tol: number, lo: number, hi: number,
    maxVertices: number, points: number, params: number, outs: number, ranks: number, hashes: number, cross: number,
    words: number, units: number, maxWidth: number, work: number, status: number,
  ): number;
  fnv64(words: number, count: number, h: bigint): bigint;
}

const cache = new WeakMap<ModelSpec, DenseNet64>();

/**
 * Normalize a model to dense float64 layers (cached per model object: models are immutable);
 * throws UnsupportedLayerError for convolutions and pooling.
 */
export function denseNet64(spec: ModelSpec): DenseNet64 {
  let net = cache.get(spec);
  if (!net) {
    net = buildDenseNet64(spec);
    cache.set(spec, net);
  }
  return net;
}

function buildDenseNet64(spec: ModelSpec): DenseNet64 {
  const layers: DenseLayer64[] = [];
  const layerIndex: number[] = [];
  let width = spec.inputShape.reduce((a, b) => a * b, 1);
  const d = width;
  spec.layers.forEach((layer, i) => {
    if (layer.type === "dense") {
      const nIn = width, nOut = layer.units;
      const W = new Float64Array(nOut * nIn); // nOut×nIn
      const K = layer.kernel;
      for (let a = 0; a < nIn; a++) {
        const row = a * nOut;
        for (let b = 0; b < nOut; b++) W[b * nIn + a] = K[row + b];
      }
      layers.push({ nIn, nOut, act: ACT_CODE[layer.activation], alpha: layer.alpha ?? DEFAULT_LEAKY_ALPHA, W, bias: Float64Array.from(layer.bias) });
      width = nOut;
    } else if (layer.type === "activation") {
      const prev = layers[layers.length - 1];
      if (layer.activation !== "linear") {
        if (!prev || prev.act !== 0)
          throw new UnsupportedLayerError(`leaf paths: layer ${i} (activation "${layer.activation}") must follow a dense layer without activation`);
        prev.act = ACT_CODE[layer.activation];
        prev.alpha = layer.alpha ?? DEFAULT_LEAKY_ALPHA;
      }
    } else if (layer.type !== "flatten") {
      throw new UnsupportedLayerError(`leaf paths support dense networks (dense, activation, flatten layers); layer ${i} is "${layer.type}"`);
    }
    layerIndex.push(layers.length - 1);
  });
  if (layers.length === 0) throw new UnsupportedLayerError("leaf paths: the model has no dense layer");
  const pl = (a: number) => a === ACT_CODE.relu || a === ACT_CODE.leakyRelu;
  const patternBits = layers.reduce((s, l) => s + (pl(l.act) ? l.nOut : 0), 0);
  return {
    layers,
    d,
    m: layers[layers.length - 1].nOut,
    units: layers.reduce((s, l) => s + l.nOut, 0),
    maxWidth: Math.max(d, ...layers.map((l) => l.nOut)),
    patternBits,
    words: Math.max(1, Math.ceil(patternBits / 32)),
    piecewiseLinear: layers.every((l) => l.act <= ACT_CODE.leakyRelu),
    layerIndex,
  };
}

/** Upload the weights and the layer table (L rows of 6 f64) into the arena; returns the table's pointer. */
export function uploadNet64(arena: Arena, net: DenseNet64): number {
  const rows = net.layers.map((l) => [l.nIn, l.nOut, l.act, arena.putF64(l.W), arena.putF64(l.bias), l.alpha]);
  return arena.putF64(rows.flat());
}

/** Scratch pointers for the network kernels of one walk (allocate once per call, reuse per point): kernel tests and the naive-integrator benchmark. */
export interface NetScratch {
  z: number; a: number; s: number; dz: number; da: number; g0: number; g1: number; Q: number; bits: number;
  x: number; w: number; out: number;
}

export function netScratch(arena: Arena, net: DenseNet64, m: number): NetScratch {
  const U = net.units;
  return {
    z: arena.allocF64(U), a: arena.allocF64(U), s: arena.allocF64(U), dz: arena.allocF64(U), da: arena.allocF64(U),
    g0: arena.allocF64(m * net.maxWidth), g1: arena.allocF64(m * net.maxWidth), Q: arena.allocF64(m * net.d),
    bits: arena.allocI32(net.words), x: arena.allocF64(net.d), w: arena.allocF64(net.d), out: arena.allocF64(net.d),
  };
}

/** Which layer's Jacobian defines the distribution, and whether its rows are centred (the DIM). */
export interface DistributionSpec {
  /** Index into DenseNet64.layers. */
  target: number;
  centre: boolean;
  kernel: boolean;
  /** Rank of the distribution at a generic point: min(C − 1, d) for the DIM, min(m, d) for g. */
  genericRank: number;
}
