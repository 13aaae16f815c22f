/** Node names work wherever a `layer` index does: Jacobian outputs, pullback metrics, pullback leaves. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { OptionError } from "../../src/errors.js";
import { randomMlp } from "../support/models.js";

describe("layers by name", () => {
  let engine: Engine;
  beforeAll(async () => (engine = await createEngine({ workers: 0 })));
  afterAll(() => engine.close());
  const model = randomMlp([4, 6, 5, 3], 7);
  const X = [[0.1, -0.3, 0.5, 0.2], [1, 0.5, -0.5, 0.25]];

  it("gives the same Jacobian, pullback metric and leaf for a node's name as for its index", async () => {
    expect(model.layers.map((l) => l.name)).toEqual(["dense_0", "dense_1", "dense_2"]);
    const byIndex = await engine.jacobian(model, X, { output: { layer: 1 } });
    const byName = await engine.jacobian(model, X, { output: { layer: "dense_1" } });
    expect(byName.shape).toEqual([2, 5, 4]);
    expect(Array.from(byName.data)).toEqual(Array.from(byIndex.data));
    const g1 = await engine.pullbackMetric(model, X, { layer: 1 });
    const g2 = await engine.pullbackMetric(model, X, { layer: "dense_1" });
    expect(Array.from(g2.eigenvalues)).toEqual(Array.from(g1.eigenvalues));
    const l1 = await engine.leaf(model, X[0], { distribution: { metric: "pullback", layer: 1 }, maxLength: 0.5, seed: 3 });
    const l2 = await engine.leaf(model, X[0], { distribution: { metric: "pullback", layer: "dense_1" }, maxLength: 0.5, seed: 3 });
    expect(Array.from(l2.points)).toEqual(Array.from(l1.points));
  });

  it("names the nodes when a name matches none", async () => {
    await expect(engine.jacobian(model, X, { output: { layer: "conv9" } })).rejects.toThrow(OptionError);
    await expect(engine.jacobian(model, X, { output: { layer: "conv9" } })).rejects.toThrow(/output.layer "conv9" names no node of this model \(nodes: "dense_0", "dense_1", "dense_2"\)/);
    await expect(engine.pullbackMetric(model, X, { layer: "x" })).rejects.toThrow(/layer "x" names no node/);
  });
});
