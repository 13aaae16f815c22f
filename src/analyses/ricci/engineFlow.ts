/**
 * engine.ricciFlow / engine.ricciSweep: the activation clouds of a model on X — the input, then the output
 * of every layer that applies a nonlinearity, then the logits (dropped unless includeOutput) — from the
 * engine's forward pass, and the Ricci flow over them with the kNN rows and BFS sources split across the
 * engine's workers.
 */
import type { Engine, CallOptions } from "../../engine/engine.js";
import type { BatchInput } from "../../engine/batch.js";
import type { Model } from "../../model/model.js";
import { toBatch } from "../../engine/batch.js";
import type { ActivationCloud } from "./ricciFlow.js";

/** Clouds in the order ricciFlowFromActivations expects (index 0 = X; last = logits). */
export async function activationClouds(engine: Engine, model: Model, X: BatchInput, call: CallOptions = {}): Promise<ActivationCloud[]> {
  const { data, d } = toBatch(X, model.inputSize);
  const f = await engine.forward(model, data, { ...call, activations: true });
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
