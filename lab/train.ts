/**
 * Training with tfjs, run in the lab's training worker (lab/trainWorker.ts) (core and layers, the parts of @tensorflow/tfjs the lab needs, so the bundle
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
  /** Called after every epoch with its number (cheap: no loss, no model). */
  onEpoch?: (epoch: number) => void;
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

/** A macrotask boundary, so input and rendering run: `scheduler.yield()` where available, else a message. */
function yieldToPage(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (scheduler?.yield) return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/** Train on the dataset, one epoch at a time, yielding to the event loop between epochs. */
export async function train(data: Dataset, opts: TrainOptions): Promise<{ model: tfl.Sequential; loss: number; accuracy: number }> {
  const n = data.labels.length;
  if (n < 2) throw new Error(`training needs at least 2 points, got ${n}`);
  const model = buildClassifier(opts.hidden, opts.seed);
  const optimizer = tf.train.adam(opts.learningRate);
  const batchSize = Math.min(n, 512); // full batches for the toy sizes: each step costs mostly tfjs dispatch, not arithmetic
  // Mini-batches in order (no shuffling: the same data and seed give the same network). A plain optimizer
  // loop: `model.fit` spends more on its per-call bookkeeping than on the arithmetic of a tiny MLP.
  const batches = [] as { x: tf.Tensor2D; y: tf.Tensor2D }[];
  for (let s = 0; s < n; s += batchSize) {
    const e = Math.min(n, s + batchSize);
    batches.push({
      x: tf.tensor2d(data.points.subarray(2 * s, 2 * e), [e - s, 2]),
      y: tf.tidy(() => tf.oneHot(tf.tensor1d(data.labels.subarray(s, e), "int32"), 2) as tf.Tensor2D), // (e−s)×2
    });
  }
  const every = opts.reportEvery ?? 25;
  let loss = NaN, accuracy = NaN;
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      const report = epoch % every === 0 || epoch === opts.epochs;
      let lossSum = 0, correct = 0;
      for (const b of batches) {
        const l = optimizer.minimize(() => {
          const probs = model.apply(b.x, { training: true }) as tf.Tensor2D;
          return tf.neg(tf.mean(tf.sum(tf.mul(b.y, tf.log(tf.clipByValue(probs, 1e-7, 1))), 1))) as tf.Scalar; // cross-entropy
        }, report);
        if (report && l) {
          lossSum += (await l.data())[0] * b.x.shape[0];
          l.dispose();
        }
      }
      if (report) {
        correct = await tf.tidy(() => {
          const xs = tf.concat(batches.map((b) => b.x)), ys = tf.concat(batches.map((b) => b.y));
          return tf.sum(tf.equal(tf.argMax(model.predict(xs) as tf.Tensor2D, 1), tf.argMax(ys, 1)));
        }).data().then((d) => d[0]);
        loss = lossSum / n;
        accuracy = correct / n;
        await opts.onProgress?.({ epoch, loss, accuracy, model });
      }
      opts.onEpoch?.(epoch);
      await yieldToPage(); // back to the event loop between epochs: messages (and in a page, input) are handled
    }
  } finally {
    for (const b of batches) {
      b.x.dispose();
      b.y.dispose();
    }
    optimizer.dispose();
  }
  return { model, loss, accuracy };
}
