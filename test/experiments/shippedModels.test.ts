// The models shipped in data/models are found by their training configuration and are what data/README.md says.
import { describe, expect, it } from "vitest";
import { trainMnistCnn } from "../../src/experiments/trainCnn.js";
import { loadDataset } from "../../src/data/datasets.js";
import { createEngine } from "../../src/api/engine.js";

describe("shipped models", () => {
  it("the report's 8/16/64 MNIST CNN loads without training and classifies the shipped test images at 97.4 %", async () => {
    const train = await loadDataset("mnist:train");
    const r = await trainMnistCnn(train.X, train.labels, { widths: { conv1: 8, conv2: 16, dense: 64 }, epochs: 4, seed: 1 });
    expect(r.source).toBe("shipped");
    expect(r.seconds).toBe(0);
    expect(r.model.inputShape).toEqual([28, 28, 1]);
    const test = await loadDataset("mnist:test");
    const engine = await createEngine({ workers: 0 });
    try {
      const { probs } = await engine.forward(r.model, test.X);
      let right = 0;
      for (let i = 0; i < test.n; i++) {
        const p = probs.subarray(i * 10, i * 10 + 10);
        if (p.indexOf(Math.max(...p)) === test.labels[i]) right++;
      }
      expect(right / test.n).toBeCloseTo(0.974, 3);
    } finally {
      await engine.close();
    }
  });

  it("another configuration is not taken from the shipped folder", async () => {
    const train = await loadDataset("mnist:train", { limit: 64 });
    // 64 images: a configuration nobody ships; with epochs 0 nothing is trained either way, so this stays fast.
    const r = await trainMnistCnn(train.X, train.labels, { widths: { conv1: 2, conv2: 2, dense: 4 }, epochs: 0, seed: 1 });
    expect(r.source).toBe("trained");
  });
});
