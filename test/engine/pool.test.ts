import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AbortError, createEngine, WorkerCrashError, type Engine } from "../../src/index.js";
import { randomCnn, randomMlp, randomPoints } from "../support/models.js";

describe("results do not depend on the worker count", () => {
  test("workers 0, 1 and 2 give bit-identical forward, Jacobian and DIM results", async () => {
    const mlp = randomMlp([20, 32, 32, 6], 3);
    const cnn = randomCnn(12, 12, 1, 5, 4);
    const results: unknown[][] = [];
    for (const workers of [0, 1, 2]) {
      const engine = await createEngine({ workers, chunkSize: 16 });
      const X1 = randomPoints(100, 20, 1);
      const X2 = randomPoints(37, 144, 2);
      results.push([
        await engine.forward(mlp, X1),
        await engine.jacobian(mlp, X1, { output: "logprobs" }),
        await engine.dim(mlp, X1),
        await engine.jacobian(cnn, X2),
      ]);
      await engine.close();
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});

describe("worker pool failures", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ workers: 2, chunkSize: 8 });
  });
  afterAll(() => engine.close());

  test("a worker killed mid-job rejects that job with WorkerCrashError; the next call succeeds", async () => {
    const model = randomMlp([784, 256, 256, 10], 1);
    const X = randomPoints(2000, 784, 5);
    // kill a busy worker as soon as the first chunk is done (many chunks are still queued or running then)
    let killed: boolean | undefined;
    const job = engine.jacobian(model, X, {
      onProgress: () => {
        if (killed === undefined) killed = engine.workerPool!.killBusy();
      },
    });
    await expect(job).rejects.toBeInstanceOf(WorkerCrashError);
    expect(killed).toBe(true);
    const ok = await engine.jacobian(model, X.subarray(0, 784 * 3));
    expect(ok.shape).toEqual([3, 10, 784]);
    expect(engine.workerPool!.replaced).toBeGreaterThanOrEqual(1);
  });

  test("a worker that crashes by itself is replaced and the engine keeps serving", async () => {
    const before = engine.workerPool!.replaced;
    await engine.workerPool!.crashOne();
    for (let i = 0; i < 500 && engine.workerPool!.replaced === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(engine.workerPool!.replaced).toBe(before + 1);
    const model = randomMlp([4, 8, 3], 2);
    const res = await engine.forward(model, randomPoints(50, 4, 1));
    expect(res.n).toBe(50);
  });

  test("AbortSignal rejects with AbortError and the pool serves the next call", async () => {
    const model = randomMlp([784, 256, 256, 10], 1);
    const ctl = new AbortController();
    // abort once the first chunk is done: the rest is queued or running
    const job = engine.jacobian(model, randomPoints(2000, 784, 6), { signal: ctl.signal, onProgress: () => ctl.abort() });
    await expect(job).rejects.toBeInstanceOf(AbortError);
    const ok = await engine.dim(model, randomPoints(4, 784, 7));
    expect(ok.n).toBe(4);
  });

  test("progress is reported per chunk up to the total", async () => {
    const model = randomMlp([5, 8, 3], 2);
    const seen: [number, number][] = [];
    await engine.forward(model, randomPoints(50, 5, 1), { onProgress: (d, t) => seen.push([d, t]) });
    expect(seen.length).toBe(7);
    expect(seen[seen.length - 1]).toEqual([50, 50]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThan(seen[i - 1][0]);
  });
});
