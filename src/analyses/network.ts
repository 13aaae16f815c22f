/**
 * The batch passes every per-point analysis shares, over a compiled network uploaded to one kernel instance
 * (float32): the forward pass of a chunk with pattern capture, activation patterns and region hashes, and
 * exact per-point Jacobians of any compiled node — reverse mode (netVjp: m cotangent rows from the node,
 * dense nodes skip inactive units) or forward mode (netJvp: d tangent rows) when the input is smaller.
 */
import { OptionError } from "../errors.js";
import type { Arena } from "../engine/arena.js";
import type { GraphKernels, UploadedNetwork } from "../engine/network.js";
import { NOT_MATERIALIZED, valueBlock, type CompileOptions, type CompiledNetwork } from "../model/compile.js";

interface PassKernels extends GraphKernels {
  copyRowsF32(rows: number, len: number, src: number, lds: number, dst: number, ldd: number): void;
  transposeF32(rows: number, cols: number, src: number, lds: number, dst: number): void;
  identityF32(n: number, dst: number): void;
}

/** A chunk's forward state in the arena (f32): count×valueSize values, count×preSize, count×argSize i32. */
export interface ChunkState {
  up: UploadedNetwork;
  count: number;
  values: number;
  pre: number;
  argmax: number;
}

/** The forward pass of `count` points at `input` (count×d f32 in the arena). */
export function forwardChunk(arena: Arena, up: UploadedNetwork, input: number, count: number): ChunkState {
  const k = arena.kernels<PassKernels>();
  const net = up.net;
  const st = {
    up, count,
    values: arena.allocF32(count * net.valueSize),
    pre: arena.allocF32(Math.max(1, count * net.preSize)),
    argmax: arena.allocI32(Math.max(1, count * net.argSize)),
  };
  k.graphForwardF32(up.f32, input, count, st.values, st.pre, st.argmax);
  return st;
}

/** Pointers to point p's blocks. */
export function pointState(st: ChunkState, p: number): { values: number; pre: number; argmax: number } {
  const net = st.up.net;
  return { values: st.values + p * net.valueSize * 4, pre: st.pre + p * net.preSize * 4, argmax: st.argmax + p * net.argSize * 4 };
}

/** Compiled node j's outputs of every point of the chunk, gathered into `dst` (count×size f32). */
export function gatherNode(arena: Arena, st: ChunkState, j: number, dst: number): number {
  const b = valueBlock(st.up.net, j);
  arena.kernels<PassKernels>().copyRowsF32(st.count, b.size, st.values + b.offset * 4, st.up.net.valueSize, dst, b.size);
  return dst;
}

/** Activation patterns (count×patternWords u32) and region hashes (count u64) of the chunk. */
export function chunkPatterns(arena: Arena, st: ChunkState): { bits: number; hashes: number } {
  const k = arena.kernels<PassKernels>();
  const bits = arena.allocI32(st.count * st.up.net.patternWords);
  const hashes = arena.alloc(st.count * 8);
  k.graphPatternF32(st.up.f32, st.pre, st.count, bits);
  k.graphHash(st.up.f32, bits, st.argmax, st.count, hashes);
  return { bits, hashes };
}

/**
 * The compiled node holding source node `layer`'s output (index or name), and the compile options that keep
 * it materialized when folding or fusion would hide it (undefined when the default compile has it).
 */
export function resolveNode(net: CompiledNetwork, layer: unknown, what = "output.layer"): { source: number; compileOptions?: CompileOptions } {
  const last = net.nodeNames.length - 1;
  let source: number;
  if (typeof layer === "number") {
    if (!Number.isInteger(layer) || layer < 0 || layer > last) throw new OptionError(`${what} must be an integer layer index in 0..${last} or a node name, got ${layer}`);
    source = layer;
  } else if (typeof layer === "string") {
    source = net.nodeNames.indexOf(layer);
    if (source < 0) {
      const some = net.nodeNames.slice(0, 12).map((n) => `"${n}"`).join(", ");
      throw new OptionError(`${what} "${layer}" names no node of this model (nodes: ${some}${net.nodeNames.length > 12 ? ", …" : ""})`);
    }
  } else throw new OptionError(`${what} must be a node index or name, got ${JSON.stringify(layer)}`);
  return { source, ...(net.sourceToCompiled[source] === NOT_MATERIALIZED ? { compileOptions: { keep: [source] } } : {}) };
}

