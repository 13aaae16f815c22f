/**
 * The pool without shared memory (a browser page that is not cross-origin isolated): workers return their
 * chunks and the calling thread copies them; inputs are copied per chunk. Same results as the calling thread.
 */
import { describe, expect, test, vi } from "vitest";

vi.mock("../../src/engine/platform.js", async (importOriginal) => ({ ...(await importOriginal<object>()), canShareMemory: false }));

const { createEngine } = await import("../../src/index.js");
const { randomCnn, randomMlp, randomPoints } = await import("../support/models.js");

describe("no SharedArrayBuffer", () => {
  test("2 workers give the calling thread's results, fresh and into `out`, and never hand out shared memory", async () => {
    const mlp = randomMlp([30, 16, 5], 4);
    const cnn = randomCnn(10, 10, 1, 4, 3);
    const Xm = randomPoints(90, 30, 1);
    const Xc = randomPoints(33, 100, 2);
    const local = await createEngine({ workers: 0 });
    const pooled = await createEngine({ workers: 2, chunkSize: 8 });
    const want = [await local.jacobian(mlp, Xm), await local.jacobian(cnn, Xc)];
    const got = [await pooled.jacobian(mlp, Xm), await pooled.jacobian(cnn, Xc)];
    const out = new Float32Array(want[0].data.length);
    await pooled.jacobian(mlp, Xm, { out });
    for (let i = 0; i < 2; i++) expect(got[i].data).toEqual(want[i].data);
    expect(out).toEqual(want[0].data);
    expect(got[0].data.buffer).toBeInstanceOf(ArrayBuffer);
    expect(pooled.workerPool!.completed.reduce((a, b) => a + b, 0)).toBe(Math.ceil(90 / 8) * 2 + Math.ceil(33 / 8));
    await local.close();
    await pooled.close();
  }, 60_000);
});
