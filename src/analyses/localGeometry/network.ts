/**
 * compareWithNetwork: the learned feature of a trained Foliate model's dense layer — its input, evaluated by
 * the engine's forward pass on the nx one-hot inputs (or on given inputs) — and the layer's weights, compared
 * with the theoretical optimum of the local geometric analysis (`compareFeatures`).
 */
import { OptionError, ShapeError } from "../../errors.js";
import { forward } from "../forward.js";
import { runtimeOf, type RuntimeLike } from "../../engine/runtime.js";
import type { Model } from "../../model/model.js";
import { compareFeatures, type FeatureComparison, type LearnedFeatures } from "./compare.js";
import type { OptimalFeatures } from "./optimalFeatures.js";

export interface NetworkFeatures extends LearnedFeatures {
  /** n×k: the layer's input on each input point. */
  features: Float64Array;
  /** units×k: the layer's kernel transposed. */
  weights: Float64Array;
  bias: Float64Array;
  n: number;
}

/** The input of dense layer `layer` on `inputs` (n×d; default: the d one-hot vectors) and its weights. */
export async function networkLayerFeatures(engine: RuntimeLike, model: Model, layer: number, inputs?: Float32Array): Promise<NetworkFeatures> {
  const dense = model.layers[layer];
  if (!dense || dense.type !== "dense") throw new OptionError(`compareWithNetwork: layer ${layer} must be a dense layer (got ${dense?.type ?? "none"})`);
  const d = model.inputSize;
  const X = inputs ?? Float32Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0)); // d×d identity
  const n = X.length / d;
  let features: Float64Array;
  let k: number;
  if (layer === 0) {
    features = Float64Array.from(X);
    k = d;
  } else {
    const f = await forward(runtimeOf(engine), model, X, { activations: true });
    const a = f.activations![layer - 1];
    k = a.shape.reduce((x, y) => x * y, 1);
    features = Float64Array.from(a.data); // n×k
  }
  const units = dense.units;
  const weights = new Float64Array(units * k); // units×k
  for (let a = 0; a < k; a++) for (let u = 0; u < units; u++) weights[u * k + a] = dense.kernel[a * units + u];
  return { features, weights, bias: Float64Array.from(dense.bias), k, n };
}

/** Compare dense layer `layer` of a Foliate model with the theoretical features of the joint behind `theory`. */
export async function compareWithNetwork(
  engine: RuntimeLike,
  model: Model,
  theory: OptimalFeatures,
  options: { layer: number; inputs?: Float32Array },
): Promise<FeatureComparison & { learned: NetworkFeatures }> {
  const learned = await networkLayerFeatures(engine, model, options.layer, options.inputs);
  if (learned.n !== theory.nx) throw new ShapeError(`compareWithNetwork: ${learned.n} inputs were evaluated, the theory has nx = ${theory.nx}`);
  return { ...(await compareFeatures(learned, theory)), learned };
}
