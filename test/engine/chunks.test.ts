/**
 * Chunks sized by cost (src/engine/cost.ts) and the pool's two tasks per worker (src/engine/pool.ts): chunk
 * sizes from a hand count of flops, results bit-identical for 0, 1 and 2 workers with cost-sized chunks and
 * for any chunking, a
 * 50-point batch of the bundled MNIST CNN spread over both workers, `out` arrays ordinary or shared, and a
 * crash or abort that hits one call never failing the other call's task posted behind it.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AbortError, createEngine, WorkerCrashError, type Engine } from "../../src/index.js";
import { Model } from "../../src/model/model.js";
import { compileNetwork } from "../../src/model/compile.js";
import { CHUNK_WORK, chunkPoints, chunkRanges, forwardFlops, MAX_CHUNK, MIN_CHUNKS } from "../../src/engine/cost.js";
import { loadDataset } from "../../src/data/datasets.js";
import { getJob } from "../../src/engine/registry.js";
import { randomCnn, randomMlp, randomPoints } from "../support/models.js";

const MNIST_CNN = new URL("../../data/models/mnist-cnn-c8-c16-d64-e4-b64-lr0.001-s1-n8000.foliate.json.gz", import.meta.url);
const mnistCnn = () => Model.fromJSON(gunzipSync(readFileSync(MNIST_CNN)).toString("utf8"));

/** Every field equal; typed arrays compared byte for byte (vitest's deep equality is slow on millions of values). */
function expectSameBits(got: object, want: object): void {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const [key, a] of Object.entries(want)) {
    const b = (got as Record<string, unknown>)[key];
    if (ArrayBuffer.isView(a)) {
      const bytes = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      expect(ArrayBuffer.isView(b) && bytes(b).equals(bytes(a)), key).toBe(true);
    } else expect(b, key).toEqual(a);
  }
}

describe("the cost model", () => {
  test("forward flops of an MLP: 2·in·out per dense layer", () => {
    const net = compileNetwork(randomMlp([784, 256, 256, 10], 1));
    expect(forwardFlops(net)).toBe(2 * (784 * 256 + 256 * 256 + 256 * 10));
  });

  test("forward flops of a CNN: 2·oh·ow·oc·kh·kw·c per conv, oh·ow·oc·kh·kw per pool, 2·in·out per dense", () => {
    // randomCnn: conv (valid) → max-pool → conv (same) → avg-pool → flatten → dense (test/support/models.ts)
    const model = randomCnn(12, 12, 1, 5, 4);
    const net = compileNetwork(model);
    let want = 0;
    let [h, w, c] = model.inputShape;
    for (const l of model.layers) {
      if (l.type === "conv2d") {
        const [kh, kw] = l.kernelSize;
        const same = l.padding === "same";
        const oh = same ? h : h - kh + 1, ow = same ? w : w - kw + 1; // stride 1 (asserted below)
        expect(l.strides).toEqual([1, 1]);
        want += 2 * oh * ow * l.filters * kh * kw * c;
        [h, w, c] = [oh, ow, l.filters];
      } else if (l.type === "maxPool2d" || l.type === "avgPool2d") {
        const [ph, pw] = l.poolSize;
        const oh = Math.floor(h / ph), ow = Math.floor(w / pw);
        want += oh * ow * c * ph * pw;
        [h, w] = [oh, ow];
      } else if (l.type === "dense") {
        want += 2 * h * w * c * l.units;
        [h, w, c] = [1, 1, l.units];
      }
    }
    expect(forwardFlops(net)).toBe(want);
  });

  test("chunk sizes: CHUNK_WORK of work, at least MIN_CHUNKS chunks when n allows, within 1..MAX_CHUNK", () => {
    expect(chunkPoints(CHUNK_WORK / 40, 10_000)).toBe(40);
    expect(chunkPoints(CHUNK_WORK / 40, 80)).toBe(10); // ⌈80 / 8⌉
    expect(chunkPoints(CHUNK_WORK * 3, 1000)).toBe(1);
    expect(chunkPoints(1, 1e9)).toBe(MAX_CHUNK);
    expect(chunkPoints(0, 100)).toBe(Math.ceil(100 / MIN_CHUNKS));
    expect(chunkPoints(CHUNK_WORK / 40, 3)).toBe(1);
  });
});

