import { createRequire } from "node:module";
import { tf } from "../../../src/tfjsQuiet.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, Model, type Engine } from "../../../src/index.js";
import { leafDistances, leafWalks } from "../../../src/experiments/mnistLeaves.js";

const mnist = createRequire(import.meta.url)("mnist") as Record<number, { range(a: number, b: number): number[][] }>;

let engine: Engine;
beforeAll(async () => { engine = await createEngine({ workers: 0 }); });
afterAll(async () => { await engine.close(); });

/** perClass images of each digit from offset `at` (the mnist package's fixed order), n×784 and labels. */
function digits(perClass: number, at: number) {
  const X: number[] = [], y: number[] = [];
  for (let c = 0; c < 10; c++) for (const img of mnist[c].range(at, at + perClass).slice(0, perClass)) { X.push(...img); y.push(c); }
  return { X: Float32Array.from(X), y: Int32Array.from(y) };
}

describe("reproduction 3 (reduced): MNIST data is correlated with leaves", () => {
  it("data walks towards another class change the prediction, kernel walks keep it; data leaves pass closer to data", async () => {
    await tf.setBackend("cpu");
    const train = digits(30, 0), test = digits(5, 100);
    const net = tf.sequential({ layers: [
      tf.layers.dense({ inputShape: [784], units: 32, activation: "relu", kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }),
      tf.layers.dense({ units: 10, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ] });
    const xs = tf.tensor2d(train.X, [300, 784]), ys = tf.oneHot(tf.tensor1d(train.y, "int32"), 10).toFloat();
    const opt = tf.train.adam(0.01);
    for (let e = 0; e < 60; e++) opt.minimize(() => tf.metrics.categoricalCrossentropy(ys, net.apply(xs) as tf.Tensor).mean() as tf.Scalar);
    const model = Model.fromTfjs(net as unknown as Parameters<typeof Model.fromTfjs>[0]);
    tf.dispose([xs, ys]);

    const walks = await leafWalks(engine, model, test.X, test.y, { pairs: 8, seed: 3, maxLength: 20 });
    expect(walks.pairs.length).toBe(8);
    expect(walks.kernelKept).toBe(1); // p is constant on kernel leaves
    for (const p of walks.pairs) expect(p.kernelDrift).toBeLessThan(1e-9);
    expect(walks.dataChanged).toBeGreaterThanOrEqual(0.5); // measured: 8 of 8 (5 of them to the target's class)
    // 10 training-image and 10 noise starts, each walking towards the same 6 held-out images: one mean remaining
    // relative distance per leaf, compared by the one-sided Mann–Whitney test (exact; the smallest attainable p
    // is 1/C(20, 10) = 5.4e-6). Measured: means 0.931 vs 0.950, U = 95 of 100, p = 1.0e-4.
    const dist = await leafDistances(engine, model, train.X, test.X, { starts: 10, targets: 6, seed: 4 });
    console.log(`leaf distances: mean ${dist.meanData.toFixed(3)} (data starts) vs ${dist.meanNoise.toFixed(3)} (noise starts); Mann–Whitney U = ${dist.test.u}, one-sided p = ${dist.test.p.toExponential(2)}`);
    expect(dist.fromData.length).toBe(60);
    expect(dist.startMeansData[2]).toBeCloseTo(dist.fromData.subarray(12, 18).reduce((a, b) => a + b, 0) / 6, 14);
    expect(dist.test.exact).toBe(true);
    expect(dist.test.p).toBeLessThan(0.01); // data leaves pass closer to held-out data, at the 1 % level
  }, 60_000);
});
