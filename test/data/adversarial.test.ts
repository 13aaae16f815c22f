import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEngine, type Engine } from "../../src/index.js";
import { adversarialExamples, crossEntropyGradients } from "../../src/data/adversarial.js";
import { loadDataset } from "../../src/data/datasets.js";
import { uniformNoise } from "../../src/data/generated.js";
import { OptionError } from "../../src/errors.js";
import { referenceForward, softmax } from "../../src/reference/forward.js";
import { randomCnn } from "../support/models.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

const model = randomCnn(28, 28, 1, 10, 5);
const noise = uniformNoise(2, 784, 17);

/** Cross-entropy −log p_y from the float64 reference forward pass (independent of the engine). */
function loss(X: Float32Array | Float64Array, labels: Uint8Array, i: number): number {
  const p = softmax(referenceForward(model, X.subarray(i * 784, (i + 1) * 784)).output);
  return -Math.log(p[labels[i]]);
}

describe("adversarial MNIST", () => {
  test.each([
    ["fgsm", "linf", 0.05],
    ["pgd", "linf", 0.05],
    ["fgsm", "l2", 1.0],
    ["pgd", "l2", 1.0],
  ] as const)("%s %s ε=%f: stays within ε and [0, 1], raises the loss", async (method, norm, epsilon) => {
    const { X, labels } = await loadDataset("mnist:test", { limit: 12 });
    const adv = await adversarialExamples(engine, model, X, labels, { method, norm, epsilon, steps: 5, seed: 3 });
    let raised = 0;
    for (let i = 0; i < 12; i++) {
      let linf = 0, l2 = 0;
      for (let t = 0; t < 784; t++) {
        const v = adv.X[i * 784 + t];
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        const dv = v - X[i * 784 + t];
        linf = Math.max(linf, Math.abs(dv));
        l2 += dv * dv;
      }
      if (norm === "linf") expect(linf).toBeLessThanOrEqual(epsilon + 1e-6);
      else expect(Math.sqrt(l2)).toBeLessThanOrEqual(epsilon * (1 + 1e-5));
      expect(linf).toBeGreaterThan(0);
      if (loss(adv.X, labels, i) > loss(X, labels, i)) raised++;
    }
    expect(raised).toBeGreaterThanOrEqual(11); // every point, up to one where a kink may interfere
  });

  test("the gradient is the cross-entropy's (central differences of the float64 reference loss)", async () => {
    // MNIST's flat black background makes max-pool windows tie (a kink where central differences average
    // the one-sided slopes): a little seeded noise moves the points off those ties.
    const ds = await loadDataset("mnist:test", { limit: 2 });
    const labels = ds.labels;
    const X = ds.X.map((v, i) => v + 0.01 * noise[i]);
    const g = await crossEntropyGradients(engine, model, X, labels);
    const h = 1e-6;
    for (let i = 0; i < 2; i++)
      for (const t of [100, 300, 406, 500]) {
        const xp = Float64Array.from(X), xm = Float64Array.from(X); // float64: no rounding of the step
        xp[i * 784 + t] += h;
        xm[i * 784 + t] -= h;
        const fd = (loss(xp, labels, i) - loss(xm, labels, i)) / (2 * h);
        expect(Math.abs(g[i * 784 + t] - fd)).toBeLessThan(1e-4 * (1 + Math.abs(fd)));
      }
  });

  test("PGD is deterministic per seed; bad options throw", async () => {
    const { X, labels } = await loadDataset("mnist:test", { limit: 3 });
    const a = await adversarialExamples(engine, model, X, labels, { steps: 2, seed: 4 });
    const b = await adversarialExamples(engine, model, X, labels, { steps: 2, seed: 4 });
    const c = await adversarialExamples(engine, model, X, labels, { steps: 2, seed: 5 });
    expect(Array.from(a.X)).toEqual(Array.from(b.X));
    expect(Array.from(a.X)).not.toEqual(Array.from(c.X));
    await expect(adversarialExamples(engine, model, X, labels, { epsilon: -1 })).rejects.toThrow(OptionError);
    await expect(adversarialExamples(engine, model, X, Uint8Array.of(1, 2, 11))).rejects.toThrow(OptionError);
  });
});
