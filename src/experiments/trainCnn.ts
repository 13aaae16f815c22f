/**
 * The MNIST CNN of Tron & Fioresi (arXiv 2409.07412): Conv 32 3×3 – ReLU – Conv 64 3×3 – ReLU – MaxPool 2 –
 * Flatten – Dense 128 – ReLU – Dense 10 (softmax head), valid padding, trained with tfjs on its wasm backend
 * (plus the Conv2DBackpropFilter kernel that backend lacks, see tfjsWasmConvGrad.ts), Adam, cross-entropy,
 * seeded: He-normal initialisers with fixed seeds, and a mulberry32 permutation of the training set each
 * epoch. Widths and epochs are options (a reduced network is documented by the caller).
 *
 * Cache: with `cacheDir`, the trained model is written there as foliate-model JSON named by its
 * configuration, and read back instead of training when present. Shipped models: the package's
 * `data/models/<cache name>.gz` (gzip'd foliate-model JSON, made by this function with the same seed and
 * configuration; see data/README.md) is used first when present, so a configuration trained once for the
 * report is not retrained on every clone.
 */
import { Model } from "../model/model.js";
import { mulberry32 } from "../random.js";
import { registerWasmConv2dBackpropFilter } from "./tfjsWasmConvGrad.js";

export interface CnnWidths {
  conv1: number;
  conv2: number;
  dense: number;
}

export const PAPER_WIDTHS: CnnWidths = { conv1: 32, conv2: 64, dense: 128 };

export interface TrainCnnOptions {
  widths?: CnnWidths;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  /**
   * Pooling after the second convolution: "max" (default, the issue's layout) or "avg" (the default of the
   * authors' code, SingFolDIM main.py, whose `--maxpool` flag selects the max-pool network).
   */
  pool?: "max" | "avg";
  /** Folder of the trained-model cache (Node); none: always train. */
  cacheDir?: string;
  log?: (message: string) => void;
}

export interface TrainedCnn {
  model: Model;
  source: "trained" | "cache" | "shipped";
  /** Seconds spent training (0 from the cache). */
  seconds: number;
  cacheFile?: string;
}

/** Cache file name of a configuration (the training-set size is part of it). */
export function cnnCacheName(w: CnnWidths, epochs: number, batchSize: number, learningRate: number, seed: number, n: number, pool: "max" | "avg" = "max"): string {
  return `mnist-cnn-c${w.conv1}-c${w.conv2}${pool === "avg" ? "-avg" : ""}-d${w.dense}-e${epochs}-b${batchSize}-lr${learningRate}-s${seed}-n${n}.foliate.json`;
}

/** The package's data/models/<name>.gz, when it exists (Node only; undefined elsewhere). */
async function shippedModel(name: string): Promise<{ model: Model; file: string } | undefined> {
  if (typeof process === "undefined" || !process.versions?.node) return undefined;
  const { existsSync, readFileSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const { gunzipSync } = await import("node:zlib");
  const file = fileURLToPath(new URL(`../../data/models/${name}.gz`, import.meta.url));
  if (!existsSync(file)) return undefined;
  return { model: Model.fromJSON(JSON.parse(gunzipSync(readFileSync(file)).toString("utf8"))), file };
}

/** Train (or load from the cache) the CNN on images X (n×784 in [0, 1]) with labels 0..9. */
export async function trainMnistCnn(X: Float32Array, labels: Uint8Array, opts: TrainCnnOptions = {}): Promise<TrainedCnn> {
  const w = opts.widths ?? PAPER_WIDTHS;
  const epochs = opts.epochs ?? 3, batchSize = opts.batchSize ?? 64, lr = opts.learningRate ?? 1e-3, seed = opts.seed ?? 1;
  const pool = opts.pool ?? "max";
  const n = labels.length;
  const log = opts.log ?? (() => {});
  let cacheFile: string | undefined;
  const shipped = await shippedModel(cnnCacheName(w, epochs, batchSize, lr, seed, n, pool));
  if (shipped) {
    log(`model shipped with the package: ${shipped.file}`);
    return { model: shipped.model, source: "shipped", seconds: 0, cacheFile: shipped.file };
  }
  if (opts.cacheDir) {
    const { join } = await import("node:path");
    const { existsSync } = await import("node:fs");
    cacheFile = join(opts.cacheDir, cnnCacheName(w, epochs, batchSize, lr, seed, n, pool));
    if (existsSync(cacheFile)) {
      log(`model from cache ${cacheFile}`);
      return { model: await Model.load(cacheFile), source: "cache", seconds: 0, cacheFile };
    }
  }
  const { tf } = await import("../tfjsQuiet.js");
  await import("@tensorflow/tfjs-backend-wasm");
  await tf.setBackend("wasm");
  await tf.ready();
  registerWasmConv2dBackpropFilter(tf);
  const t0 = Date.now();
  const he = (k: number) => tf.initializers.heNormal({ seed: seed * 100 + k });
  const net = tf.sequential();
  net.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: w.conv1, kernelSize: 3, activation: "relu", kernelInitializer: he(1) }));
  net.add(tf.layers.conv2d({ filters: w.conv2, kernelSize: 3, activation: "relu", kernelInitializer: he(2) }));
  net.add(pool === "avg" ? tf.layers.averagePooling2d({ poolSize: 2 }) : tf.layers.maxPooling2d({ poolSize: 2 }));
  net.add(tf.layers.flatten());
  net.add(tf.layers.dense({ units: w.dense, activation: "relu", kernelInitializer: he(3) }));
  net.add(tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 100 + 4 }) }));
  net.compile({ optimizer: tf.train.adam(lr), loss: "categoricalCrossentropy" });
  const rand = mulberry32(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let e = 0; e < epochs; e++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const xs = new Float32Array(n * 784); // n×784, this epoch's order
    const ys = new Int32Array(n);
    order.forEach((src, dst) => {
      xs.set(X.subarray(src * 784, (src + 1) * 784), dst * 784);
      ys[dst] = labels[src];
    });
    const xt = tf.tensor4d(xs, [n, 28, 28, 1]);
    const yt = tf.tidy(() => tf.oneHot(tf.tensor1d(ys, "int32"), 10));
    const h = await net.fit(xt, yt, { epochs: 1, batchSize, shuffle: false, verbose: 0 });
    tf.dispose([xt, yt]);
    log(`epoch ${e + 1}/${epochs}: loss ${Number(h.history.loss[0]).toFixed(4)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const model = Model.fromTfjs(net as never);
  net.dispose();
  const seconds = (Date.now() - t0) / 1000;
  if (cacheFile) {
    const { mkdir, writeFile } = await import("node:fs/promises");
    const { dirname } = await import("node:path");
    await mkdir(dirname(cacheFile), { recursive: true });
    await writeFile(cacheFile, JSON.stringify(model.toJSON()));
    log(`model cached in ${cacheFile}`);
  }
  return { model, source: "trained", seconds, cacheFile };
}