test("chunk ranges cover the batch in order: full chunks, then halving ones down to ⌈size / 8⌉", () => {
  for (const [n, size] of [[1024, 45], [50, 7], [20, 4], [3, 10], [1, 1], [1000, 1], [97, 16]]) {
    const r = chunkRanges(n, size);
    expect(r[0][0]).toBe(0);
    expect(r[r.length - 1][1]).toBe(n);
    for (let i = 1; i < r.length; i++) expect(r[i][0]).toBe(r[i - 1][1]);
    const lengths = r.map(([a, b]) => b - a);
    for (let i = 1; i < lengths.length; i++) expect(lengths[i]).toBeLessThanOrEqual(lengths[i - 1]);
    for (const [i, [a]] of r.entries()) if (n - a > 2 * size) expect(lengths[i]).toBe(size);
    lengths.slice(0, -1).forEach((l) => expect(l).toBeGreaterThanOrEqual(Math.ceil(size / 8)));
  }
  // the MLP's Jacobians at n = 1024: 21 chunks of 45, then 40, 20, 10, 6, 3
  expect(chunkRanges(1024, 45).map(([a, b]) => b - a).slice(20)).toEqual([45, 40, 20, 10, 6, 3]);
});

describe("cost-sized chunks on the pool", () => {
  let engines: Engine[];
  beforeAll(async () => {
    engines = [await createEngine({ workers: 0 }), await createEngine({ workers: 1 }), await createEngine({ workers: 2 })];
  });
  afterAll(async () => {
    for (const e of engines) await e.close();
  });

  test("Jacobians and DIM of an MLP and the bundled MNIST CNN are bit-identical for 0, 1 and 2 workers", async () => {
    const mlp = randomMlp([784, 64, 64, 10], 5);
    const cnn = mnistCnn();
    const images = (await loadDataset("mnist:test", { limit: 50 })).X;
    const Xm = randomPoints(300, 784, 3, 0, 1);
    const results = [];
    for (const e of engines) {
      results.push({
        jm: await e.jacobian(mlp, Xm, { output: "logprobs" }),
        dm: await e.dim(mlp, Xm),
        jc: await e.jacobian(cnn, images),
        dc: await e.dim(cnn, images),
      });
    }
    for (const k of [1, 2]) for (const key of ["jm", "dm", "jc", "dc"] as const) expectSameBits(results[k][key], results[0][key]);
    // results are ordinary arrays for any worker count (shared memory is the pool's own staging)
    for (const r of results) expect(r.jc.data.buffer).toBeInstanceOf(ArrayBuffer);
  }, 120_000);

  test("per-point results do not depend on the chunking either (chunks of 1, 7, 130 and by cost)", async () => {
    // what lets chunk sizes follow n and lets distributed shards start anywhere: the bits of a point's result
    // depend on that point alone (130 > the jobs' 128-point sub-chunks)
    const cnn = mnistCnn();
    const images = (await loadDataset("mnist:test", { limit: 140 })).X;
    const mlp = randomMlp([784, 64, 64, 10], 6);
    const run = async (e: Engine) => ({
      jc: await e.jacobian(cnn, images),
      dc: await e.dim(cnn, images),
      fm: await e.forward(mlp, images),
      jm: await e.jacobian(mlp, images, { output: "probs" }),
    });
    const want = await run(engines[0]);
    for (const chunkSize of [1, 7, 130]) {
      const e = await createEngine({ workers: 0, chunkSize });
      const got = await run(e);
      await e.close();
      for (const key of ["jc", "dc", "fm", "jm"] as const) expectSameBits(got[key], want[key]);
    }
  }, 120_000);

  test("a 50-point MNIST CNN batch is cut into several chunks and runs on both workers", async () => {
    const cnn = mnistCnn();
    const images = (await loadDataset("mnist:test", { limit: 50 })).X;
    const pool = engines[2].workerPool!;
    const before = [...pool.completed];
    const seen: number[] = [];
    await engines[2].dim(cnn, images, { onProgress: (done) => seen.push(done) });
    const ran = pool.completed.map((c, i) => c - before[i]);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.length).toBe(ran[0] + ran[1]);
    expect(ran[0]).toBeGreaterThan(0);
    expect(ran[1]).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toBe(50);
  }, 60_000);

  test("a job's own cost sizes its chunks: forward passes make larger chunks than Jacobians", async () => {
    const model = randomMlp([784, 256, 256, 10], 1);
    const net = compileNetwork(model);
    const F = 2 * (784 * 256 + 256 * 256 + 256 * 10);
    const rt = engines[2].runtime;
    expect(rt.chunkFor(getJob("forward"), net, {}, 100_000)).toBe(chunkPoints(F, 100_000));
    expect(rt.chunkFor(getJob("jacobian"), net, {}, 100_000)).toBe(chunkPoints(F * 11, 100_000));
    expect(chunkPoints(F, 100_000)).toBeGreaterThan(chunkPoints(F * 11, 100_000));
    const fixed = await createEngine({ workers: 0, chunkSize: 5 });
    expect(fixed.runtime.chunkFor(getJob("forward"), net, {}, 100_000)).toBe(5);
    await fixed.close();
  });

  test("workers: 0 lets events run between chunks: a timer's abort stops the call before its last chunk", async () => {
    const mlp = randomMlp([784, 64, 64, 10], 5);
    const X = randomPoints(400, 784, 8); // 8 chunks (at least MIN_CHUNKS)
    const ctl = new AbortController();
    const seen: number[] = [];
    const job = engines[0].jacobian(mlp, X, { signal: ctl.signal, onProgress: (done) => seen.push(done) === 1 && setTimeout(() => ctl.abort(), 0) });
    await expect(job).rejects.toBeInstanceOf(AbortError);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen[seen.length - 1]).toBeLessThan(400);
  });

  test("`out` arrays, ordinary or shared, receive the same values as a fresh result", async () => {
    const mlp = randomMlp([100, 32, 7], 2);
    const X = randomPoints(200, 100, 4);
    const fresh = await engines[2].jacobian(mlp, X);
    const plain = new Float32Array(fresh.data.length).fill(Number.NaN);
    const shared = new Float32Array(new SharedArrayBuffer(fresh.data.length * 4)).fill(Number.NaN);
    for (const out of [plain, shared]) {
      const r = await engines[2].jacobian(mlp, X, { out });
      expect(r.data).toBe(out);
      expect(Buffer.from(out.buffer).equals(Buffer.from(fresh.data.buffer))).toBe(true);
    }
  });
});

