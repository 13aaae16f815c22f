import { expect, test } from "vitest";
import { createEngine } from "../../src/index.js";
import { randomMlp, randomPoints } from "../support/models.js";

test("memory stays flat over many consecutive calls (Wasm memory and RSS bounded)", async () => {
  for (const workers of [0, 1]) {
    const engine = await createEngine({ workers });
    const model = randomMlp([784, 256, 256, 10], 1);
    const X = randomPoints(16, 784, 2);
    for (let i = 0; i < 20; i++) {
      await engine.jacobian(model, X); // warm up: the arena reaches its working size
      await engine.dim(model, X);
    }
    const before = await engine.memory();
    for (let i = 0; i < 300; i++) {
      await engine.jacobian(model, X);
      await engine.dim(model, X);
    }
    const after = await engine.memory();
    expect(after[0].wasmBytes).toBe(before[0].wasmBytes);
    expect(after[0].peakScratch).toBe(before[0].peakScratch);
    expect(after[0].rss - before[0].rss).toBeLessThan(64 * 1024 * 1024);
    await engine.close();
  }
});

test("fresh results of a pooled engine are collected like any array: RSS stays bounded over 40 calls of 8 MB", async () => {
  // Results over SharedArrayBuffer would not be: V8 does not count them as external memory, so nothing
  // prompts a collection and every call's result stays resident (RSS grew by the result size per call).
  const engine = await createEngine({ workers: 2 });
  const model = randomMlp([784, 256, 256, 10], 1);
  const X = randomPoints(256, 784, 3); // each result 256×10×784 float32 = 7.8 MiB
  for (let i = 0; i < 5; i++) await engine.jacobian(model, X);
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 40; i++) {
    const { data } = await engine.jacobian(model, X);
    expect(data.buffer).toBeInstanceOf(ArrayBuffer);
  }
  expect(process.memoryUsage().rss - before).toBeLessThan(160 * 2 ** 20); // 40 retained results: 314 MiB
  await engine.close();
}, 120_000);
