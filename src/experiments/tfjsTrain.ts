/**
 * Seeded full-batch training of small dense ReLU networks with tfjs, for the experiments. tfjs is a dev
 * dependency, loaded on first use; only the structural interface below is used.
 */
import { Model } from "../model/model.js";
import type { TfjsLayersModelLike } from "../model/tfjs.js";

interface Tf {
  sequential(cfg?: object): { add(l: unknown): void; compile(c: object): void; fit(x: unknown, y: unknown, c: object): Promise<unknown>; layers: unknown[]; dispose(): void };
  layers: { dense(c: object): unknown };
  initializers: { heNormal(c: object): unknown; zeros(): unknown };
  train: { adam(lr: number): unknown };
  tensor2d(v: Float32Array | number[], shape: [number, number]): { dispose(): void };
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
}

export interface TrainSpec {
  inputSize: number;
  hidden: number[];
  outputs: number;
  /** "linear" (regression, MSE) or "softmax" (classification, categorical cross-entropy on one-hot ys). */
  head: "linear" | "softmax";
  /** n×inputSize and n×outputs, row-major. */
  xs: Float32Array;
  ys: Float32Array;
  epochs: number;
  learningRate: number;
  seed: number;
  backend?: string;
}

/** Train (He-normal seeded weights, zero biases, Adam, full batch, no shuffling) and import as a Model. */
export async function trainReluNet(spec: TrainSpec): Promise<Model> {
  const tf = (await import("../tfjsQuiet.js")).tf as unknown as Tf;
  if (spec.backend) await tf.setBackend(spec.backend);
  await tf.ready();
  const n = spec.xs.length / spec.inputSize;
  const net = tf.sequential();
  spec.hidden.forEach((h, l) =>
    net.add(tf.layers.dense({ units: h, activation: "relu", ...(l === 0 ? { inputShape: [spec.inputSize] } : {}), kernelInitializer: tf.initializers.heNormal({ seed: spec.seed * 100 + l }), biasInitializer: tf.initializers.zeros() })),
  );
  net.add(tf.layers.dense({ units: spec.outputs, activation: spec.head, kernelInitializer: tf.initializers.heNormal({ seed: spec.seed * 100 + 99 }) }));
  net.compile({ optimizer: tf.train.adam(spec.learningRate), loss: spec.head === "softmax" ? "categoricalCrossentropy" : "meanSquaredError" });
  const X = tf.tensor2d(spec.xs, [n, spec.inputSize]), Y = tf.tensor2d(spec.ys, [n, spec.outputs]);
  try {
    await net.fit(X, Y, { epochs: spec.epochs, batchSize: n, shuffle: false, verbose: 0 });
    return Model.fromTfjs(net as unknown as TfjsLayersModelLike);
  } finally {
    X.dispose();
    Y.dispose();
    net.dispose();
  }
}
