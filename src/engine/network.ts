/**
 * Uploading a compiled network (src/model/compile.ts) into one kernel instance: the layer table once, the
 * params in float32 and in float64, and one descriptor per precision (NET_WORDS i32, opcodes.ts) — the single
 * pointer every graph kernel (assembly/graph/network.ts) takes as `net`.
 */
import type { Arena } from "./arena.js";
import type { CompiledNetwork } from "../model/compile.js";
import * as O from "../model/opcodes.js";

/** A compiled network living in an arena: descriptor pointers per precision. */
export interface UploadedNetwork {
  net: CompiledNetwork;
  /** Descriptor of the float32 instance (params as f32). */
  f32: number;
  /** Descriptor of the float64 instance (params as f64). */
  f64: number;
  /** Arena bytes taken. */
  bytes: number;
  /** Per-model data jobs derived once (Job.prepare), by name: arena pointers inside the model cache. */
  derived: Map<string, number>;
}

/** Signatures of the graph kernels (f32/f64 instances; pointers are byte offsets into the arena). */
export interface GraphKernels {
  graphForwardF32(net: number, x: number, count: number, values: number, pre: number, argmax: number): void;
  graphForwardF64(net: number, x: number, count: number, values: number, pre: number, argmax: number): void;
  graphPatternF32(net: number, pre: number, count: number, bits: number): void;
  graphPatternF64(net: number, pre: number, count: number, bits: number): void;
  graphHash(net: number, bits: number, argmax: number, count: number, hashes: number): void;
  graphJvpF32(net: number, values: number, pre: number, argmax: number, rows: number, tin: number, tan: number, tanPre: number): void;
  graphJvpF64(net: number, values: number, pre: number, argmax: number, rows: number, tin: number, tan: number, tanPre: number): void;
  graphVjpF32(net: number, values: number, pre: number, argmax: number, rows: number, target: number, cot: number, gin: number, work: number): void;
  graphVjpF64(net: number, values: number, pre: number, argmax: number, rows: number, target: number, cot: number, gin: number, work: number): void;
  graphVjpWorkBytesF32(net: number, rows: number): number;
  graphVjpWorkBytesF64(net: number, rows: number): number;
  graphCrossingF32(net: number, values: number, pre: number, argmax: number, tan: number, tanPre: number, tmax: number, outUnit: number): number;
  graphCrossingF64(net: number, values: number, pre: number, argmax: number, tan: number, tanPre: number, tmax: number, outUnit: number): number;
}

/** Copy `net` into the arena (persistent: allocate before any call's scratch). */
export function uploadNetwork(arena: Arena, net: CompiledNetwork): UploadedNetwork {
  const start = arena.mark();
  const table = arena.putI32(net.table);
  const p32 = arena.putF32(net.params);
  const p64 = arena.putF64(net.params);
  const descriptor = (params: number) => {
    const words = new Int32Array(O.NET_WORDS);
    words[O.NET_TABLE] = table;
    words[O.NET_PARAMS] = params;
    words[O.NET_NODES] = net.nodeCount;
    words[O.NET_INPUT_SIZE] = net.inputSize;
    words[O.NET_OUTPUT_SIZE] = net.outputSize;
    words[O.NET_VALUE_SIZE] = net.valueSize;
    words[O.NET_PRE_SIZE] = net.preSize;
    words[O.NET_ARG_SIZE] = net.argSize;
    words[O.NET_PATTERN_BITS] = net.patternBits;
    words[O.NET_PATTERN_WORDS] = net.patternWords;
    words[O.NET_OUTPUT_NODE] = net.outputNode;
    words[O.NET_MAX_WIDTH] = net.maxWidth;
    return arena.putI32(words);
  };
  const f32 = descriptor(p32);
  const f64 = descriptor(p64);
  return { net, f32, f64, bytes: arena.mark() - start, derived: new Map() };
}
