/**
 * The compiled network (src/model/compile.ts) as the exact region analyses walk it: uploaded once per host
 * arena and model (its float64 descriptor is what the graph kernels take), with its kink nodes — the nodes
 * where regions split: relu/leakyRelu units and max-pool windows. Region rows (polygons of the plane) are
 * the pattern words then the max-pool argmax words, the order `graphHash` and `engine.forward` hash them in.
 */
import type { Arena } from "../../engine/arena.js";
import { uploadNetwork, type UploadedNetwork } from "../../engine/network.js";
import { NonFiniteError, ShapeError, UnsupportedLayerError } from "../../errors.js";
import { compileNetwork, nodeField } from "../../model/compile.js";
import type { Model } from "../../model/model.js";
import * as O from "../../model/opcodes.js";
import { PIECEWISE_LINEAR } from "../../model/types.js";

export interface RegionNetwork {
  up: UploadedNetwork;
  /** Compiled nodes where regions split (relu/leakyRelu, max pool), in node order. */
  kinks: number[];
  /** u32 words per region row: patternWords, then argSize argmax words. */
  rowWords: number;
}

const cache = new WeakMap<Arena, WeakMap<Model, RegionNetwork>>();

/**
 * The model compiled and uploaded into `arena` (cached per arena and model: call outside any `arena.scoped`
 * block, the upload is persistent). A smooth activation (sigmoid, tanh, softplus) has no linear regions:
 * UnsupportedLayerError naming its node.
 */
export function regionNetwork(arena: Arena, model: Model): RegionNetwork {
  let byModel = cache.get(arena);
  if (!byModel) cache.set(arena, (byModel = new WeakMap()));
  const hit = byModel.get(model);
  if (hit) return hit;
  model.layers.forEach((node, i) => {
    if ("activation" in node && !PIECEWISE_LINEAR.has(node.activation)) {
      throw new UnsupportedLayerError(`exact linear regions: layer ${i} has activation ${node.activation} (node "${node.name}"); supported are relu, leakyRelu and linear`);
    }
  });
  const net = compileNetwork(model);
  const kinks: number[] = [];
  for (let k = 0; k < net.nodeCount; k++) {
    if (nodeField(net, k, O.F_ACT) !== O.ACT_LINEAR || nodeField(net, k, O.F_OP) === O.OP_MAXPOOL) kinks.push(k);
  }
  const rn = { up: uploadNetwork(arena, net), kinks, rowWords: net.patternWords + net.argSize };
  byModel.set(model, rn);
  return rn;
}

/** A point argument as Float64Array of length d, checked. */
export function pointArg(name: string, x: ArrayLike<number>, d: number): Float64Array {
  if (!x || typeof x.length !== "number") throw new ShapeError(`${name}: expected an array of ${d} numbers, got ${typeof x}`);
  if (x.length !== d) throw new ShapeError(`${name}: expected ${d} values (the model's input size), got ${x.length}`);
  const out = Float64Array.from(x);
  for (let i = 0; i < d; i++) if (!Number.isFinite(out[i])) throw new NonFiniteError(`${name}[${i}] is ${out[i]}`);
  return out;
}

/** 64-bit views into the arena (the Arena class has f32/f64/i32/u8/u32). */
export function u64View(arena: Arena, ptr: number, len: number): BigUint64Array {
  return new BigUint64Array(arena.memory.buffer, ptr, len);
}
