/**
 * Training in the page with tfjs (core and layers, the parts of @tensorflow/tfjs the lab needs, so the bundle
 * carries no WebGL backend): the wasm backend (its .wasm files served by Vite as assets, located with
 * `setWasmPaths`), or the cpu backend when wasm cannot load (the page says so). Single-threaded tfjs-wasm, so
 * the two cores stay free for Foliate's workers. Seeded initializers and unshuffled batches: the same dataset
 * and seed train the same network.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreaded from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import type { Dataset } from "./datasets.js";

/** Select the tfjs backend: "wasm", or "cpu" with the reason wasm failed. */
export async function initBackend(): Promise<{ backend: string; note?: string }> {
  setWasmPaths({
    "tfjs-backend-wasm.wasm": wasmPlain,
    "tfjs-backend-wasm-simd.wasm": wasmSimd,
    "tfjs-backend-wasm-threaded-simd.wasm": wasmThreaded,
  });
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  let note: string | undefined;
  try {
    if (await tf.setBackend("wasm")) {
      await tf.ready();
      return { backend: "wasm" };
    }
    note = "the tfjs wasm backend did not initialize";
  } catch (e) {
    note = `the tfjs wasm backend failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return { backend: "cpu", note };
}

export interface TrainOptions {
  /** Hidden layer widths (ReLU). */
  hidden: number[];
  epochs: number;
  learningRate: number;
  seed: number;
  /** Called every `reportEvery` epochs and at the end (awaited: training pauses meanwhile). */
  onProgress?: (p: { epoch: number; loss: number; accuracy: number; model: tfl.Sequential }) => void | Promise<void>;
  reportEvery?: number;
}

/** A ReLU MLP 2 → hidden… → 2 with a softmax head. */
export function buildClassifier(hidden: number[], seed: number): tfl.Sequential {
  const model = tfl.sequential();
  hidden.forEach((units, i) =>
    model.add(tfl.layers.dense({
      units, activation: "relu", ...(i === 0 ? { inputShape: [2] } : {}),
      kernelInitializer: tfl.initializers.heNormal({ seed: seed * 101 + i }),
      biasInitializer: tfl.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: seed * 103 + i }),
    })),
  );
  model.add(tfl.layers.dense({ units: 2, activation: "softmax", kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 107 }) }));
  return model;
}

/** Train on the dataset in slices of epochs, yielding to the event loop between slices. */
export async function train(data: Dataset, opts: TrainOptions): Promise<{ model: tfl.Sequential; loss: number; accuracy: number }> {
  const n = data.labels.length;
  if (n < 2) throw new Error(`training needs at least 2 points, got ${n}`);
  const model = buildClassifier(opts.hidden, opts.seed);
  model.compile({ optimizer: tf.train.adam(opts.learningRate), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
  const xs = tf.tensor2d(data.points, [n, 2]);
  const ys = tf.tensor1d(Float32Array.from(data.labels));
  const every = opts.reportEvery ?? 25;
  let loss = NaN, accuracy = NaN;
  try {
    for (let epoch = 0; epoch < opts.epochs; ) {
      const slice = Math.min(every, opts.epochs - epoch);
      // no yields inside a slice (tfjs's own per-batch yields cost more than the arithmetic of a tiny MLP)
      const h = await model.fit(xs, ys, { epochs: slice, batchSize: 128, shuffle: false, verbose: 0, yieldEvery: "never" });
      epoch += slice;
      loss = h.history.loss.at(-1) as number;
      accuracy = (h.history.acc ?? h.history.accuracy)?.at(-1) as number;
      await opts.onProgress?.({ epoch, loss, accuracy, model });
      await new Promise((r) => setTimeout(r, 0));
    }
  } finally {
    xs.dispose();
    ys.dispose();
  }
  return { model, loss, accuracy };
}
