/**
 * Training the zoo's models with @tensorflow/tfjs on the wasm backend, seeded (Glorot-uniform initialisers
 * with fixed seeds, our own seeded shuffling, no dropout), then importing them with Model.fromTfjs. Trained
 * models are cached as foliate-model JSON in `cacheDir/<id>-<hash>.json` with their training facts; the hash
 * covers the recipe and the quick flag, so a changed recipe retrains.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FoliateError } from "../../errors.js";
import { Model } from "../../model/model.js";
import { loadDataset } from "../../datasets/registry.js";
import type { LabeledSet } from "../../datasets/toy2d.js";
import { mulberry32 } from "../../random.js";
import type { Subject } from "../report/section.js";
import type { Recipe } from "./zoo.js";

/** tfjs could not be loaded (it is a development dependency: `npm install` in the repository brings it). */
export class TrainingUnavailableError extends FoliateError {
  override readonly code = "TRAINING_UNAVAILABLE";
}

type Tf = typeof import("@tensorflow/tfjs");
let tfPromise: Promise<Tf> | undefined;

/** tfjs with the wasm backend, loaded once. */
export function loadTf(): Promise<Tf> {
  tfPromise ??= (async () => {
    let tf: Tf;
    try {
      tf = (await import("../../tfjsQuiet.js")).tf;
      await import("@tensorflow/tfjs-backend-wasm");
    } catch (e) {
      throw new TrainingUnavailableError(`training needs @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm (${(e as Error).message}); run npm install in the repository`);
    }
    await tf.setBackend("wasm");
    await tf.ready();
    return tf;
  })();
  return tfPromise;
}

export function recipeHash(r: Recipe, quick: boolean): string {
  return createHash("sha256").update(JSON.stringify({ ...r, quick, v: 1 })).digest("hex").slice(0, 10);
}

interface CacheEntry {
  recipe: Recipe;
  quick: boolean;
  training: NonNullable<Subject["training"]>;
  model: unknown;
}

/**
 * Fraction of the set that the trained tfjs network classifies correctly. Predicts 256 rows at a time: the
 * wasm backend's time grows faster than linearly with the rows of one call (8 000 MNIST rows: 22 s in one
 * call, about 1 s in blocks).
 */
function accuracy(tf: Tf, net: import("@tensorflow/tfjs").Sequential, set: LabeledSet): number {
  const d = set.X.length / set.n;
  const B = 256;
  let ok = 0;
  for (let start = 0; start < set.n; start += B) {
    const size = Math.min(B, set.n - start);
    const classes = tf.tidy(() => (net.predict(tf.tensor2d(set.X.subarray(start * d, (start + size) * d), [size, d])) as import("@tensorflow/tfjs").Tensor).argMax(1));
    const predicted = classes.dataSync();
    classes.dispose();
    for (let i = 0; i < size; i++) if (predicted[i] === set.labels[start + i]) ok++;
  }
  return ok / set.n;
}

/**
 * The subject for a recipe: from the cache when present (unless `fresh`), else trained and cached.
 * `onEpoch(done, total)` reports training progress.
 */
export async function subjectFor(recipe: Recipe, opts: { quick: boolean; cacheDir?: string; fresh?: boolean; onEpoch?: (done: number, total: number) => void }): Promise<Subject> {
  const train = loadDataset(recipe.train), test = loadDataset(recipe.test);
  const path = opts.cacheDir ? join(opts.cacheDir, `${recipe.id}-${recipeHash(recipe, opts.quick)}.json`) : undefined;
  if (path && !opts.fresh) {
    try {
      const entry = JSON.parse(await readFile(path, "utf8")) as CacheEntry;
      const model = Model.fromJSON(entry.model);
      return { id: recipe.id, title: recipe.title, model, train, test, training: { ...entry.training, cached: true } };
    } catch {
      // absent or unreadable: train
    }
  }
  const t0 = performance.now();
  const tf = await loadTf();
  const epochs = opts.quick ? recipe.quickEpochs : recipe.epochs;
  const d = train.X.length / train.n;
  const net = tf.sequential();
  recipe.hidden.forEach((units, i) =>
    net.add(tf.layers.dense({ units, activation: "relu", ...(i === 0 ? { inputShape: [d] } : {}), kernelInitializer: tf.initializers.glorotUniform({ seed: recipe.seed + i }), biasInitializer: "zeros" })),
  );
  net.add(tf.layers.dense({ units: train.classes, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: recipe.seed + 100 }) }));
  // A plain loop of optimizer.minimize over seeded mini-batches: deterministic, and ~2× faster than
  // model.fit for nets this small (fit's per-call bookkeeping dominates).
  const optimizer = tf.train.adam(recipe.learningRate);
  const rand = mulberry32(recipe.seed);
  const order = Array.from({ length: train.n }, (_, i) => i);
  const B = recipe.batchSize;
  const xb = new Float32Array(B * d); // B×d mini-batch
  const yb = new Int32Array(B);
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let start = 0; start < train.n; start += B) {
      const size = Math.min(B, train.n - start);
      for (let k = 0; k < size; k++) {
        const src = order[start + k];
        xb.set(train.X.subarray(src * d, (src + 1) * d), k * d);
        yb[k] = train.labels[src];
      }
      tf.tidy(() => {
        const xs = tf.tensor2d(xb.subarray(0, size * d), [size, d]);
        const ys = tf.tensor1d(yb.subarray(0, size), "int32");
        const onehot = tf.oneHot(ys, train.classes);
        // cross-entropy of the softmax output: −mean log p_y (p clipped at 1e-7, as Keras does)
        optimizer.minimize(() => {
          const p = net.apply(xs, { training: true }) as import("@tensorflow/tfjs").Tensor;
          return tf.neg(tf.mean(tf.log(tf.maximum(tf.sum(tf.mul(onehot, p), 1), 1e-7)))) as import("@tensorflow/tfjs").Scalar;
        });
      });
    }
    opts.onEpoch?.(e + 1, epochs);
    if (e % 5 === 4) await new Promise((r) => setImmediate(r)); // let progress output flush
  }
  optimizer.dispose();
  const model = Model.fromTfjs(net);
  const training = {
    trainAccuracy: accuracy(tf, net, train),
    testAccuracy: accuracy(tf, net, test),
    epochs,
    ms: performance.now() - t0,
    cached: false,
  };
  net.dispose();
  if (path && opts.cacheDir) {
    await mkdir(opts.cacheDir, { recursive: true });
    const entry: CacheEntry = { recipe, quick: opts.quick, training, model: model.toJSON() };
    await writeFile(path, JSON.stringify(entry));
  }
  return { id: recipe.id, title: recipe.title, model, train, test, training };
}
