/**
 * tfjs side of the local-geometry experiments: training a model on a discrete joint, reading the input of
 * a chosen Dense layer and its weights, and `compareWithTfjsModel` (the tfjs counterpart of the lead's
 * `compareWithNetwork` for Foliate models). tfjs computes in float32; results are copied to float64.
 *
 * Training on a joint: with one-hot inputs, the average log-loss over N samples equals
 * −Σ_{x,y} P̂(x, y)·log softmax(logits(x))_y with P̂ their empirical joint, so full-batch gradient descent
 * (tf.train.sgd) on the nx one-hot rows weighted by P̂ is exactly full-batch SGD on the N samples.
 */
import { tf } from "../tfjsQuiet.js";
import { ShapeError } from "../errors.js";
import { compareFeatures, type FeatureComparison, type LearnedFeatures } from "../analyses/localGeometry/compare.js";
import type { OptimalFeatures } from "../analyses/localGeometry/optimalFeatures.js";

let backendReady: Promise<boolean> | undefined;
/** Select tfjs's cpu backend once (deterministic, no native addon needed). */
export function useCpuBackend(): Promise<boolean> {
  backendReady ??= tf.setBackend("cpu");
  return backendReady;
}

export interface TrainOptions {
  steps: number;
  learningRate: number;
  /** Heavy-ball momentum of tf.train.momentum (0: plain tf.train.sgd). */
  momentum?: number;
  /** Record the loss every this many steps (default steps/50). */
  recordEvery?: number;
}

/**
 * Full-batch gradient descent (tf.train.sgd, or tf.train.momentum when momentum > 0) of the log-loss of `model` (one-hot input of size nx → ny
 * logits, softmax applied in the loss as logSoftmax) on the joint Pxy (nx×ny, row-major).
 * Returns the loss curve (nats) sampled every `recordEvery` steps, last value = final loss.
 */
export async function trainOnJoint(model: tf.LayersModel, pxy: ArrayLike<number>, nx: number, ny: number, options: TrainOptions): Promise<Float64Array> {
  await useCpuBackend();
  const every = options.recordEvery ?? Math.max(1, Math.floor(options.steps / 50));
  const curve: number[] = [];
  const xs = tf.eye(nx);
  const p = tf.tensor2d(Float32Array.from(pxy), [nx, ny]);
  const optimizer = options.momentum ? tf.train.momentum(options.learningRate, options.momentum) : tf.train.sgd(options.learningRate);
  const lossFn = () => tf.neg(tf.sum(tf.mul(p, tf.logSoftmax(model.apply(xs) as tf.Tensor2D)))) as tf.Scalar;
  // explicit list: the model's trainable weights only (frozen layers excluded), in a fixed order
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  for (let step = 0; step < options.steps; step++) {
    const record = step % every === 0 || step === options.steps - 1;
    const loss = optimizer.minimize(lossFn, record, varList);
    if (loss) {
      curve.push((await loss.data())[0]);
      loss.dispose();
    }
  }
  const final = lossFn();
  curve.push((await final.data())[0]);
  tf.dispose([xs, p, final]);
  optimizer.dispose();
  return Float64Array.from(curve);
}

/** A Dense layer's learned feature (its input) and weights, copied to float64. */
export interface TfjsLayerFeatures extends LearnedFeatures {
  /** n×k, row-major: the layer's input on each of the n inputs. */
  features: Float64Array;
  /** units×k, row-major: the kernel transposed. */
  weights: Float64Array;
  bias?: Float64Array;
  n: number;
}

/** Index of a layer given by index or name. */
function layerIndex(model: tf.LayersModel, layer: number | string): number {
  const i = typeof layer === "number" ? layer : model.layers.findIndex((l) => l.name === layer);
  if (i < 0 || i >= model.layers.length) throw new ShapeError(`tfjs model: no layer ${layer} (it has ${model.layers.length} layers)`);
  return i;
}

/**
 * The learned feature of a Dense layer: its input evaluated on `inputs` (n×d rows; default the nx one-hot
 * vectors), and its weights (kernel transposed: units×k) and bias.
 */
export async function tfjsLayerFeatures(model: tf.LayersModel, layer: number | string, inputs?: tf.Tensor2D): Promise<TfjsLayerFeatures> {
  await useCpuBackend();
  const i = layerIndex(model, layer);
  const dense = model.layers[i];
  const [kernel, bias] = dense.getWeights();
  if (!kernel || kernel.shape.length !== 2) throw new ShapeError(`tfjs model: layer ${dense.name} has no 2-d kernel (a Dense layer is expected)`);
  const [k, units] = kernel.shape as [number, number];
  const x = inputs ?? tf.eye(model.inputs[0].shape[1] as number);
  const sub = tf.model({ inputs: model.inputs, outputs: dense.input as tf.SymbolicTensor });
  const out = sub.predict(x) as tf.Tensor2D;
  const features = Float64Array.from(await out.data()); // n×k
  const kv = await kernel.data(); // k×units (in × out)
  const weights = new Float64Array(units * k); // units×k
  for (let a = 0; a < k; a++) for (let u = 0; u < units; u++) weights[u * k + a] = kv[a * units + u];
  const result = { features, weights, bias: bias ? Float64Array.from(await bias.data()) : undefined, k, n: out.shape[0] };
  out.dispose();
  if (!inputs) x.dispose();
  return result;
}

/**
 * Compare the chosen Dense layer of a tfjs model (its input on the one-hot x's, and its weights) with the
 * theoretical optimum: `compareFeatures` on the extracted arrays.
 */
export async function compareWithTfjsModel(model: tf.LayersModel, theory: OptimalFeatures, options: { layer: number | string }): Promise<FeatureComparison & { learned: LearnedFeatures }> {
  const learned = await tfjsLayerFeatures(model, options.layer);
  if (learned.n !== theory.nx) throw new ShapeError(`compareWithTfjsModel: the model's input has ${learned.n} one-hot values, the theory ${theory.nx}`);
  return { ...(await compareFeatures(learned, theory)), learned };
}
