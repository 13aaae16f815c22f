/**
 * engine.ricciFlow / engine.ricciSweep: the activation clouds of a model on X — the input, then the output
 * of every layer that applies a nonlinearity, then the logits (dropped unless includeOutput) — from the
 * engine's forward pass, and the Ricci flow over them with the kNN rows and BFS sources split across the
 * engine's workers.
 */
import type { Runtime, CallOptions } from "../../engine/runtime.js";
import type { BatchInput } from "../../engine/batch.js";
import type { Model } from "../../model/model.js";
import { toBatch } from "../../engine/batch.js";
import { forward } from "../forward.js";
import { ricciFlowFromActivations, ricciSweepFromActivations, type ActivationCloud, type RicciFlowOptions, type RicciFlowResult, type RicciSweepResult } from "./ricciFlow.js";
import type { GraphMode } from "./graph.js";
import { runtimeExecutor } from "./tasks.js";

/** Clouds in the order ricciFlowFromActivations expects (index 0 = X; last = logits). */
export async function activationClouds(rt: Runtime, model: Model, X: BatchInput, call: CallOptions = {}): Promise<ActivationCloud[]> {
  const { data, d } = toBatch(X, model.inputSize);
  const f = await forward(rt, model, data, { ...call, activations: true });
  const clouds: ActivationCloud[] = [{ data: Float32Array.from(data), dim: d }];
  const last = model.layers.length - 1;
  model.layers.forEach((layer, l) => {
    const nonlinear = "activation" in layer && layer.activation !== "linear";
    if (l < last && nonlinear) {
      const a = f.activations![l];
      clouds.push({ data: a.data, dim: a.shape.reduce((x, y) => x * y, 1) });
    }
  });
  clouds.push({ data: f.logits, dim: f.m });
  return clouds;
}

/**
 * Ricci network flow of the model on X: per-layer kNN graphs of the activations, Forman–Ricci curvature,
 * hop-distance sums and the global coefficient ρ_k. kNN rows and BFS sources are split across the workers.
 */
export async function ricciFlow(rt: Runtime, model: Model, X: BatchInput, opts: Omit<RicciFlowOptions, "arena" | "executor"> & CallOptions): Promise<RicciFlowResult> {
  const clouds = await activationClouds(rt, model, X, opts);
  return ricciFlowFromActivations(clouds, { ...opts, executor: runtimeExecutor(rt, opts.signal) });
}

/** ρ_k for every k in `ks` (kNN computed once at the largest k). */
export async function ricciSweep(
  rt: Runtime, model: Model, X: BatchInput, ks: readonly number[],
  opts: Omit<RicciFlowOptions, "k" | "mode" | "arena" | "executor"> & CallOptions & { mode?: GraphMode } = {},
): Promise<RicciSweepResult> {
  const clouds = await activationClouds(rt, model, X, opts);
  return ricciSweepFromActivations(clouds, ks, opts.mode ?? "directed", { ...opts, executor: runtimeExecutor(rt, opts.signal) });
}
