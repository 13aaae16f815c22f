/**
 * engine.forward and engine.jacobian on the imported PyTorch nets reproduce PyTorch's float64 outputs and
 * Jacobians (issue 4, "Interchange"). The engine computes in float32: agreement is at float32 level.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { forwardAgreementWithPytorch, jacobianAgreementWithPytorch, loadPytorchCase, PYTORCH_MODELS } from "./pytorch-fixtures.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(async () => {
  await engine?.close();
});

const measured: Record<string, { forward: number; jacobian: number }> = {};

describe.each(PYTORCH_MODELS)("ONNX %s through the Wasm engine", (name) => {
  const c = loadPytorchCase(name);

  it("engine.forward reproduces PyTorch's outputs", async () => {
    const errors = await forwardAgreementWithPytorch(c, async (model, x) => (await engine.forward(model, x)).logits);
    (measured[name] ??= { forward: 0, jacobian: 0 }).forward = Math.max(...errors);
    for (const e of errors) expect(e).toBeLessThan(1e-6); // measured ≤ 2.2e-7 (float32 weights and arithmetic)
  });

  it("engine.jacobian reproduces PyTorch's Jacobians", async () => {
    const errors = await jacobianAgreementWithPytorch(c, async (model, x) => (await engine.jacobian(model, x)).data);
    (measured[name] ??= { forward: 0, jacobian: 0 }).jacobian = Math.max(...errors);
    for (const e of errors) expect(e).toBeLessThan(1e-6); // measured ≤ 2.2e-7 (float32 weights and arithmetic)
  });
});

it("report: engine agreement with PyTorch", () => {
  console.log(JSON.stringify(measured, null, 1));
  expect(Object.keys(measured)).toHaveLength(PYTORCH_MODELS.length);
});