describe("two tasks per worker: a failure of one call never fails the task posted behind it", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ workers: 1, chunkSize: 4096 });
  });
  afterAll(() => engine.close());

  const big = () => ({ model: randomMlp([784, 256, 256, 10], 1), X: randomPoints(1500, 784, 5) });

  test("the worker is killed while running call A: A rejects with WorkerCrashError, call B behind it succeeds", async () => {
    const { model, X } = big();
    const small = randomMlp([6, 8, 3], 2);
    const Xs = randomPoints(20, 6, 3);
    const want = await createEngine({ workers: 0 }).then(async (e) => {
      const r = await e.jacobian(small, Xs);
      await e.close();
      return r;
    });
    await engine.jacobian(small, Xs); // the worker is up and knows the small model
    const a = engine.jacobian(model, X);
    const b = engine.jacobian(small, Xs);
    await new Promise((r) => setTimeout(r, 20));
    const replaced = engine.workerPool!.replaced;
    expect(engine.workerPool!.killBusy()).toBe(true);
    await expect(a).rejects.toBeInstanceOf(WorkerCrashError);
    const got = await b;
    expect(got.data).toEqual(want.data);
    expect(engine.workerPool!.replaced).toBe(replaced + 1);
  }, 60_000);

  test("call A is aborted while running: A rejects with AbortError, call B behind it succeeds", async () => {
    const { model, X } = big();
    const small = randomMlp([6, 8, 3], 2);
    const Xs = randomPoints(20, 6, 3);
    const ctl = new AbortController();
    const a = engine.jacobian(model, X, { signal: ctl.signal });
    const b = engine.jacobian(small, Xs);
    await new Promise((r) => setTimeout(r, 20));
    ctl.abort();
    await expect(a).rejects.toBeInstanceOf(AbortError);
    expect((await b).shape).toEqual([20, 3, 6]);
  }, 60_000);
});
