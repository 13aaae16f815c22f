import { expect, test } from "vitest";
import { createEngine } from "../../src/index.js";
import { detectVariant } from "../../src/engine/wasm.js";
import { randomCnn, randomMlp, randomPoints } from "../support/models.js";

test("the debug build (every bound check on) computes what the release build computes", async () => {
  expect(["simd", "relaxed"]).toContain(detectVariant());
  const debug = await createEngine({ workers: 0, variant: "debug" });
  const release = await createEngine({ workers: 0 });
  const mlp = randomMlp([12, 20, 16, 5], 4, "leakyRelu", "softmax", 0.1);
  const cnn = randomCnn(10, 10, 2, 4, 6);
  const X1 = randomPoints(9, 12, 1), X2 = randomPoints(3, 200, 2);
  for (const [model, X] of [[mlp, X1], [cnn, X2]] as const) {
    const [a, b] = [await debug.jacobian(model, X, { output: "probs" }), await release.jacobian(model, X, { output: "probs" })];
    for (let i = 0; i < a.data.length; i++) expect(Math.abs(a.data[i] - b.data[i])).toBeLessThan(1e-6);
    const [c, d] = [await debug.dim(model, X), await release.dim(model, X)];
    expect(Array.from(c.rank)).toEqual(Array.from(d.rank));
    for (let i = 0; i < c.eigenvalues.length; i++) expect(Math.abs(c.eigenvalues[i] - d.eigenvalues[i])).toBeLessThan(1e-6 * (Math.abs(d.eigenvalues[0]) + 1e-12));
    const [e, f] = [await debug.forward(model, X), await release.forward(model, X)];
    expect(e.regionHash).toEqual(f.regionHash);
  }
  await debug.close();
  await release.close();
});
