/**
 * The report's Jacobian spot check leaves out points whose ±h differences cross into another linear piece,
 * max-pool choices included: on a blank image every conv output equals its bias, every pool window is a tie,
 * and central differences average two pieces (they used to be reported as a 40 % Jacobian error).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { Model } from "../../src/model/model.js";
import { checkJacobians } from "../../src/cli/report/jacobianCheck.js";
import { randomWeights } from "../support/models.js";

const model = new Model({
  inputShape: [6, 6, 1],
  head: "softmax",
  layers: [
    { type: "conv2d", filters: 2, kernelSize: [3, 3], strides: [1, 1], padding: "valid", kernel: randomWeights(1, 18, 0.5), bias: Float64Array.of(0.5, 0.3), activation: "relu" },
    { type: "maxPool2d", poolSize: [2, 2], strides: [2, 2], padding: "valid" },
    { type: "flatten" },
    { type: "dense", units: 3, kernel: randomWeights(2, 24, 0.5), bias: new Float64Array(3), activation: "linear" },
  ],
});

describe("checkJacobians", () => {
  let engine: Engine;
  beforeAll(async () => (engine = await createEngine({ workers: 0 })));
  afterAll(() => engine.close());

  it("leaves out a blank image (max-pool ties) and checks a generic one to float32 accuracy", async () => {
    const X = new Float32Array(72);
    X.set(Float32Array.from(randomWeights(3, 36, 1)), 36); // point 1: generic
    const J = await engine.jacobian(model, X);
    const c = checkJacobians(model, X, J.data, 2);
    expect(c.straddling).toBe(1);
    expect(c.checked).toBe(1);
    expect(c.relErrors[0]).toBeLessThan(1e-4);
  });
});
