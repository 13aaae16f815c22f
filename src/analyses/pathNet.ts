/**
 * The compiled network as the path analyses (leaves, geodesics, singular points) walk it: the compile options
 * of a path job (a pullback distribution keeps its node materialized; src/model/compile.ts), the same network
 * compiled in the calling thread for validation and geometry, the float64 graph kernels' signatures, and the
 * leaf walk's packed descriptor (one pointer for assembly/leaf.ts and leafSmooth.ts; slots LW_* of
 * assembly/leafStop.ts, mirrored here). The jobs declare their compile options (`Job.compile`), so each kernel
 * instance uploads the network once and keeps it (src/engine/compute.ts): chunks carry points, not weights.
 */
import { OptionError } from "../errors.js";
import type { Arena } from "../engine/arena.js";
import type { GraphKernels } from "../engine/network.js";
import { requireWasmMemory } from "../engine/wasmMemory.js";
import { compileNetwork, NOT_MATERIALIZED, type CompileOptions, type CompiledNetwork } from "../model/compile.js";
import * as O from "../model/opcodes.js";
import type { ModelSpec } from "../model/types.js";

/** Signatures of the path kernels (assembly/leaf.ts, leafSmooth.ts, geodesic.ts, graph/network.ts). */
export interface PathKernels extends GraphKernels {
  leafBasisF64(m: number, d: number, J: number, centre: number, rankTol: number, Q: number): number;
  leafProjectF64(r: number, d: number, Q: number, w: number, kernel: number, out: number): number;
  leafWorkBytes(net: number, m: number): number;
  leafExactF64(desc: number): number;
  leafSmoothWorkBytes(net: number, m: number): number;
  leafSmoothF64(desc: number): number;
  netEnterSideF64(net: number, values: number, pre: number, argmax: number, tan: number, tanPre: number, node: number, unit: number): void;
  netResolveTiesF64(net: number, values: number, pre: number, argmax: number, tan: number, tanPre: number): number;
  netConstraintsF64(net: number, values: number, pre: number, argmax: number, rows: number, tan: number, tanPre: number, cap: number, cb: number, M: number, code: number, other: number): number;
  netFlipNearF64(net: number, values: number, pre: number, argmax: number, tol: number): number;
  netChoice(net: number, argmax: number, node: number, unit: number): number;
  netUnitCode(net: number, node: number, unit: number): number;
  fnv64(words: number, count: number, h: bigint): bigint;
}

/** Slots of the leaf walk's descriptor (assembly/leafStop.ts LW_*; the same numbers). */
export const LW = {
  net: 0, target: 1, kernel: 2, centre: 3, rankTol: 4, x0: 5, dir: 6, tgt: 7, maxLength: 8, lo: 9, hi: 10, maxFlips: 11,
  maxVertices: 12, points: 13, params: 14, outs: 15, ranks: 16, hashes: 17, cross: 18, status: 19, work: 20, step: 21, tol: 22,
} as const;
export const LW_SLOTS = 23;

/** Write a walk descriptor (LW_SLOTS f64) into the arena; returns its pointer. */
export function putDescriptor(arena: Arena, slots: Partial<Record<keyof typeof LW, number>>): number {
  const v = new Float64Array(LW_SLOTS);
  for (const [k, x] of Object.entries(slots)) v[LW[k as keyof typeof LW]] = x;
  return arena.putF64(v);
}

/** Which node's Jacobian defines the distribution, and whether its rows are centred (the DIM). */
export interface DistributionSpec {
  /** Source node whose output the pullback metric is of (−1: the DIM on the logits). */
  layer: number;
  /** Compiled node index (in the network compiled by pathNetwork(spec, layer)). */
  target: number;
  /** Its output size. */
  m: number;
  centre: boolean;
  kernel: boolean;
  /** Rank of the distribution at a generic point: min(C − 1, d) for the DIM, min(m, d) for g. */
  genericRank: number;
}

const compiled = new WeakMap<ModelSpec, Map<number, CompiledNetwork>>();