/** Compiled node of source node `source` (the net must have been compiled to keep it). */
export function compiledNode(net: CompiledNetwork, source: number): number {
  const c = net.sourceToCompiled[source];
  if (c === NOT_MATERIALIZED) throw new Error(`internal: node ${source} is not materialized in this compile`);
  return c;
}

export interface JacobianWorkspace {
  /** Compiled node differentiated (−1: the input itself). */
  target: number;
  m: number;
  d: number;
  mode: "reverse" | "forward";
  /** m×d f32: the result. */
  J: number;
  work: number;
  tan: number;
  eye: number;
}

/** `"name" (node k)` for messages: the node a `layer` option names, or the last source node computed into compiled node `target` when none is given. */
export function nodeLabel(net: CompiledNetwork, layer: unknown, target: number): string {
  const source = layer === undefined ? net.sourceToCompiled.lastIndexOf(target) : resolveNode(net, layer).source;
  return `"${net.nodeNames[source]}" (node ${source})`;
}

/** Reverse mode (m cotangent rows) unless the input is smaller than the node (d tangent rows). */
function jacobianMode(m: number, d: number): "reverse" | "forward" {
  return d < m ? "forward" : "reverse";
}

/** Scratch for Jacobians of compiled node `target` (allocate once per chunk, reuse for every point). */
export function jacobianWorkspace(arena: Arena, up: UploadedNetwork, target: number): JacobianWorkspace {
  const k = arena.kernels<PassKernels>();
  const net = up.net;
  const m = valueBlock(net, target).size, d = net.inputSize;
  const mode = jacobianMode(m, d);
  const J = arena.allocF32(m * d);
  if (mode === "reverse") return { target, m, d, mode, J, work: arena.alloc(k.graphVjpWorkBytesF32(up.f32, m)), tan: 0, eye: 0 };
  const eye = arena.allocF32(d * d);
  k.identityF32(d, eye);
  return { target, m, d, mode, J, work: 0, tan: arena.allocF32(d * net.valueSize), eye };
}

/**
 * Bytes of Wasm memory jacobianWorkspace takes for compiled node `target` (m outputs), counted in doubles on
 * the host, where the kernels' own 32-bit size arithmetic (graphVjpWorkBytesF32) would wrap past 4 GiB: J
 * (m×d f32), then reverse mode's m cotangent rows over every node output and the dense transposes' m×maxWidth
 * compaction (f32), or forward mode's d×d identity and d tangent rows over every node output (f32). For the
 * callers' requireWasmMemory (src/engine/wasmMemory.ts); the largest conv transpose scratch is left out.
 */
export function jacobianWorkspaceBytes(net: CompiledNetwork, target: number): number {
  const m = valueBlock(net, target).size, d = net.inputSize;
  const J = 4 * m * d;
  if (jacobianMode(m, d) === "forward") return J + 4 * d * d + 4 * d * net.valueSize;
  return J + 4 * m * (net.valueSize + net.maxWidth) + 4 * (net.nodeCount + 1);
}

/** J (m×d f32 row-major, at ws.J) of point p of the chunk; valid until the next call with the workspace. */
export function pointJacobian(arena: Arena, st: ChunkState, p: number, ws: JacobianWorkspace): number {
  const k = arena.kernels<PassKernels>();
  const pt = pointState(st, p);
  const up = st.up;
  if (ws.mode === "reverse") {
    k.graphVjpF32(up.f32, pt.values, pt.pre, pt.argmax, ws.m, ws.target, 0, ws.J, ws.work);
  } else {
    k.graphJvpF32(up.f32, pt.values, pt.pre, pt.argmax, ws.d, ws.eye, ws.tan, 0);
    k.transposeF32(ws.d, ws.m, ws.tan + valueBlock(up.net, ws.target).offset * 4, up.net.valueSize, ws.J);
  }
  return ws.J;
}
