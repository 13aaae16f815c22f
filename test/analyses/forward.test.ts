import { afterAll, beforeAll, expect, test } from "vitest";
import { createEngine, type Engine } from "../../src/index.js";
import { referenceForward, softmax } from "../../src/reference/forward.js";
import { randomCnn, randomMlp, randomPoints } from "../support/models.js";
import { relError } from "../support/reference.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

test("outputs, probabilities and every layer's values equal the float64 reference", async () => {
  for (const model of [randomMlp([9, 20, 15, 4], 2, "leakyRelu", "softmax", 0.05), randomCnn(14, 14, 1, 10, 3)]) {
    const d = model.inputSize;
    const X = randomPoints(70, d, 4);
    const f = await engine.forward(model, X, { activations: true, preActivations: true });
    expect(f.n).toBe(70);
    for (let i = 0; i < f.n; i++) {
      const ref = referenceForward(model, X.subarray(i * d, (i + 1) * d));
      expect(relError(f.logits.subarray(i * f.m, (i + 1) * f.m), ref.output)).toBeLessThan(1e-5);
      expect(relError(f.probs.subarray(i * f.m, (i + 1) * f.m), softmax(ref.output))).toBeLessThan(1e-5);
      f.activations!.forEach((a, l) => {
        const size = a.shape.reduce((x, y) => x * y, 1);
        expect(relError(a.data.subarray(i * size, (i + 1) * size), ref.layerOutputs[l])).toBeLessThan(1e-5);
        expect(relError(f.preActivations![l].data.subarray(i * size, (i + 1) * size), ref.preActivations[l])).toBeLessThan(1e-5);
      });
    }
  }
});

test("activation pattern bits are the signs of the pre-activations; the hash names the region", async () => {
  const model = randomMlp([3, 40, 30, 5], 7);
  const X = randomPoints(200, 3, 8);
  const f = await engine.forward(model, X, { preActivations: true });
  expect(f.patternBits).toBe(70);
  expect(f.patternWords).toBe(3);
  const seen = new Map<bigint, string>();
  for (let i = 0; i < f.n; i++) {
    const bits: number[] = [];
    for (const l of [0, 1]) {
      const z = f.preActivations![l];
      const w = model.shapes[l][0];
      for (let u = 0; u < w; u++) bits.push(z.data[i * w + u] > 0 ? 1 : 0);
    }
    bits.forEach((b, k) => expect((f.patterns[i * 3 + (k >>> 5)] >>> (k & 31)) & 1).toBe(b));
    const key = bits.join("");
    const prev = seen.get(f.regionHash[i]);
    if (prev !== undefined) expect(prev).toBe(key); // same hash ⇒ same pattern
    seen.set(f.regionHash[i], key);
  }
  expect(new Set(seen.values()).size).toBe(seen.size); // different patterns ⇒ different hashes
  expect(seen.size).toBeGreaterThan(10);
  // a point and a tiny move of it inside the same region share the hash
  const x = X.slice(0, 3);
  const y = Float32Array.from(x, (v) => v + 1e-6);
  const g = await engine.forward(model, Float32Array.from([...x, ...y]));
  expect(g.regionHash[0]).toBe(g.regionHash[1]);
});