/**
 * Compile options of a path job whose distribution is of source node `layer` (−1: the DIM on the logits,
 * the default compile): the node kept materialized. A job returns these from `Job.compile`, and the kernel
 * instance runs it on the network compiled with them (uploaded once, cached by model and options).
 */
export function pathCompileOptions(layer: number): CompileOptions | undefined {
  return layer >= 0 ? { keep: [layer] } : undefined;
}

/** The model compiled for a path analysis, as pathCompileOptions(layer) compiles it (cached per spec and layer). */
export function pathNetwork(spec: ModelSpec, layer = -1): CompiledNetwork {
  let byLayer = compiled.get(spec);
  if (!byLayer) compiled.set(spec, (byLayer = new Map()));
  let net = byLayer.get(layer);
  if (!net) byLayer.set(layer, (net = compileNetwork(spec, pathCompileOptions(layer))));
  return net;
}

/** The piecewise-linear test: every compiled node's activation is linear, relu or leakyRelu. */
export function piecewiseLinear(net: CompiledNetwork): boolean {
  for (let k = 0; k < net.nodeCount; k++) if (net.table[k * O.NODE_STRIDE + O.F_ACT] > O.ACT_LEAKY) return false;
  return true;
}

/** Output size of compiled node k (NODE_INPUT: the input). */
export function nodeSize(net: CompiledNetwork, k: number): number {
  return k < 0 ? net.inputSize : net.table[k * O.NODE_STRIDE + O.F_OUT_SIZE];
}

/** The compiled node holding source node `layer`'s output (compiled with it kept). */
export function compiledNode(spec: ModelSpec, layer: number): number {
  const net = pathNetwork(spec, layer);
  const k = net.sourceToCompiled[layer];
  if (k === NOT_MATERIALIZED) throw new OptionError(`distribution.layer ${layer} is not materialized by the compiled network`);
  return k;
}

/**
 * The dominant float64 work of one point's Jacobian of an m-output node in the path kernels (assembly/leaf.ts
 * leafWorkBytes, the leafRank job): J and its basis (m×d each) and the reverse pass's m cotangent rows over
 * every node output (netVjpWorkBytes). Counted in doubles here because the kernels' size arithmetic is 32-bit:
 * past 4 GiB it would wrap, so such a distribution is refused before it runs.
 */
function jacobianWorkBytes(net: CompiledNetwork, m: number): number {
  return 8 * m * (2 * net.inputSize + net.valueSize);
}

/** Resolve the distribution against the model. */
export function resolveDistribution(spec: ModelSpec, dist: unknown): DistributionSpec {
  const plain = pathNetwork(spec);
  const d = plain.inputSize;
  if (dist === undefined || dist === "data" || dist === "kernel")
    return { layer: -1, target: plain.outputNode, m: plain.outputSize, centre: true, kernel: dist === "kernel", genericRank: Math.min(plain.outputSize - 1, d) };
  if (typeof dist === "object" && dist !== null && (dist as { metric?: unknown }).metric === "pullback") {
    const n = spec.layers.length;
    const layer = (dist as { layer?: unknown }).layer;
    const idx = layer === undefined ? n - 1 : layer;
    if (!Number.isInteger(idx) || (idx as number) < 0 || (idx as number) >= n)
      throw new OptionError(`distribution.layer must be a layer index in 0..${n - 1}, got ${String(layer)}`);
    const target = compiledNode(spec, idx as number);
    const net = pathNetwork(spec, idx as number);
    const m = nodeSize(net, target);
    requireWasmMemory(
      jacobianWorkBytes(net, m),
      (gib) =>
        `distribution.layer "${spec.layers[idx as number].name}" (node ${idx}): ker g of a node with m = ${m} outputs needs ${gib} GiB of float64 ` +
        `Jacobian work at d = ${d} (m×d Jacobian and basis, m cotangent rows over the network's ${net.valueSize} node outputs)`,
      "choose a narrower node",
    );
    return { layer: idx as number, target, m, centre: false, kernel: true, genericRank: Math.min(m, d) };
  }
  throw new OptionError(`distribution must be "data", "kernel" or { metric: "pullback", layer }, got ${JSON.stringify(dist)}`);
}
