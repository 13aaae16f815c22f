/**
 * One AbortSignal passed to many engine calls (issue 12, item 13): every chunk's abort listener is removed when
 * the chunk settles, so the signal neither trips Node's MaxListenersExceededWarning nor keeps the finished
 * calls' results alive.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getEventListeners } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { AbortError, createEngine, type Engine } from "../../src/index.js";
import { randomMlp, randomPoints } from "../support/models.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Heap plus typed-array backing stores (shared or not) after two full collections, in bytes. */
function retained(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

describe("one AbortSignal across many calls", () => {
  let engine: Engine;
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  beforeAll(async () => {
    engine = await createEngine({ workers: 2, chunkSize: 8 });
    process.on("warning", onWarning);
  });
  afterAll(async () => {
    process.off("warning", onWarning);
    await engine.close();
  });

  test("1 000 Jacobian calls leave no listener, no warning and no retained results", async () => {
    const model = randomMlp([256, 16, 3], 1);
    const X = randomPoints(32, 256, 2); // 4 chunks per call; each result is 32×3×256 float32 = 96 KiB
    const controller = new AbortController();
    const { signal } = controller;
    await engine.jacobian(model, X, { signal }); // warm up: workers, model registration, staging buffers
    const before = retained();
    for (let i = 0; i < 1000; i++) {
      await engine.jacobian(model, X, { signal });
      expect(getEventListeners(signal, "abort").length).toBe(0);
    }
    await new Promise((r) => setTimeout(r, 0)); // warnings are emitted on the next tick
    const grown = retained() - before;
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    // with one listener per chunk kept, the 1 000 results (≈ 94 MiB) stay reachable from the signal
    expect(grown).toBeLessThan(16 * 2 ** 20);
  }, 120_000);

  test("the signal still aborts a call of 500 chunks after serving many, with one listener throughout", async () => {
    const model = randomMlp([256, 64, 64, 10], 3);
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await engine.forward(model, randomPoints(16, 256, i), { signal: controller.signal });
    // 500 chunks, aborted when the first is done
    const job = engine.jacobian(model, randomPoints(4000, 256, 9), { signal: controller.signal, onProgress: () => controller.abort() });
    expect(getEventListeners(controller.signal, "abort").length).toBe(1);
    await expect(job).rejects.toBeInstanceOf(AbortError);
    expect(getEventListeners(controller.signal, "abort").length).toBe(0);
    await new Promise((r) => setTimeout(r, 0));
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    // the pool still serves after the abort replaced the busy workers
    expect((await engine.forward(model, randomPoints(16, 256, 1))).n).toBe(16);
  }, 60_000);
});
