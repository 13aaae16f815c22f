import { expect, test } from "vitest";
import { createEngine, ricciFlowFromActivations } from "../../../src/index.js";
import { referenceForward } from "../../../src/reference/forward.js";
import { randomMlp, randomPoints } from "../../support/models.js";

test("engine.ricciFlow equals the flow over float64 reference activations, for 0, 1 and 2 workers", async () => {
  const model = randomMlp([3, 12, 12, 12, 2], 4, "relu", "softmax");
  const n = 120, X = randomPoints(n, 3, 8);
  // reference clouds: X, then every hidden layer's output (relu layers), then the logits
  const ref = Array.from({ length: n }, (_, i) => referenceForward(model, X.subarray(i * 3, i * 3 + 3)));
  const cloud = (get: (r: (typeof ref)[0]) => Float64Array, dim: number) => ({ data: Float32Array.from(ref.flatMap((r) => Array.from(get(r)))), dim });
  const clouds = [{ data: X, dim: 3 }, cloud((r) => r.layerOutputs[0], 12), cloud((r) => r.layerOutputs[1], 12), cloud((r) => r.layerOutputs[2], 12), cloud((r) => r.output, 2)];
  const expected = await ricciFlowFromActivations(clouds, { k: 10, mode: "union", disconnected: "reachable" });
  for (const workers of [0, 1, 2]) {
    const engine = await createEngine({ workers });
    const got = await engine.ricciFlow(model, X, { k: 10, mode: "union", disconnected: "reachable" });
    await engine.close();
    expect(got.ric.length).toBe(4); // input + 3 hidden layers
    expect(Array.from(got.ric)).toEqual(Array.from(expected.ric));
    expect(Array.from(got.g)).toEqual(Array.from(expected.g));
    expect(Array.from(got.eta)).toEqual(Array.from(expected.eta));
    if (Number.isFinite(expected.rho)) expect(got.rho).toBeCloseTo(expected.rho, 12);
  }
  const engine = await createEngine({ workers: 2 });
  const sweep = await engine.ricciSweep(model, X, [5, 10], { mode: "union", disconnected: "reachable" });
  expect(sweep.flows[1].ric).toEqual(expected.ric);
  await engine.close();
});

test("engine.ricciFlow's clouds of chosen nodes, by name or index in the order given, equal the flow over those float64 reference activations", async () => {
  const model = randomMlp([3, 12, 10, 12, 2], 5, "relu", "softmax");
  const n = 100, X = randomPoints(n, 3, 9);
  const ref = Array.from({ length: n }, (_, i) => referenceForward(model, X.subarray(i * 3, i * 3 + 3)));
  const cloud = (get: (r: (typeof ref)[0]) => Float64Array, dim: number) => ({ data: Float32Array.from(ref.flatMap((r) => Array.from(get(r)))), dim });
  const clouds = [{ data: X, dim: 3 }, cloud((r) => r.layerOutputs[2], 12), cloud((r) => r.layerOutputs[1], 10), cloud((r) => r.output, 2)];
  const expected = await ricciFlowFromActivations(clouds, { k: 8, mode: "union", disconnected: "reachable" });
  const engine = await createEngine({ workers: 0 });
  try {
    const got = await engine.ricciFlow(model, X, { k: 8, mode: "union", disconnected: "reachable", layers: [model.layers[2].name, 1] });
    expect(got.ric.length).toBe(3); // input + the two chosen nodes
    expect(Array.from(got.ric)).toEqual(Array.from(expected.ric));
    expect(Array.from(got.eta)).toEqual(Array.from(expected.eta));
    await expect(engine.ricciFlow(model, X, { k: 8, layers: ["nope"] })).rejects.toThrow(/"nope" names no node/);
    await expect(engine.ricciFlow(model, X, { k: 8, layers: [7] })).rejects.toThrow(/not a node index in 0\.\.3/);
  } finally {
    await engine.close();
  }
});
