/**
 * A model seen as a piecewise-linear map for the exact region analyses: its dense and activation layers as
 * float64 steps (weights uploaded once per arena as f64), with each relu/leakyRelu step's first bit in the
 * activation pattern — the same bit order as the engine's forward pass (src/engine/plan.ts), so that pattern
 * hashes agree with `engine.forward(...).regionHash`.
 */
import type { Arena } from "../../engine/arena.js";
import { NonFiniteError, ShapeError, UnsupportedLayerError } from "../../errors.js";
import type { Model } from "../../model/model.js";

export interface PwlStep {
  layer: number;
  /** dense: z = x·W + b (W f64 in×out at `kernel`, b at `bias`); act: z = x. */
  kind: "dense" | "act";
  inSize: number;
  outSize: number;
  kernel: number;
  bias: number;
  /** Piecewise-linear units: relu/leakyRelu split the domain; linear does not. */
  act: "linear" | "relu" | "leakyRelu";
  /** Slope for negative inputs: 0 (relu), alpha (leakyRelu), 1 (linear). */
  alpha: number;
  /** First pattern bit of this step's units (relu/leakyRelu only). */
  offset: number;
}

export interface PwlNet {
  steps: PwlStep[];
  inputSize: number;
  outputSize: number;
  patternBits: number;
  patternWords: number;
}

const cache = new WeakMap<Arena, WeakMap<Model, PwlNet>>();

/**
 * The model's steps with f64 weights in `arena` (cached per arena and model). Call outside any
 * `arena.scoped` block: the weights are persistent allocations. Throws UnsupportedLayerError for conv,
 * pooling and smooth activations (exact regions are implemented for dense ReLU/leakyReLU networks).
 */
export function piecewiseLinearNet(arena: Arena, model: Model): PwlNet {
  let byModel = cache.get(arena);
  if (!byModel) cache.set(arena, (byModel = new WeakMap()));
  const hit = byModel.get(model);
  if (hit) return hit;
  const steps: PwlStep[] = [];
  let size = model.inputSize;
  let bits = 0;
  model.layers.forEach((layer, i) => {
    if (layer.type === "flatten") return;
    if (layer.type !== "dense" && layer.type !== "activation") {
      throw new UnsupportedLayerError(`exact linear regions: layer ${i} is ${layer.type}; supported are dense, activation and flatten layers (dense ReLU/leakyReLU networks)`);
    }
    const act = layer.activation;
    if (act !== "linear" && act !== "relu" && act !== "leakyRelu") {
      throw new UnsupportedLayerError(`exact linear regions: layer ${i} has activation ${act}; supported are relu, leakyRelu and linear`);
    }
    const alpha = act === "relu" ? 0 : act === "leakyRelu" ? (layer.alpha ?? 0.3) : 1;
    const outSize = layer.type === "dense" ? layer.units : size;
    let kernel = 0, bias = 0;
    if (layer.type === "dense") {
      kernel = arena.putF64(layer.kernel);
      bias = arena.putF64(layer.bias);
    }
    steps.push({ layer: i, kind: layer.type === "dense" ? "dense" : "act", inSize: size, outSize, kernel, bias, act, alpha, offset: bits });
    if (act !== "linear") bits += outSize;
    size = outSize;
  });
  const net = { steps, inputSize: model.inputSize, outputSize: size, patternBits: bits, patternWords: Math.max(1, Math.ceil(bits / 32)) };
  byModel.set(model, net);
  return net;
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
