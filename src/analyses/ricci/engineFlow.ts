/**
 * engine.ricciFlow / engine.ricciSweep: the activation clouds of a model on X — the input, then the output
 * of every layer that applies a nonlinearity (or of the nodes `layers` names), then the logits (dropped unless includeOutput) — from the
 * engine's forward pass, and the Ricci flow over them with the kNN rows and BFS sources split across the
 * engine's workers.
 */
import type { Runtime, CallOptions } from "../../engine/runtime.js";
import type { BatchInput } from "../../engine/batch.js";
import type { Model } from "../../model/model.js";
import { toBatch } from "../../engine/batch.js";
import { OptionError } from "../../errors.js";
import { forward } from "../forward.js";
import { ricciFlowFromActivations, ricciSweepFromActivations, type ActivationCloud, type RicciFlowOptions, type RicciFlowResult, type RicciSweepResult } from "./ricciFlow.js";
import type { GraphMode } from "./graph.js";
import { runtimeExecutor } from "./tasks.js";

/** Which nodes' outputs become activation clouds: node indices or names (default: every node with a nonlinearity). */
export interface CloudOptions {
  layers?: readonly (number | string)[];
}

/** Source node indices of `layers` (index or name), checked; default: the nodes that apply a nonlinearity, the output excepted. */
export function cloudNodes(model: Model, layers?: readonly (number | string)[]): number[] {
  const last = model.layers.length - 1;
  if (layers === undefined) {
    return model.layers.flatMap((layer, l) => (l < last && "activation" in layer && layer.activation !== "linear" ? [l] : []));
  }
  if (!Array.isArray(layers) || layers.length === 0) throw new OptionError(`layers: expected a non-empty array of node indices or names, got ${JSON.stringify(layers)}`);
  return layers.map((x) => {
    if (typeof x === "number") {
      if (!Number.isInteger(x) || x < 0 || x > last) throw new OptionError(`layers: ${x} is not a node index in 0..${last}`);
      return x;
    }
    const l = model.layers.findIndex((n) => n.name === x);
    if (l < 0) throw new OptionError(`layers: "${x}" names no node of this model`);
    return l;
  });
}

/**
 * Clouds in the order ricciFlowFromActivations expects (index 0 = X; last = logits): the input, then the
 * output of each chosen node (opts.layers by index or name, in the order given; default every node with a
 * nonlinearity), then the logits.
 */
export async function activationClouds(rt: Runtime, model: Model, X: BatchInput, call: CallOptions & CloudOptions = {}): Promise<ActivationCloud[]> {
  const nodes = cloudNodes(model, call.layers);
  const { data, d } = toBatch(X, model.inputSize);
  const { layers: _layers, ...rest } = call;
  const f = await forward(rt, model, data, { ...rest, activations: true });
  const clouds: ActivationCloud[] = [{ data: Float32Array.from(data), dim: d }];
  for (const l of nodes) {
    const a = f.activations!.find((v) => v.layer === l)!;
    clouds.push({ data: a.data, dim: a.shape.reduce((x, y) => x * y, 1) });
  }
  clouds.push({ data: f.logits, dim: f.m });
  return clouds;
}

/**
 * Ricci network flow of the model on X: per-layer kNN graphs of the activations, Forman–Ricci curvature,
 * hop-distance sums and the global coefficient ρ_k. kNN rows and BFS sources are split across the workers.
 */
export async function ricciFlow(rt: Runtime, model: Model, X: BatchInput, opts: Omit<RicciFlowOptions, "arena" | "executor"> & CallOptions & CloudOptions): Promise<RicciFlowResult> {
  const clouds = await activationClouds(rt, model, X, opts);
  return ricciFlowFromActivations(clouds, { ...opts, executor: runtimeExecutor(rt, opts.signal) });
}

/** ρ_k for every k in `ks` (kNN computed once at the largest k). */
export async function ricciSweep(
  rt: Runtime, model: Model, X: BatchInput, ks: readonly number[],
  opts: Omit<RicciFlowOptions, "k" | "mode" | "arena" | "executor"> & CallOptions & CloudOptions & { mode?: GraphMode } = {},
): Promise<RicciSweepResult> {
  const clouds = await activationClouds(rt, model, X, opts);
  return ricciSweepFromActivations(clouds, ks, opts.mode ?? "directed", { ...opts, executor: runtimeExecutor(rt, opts.signal) });
}
