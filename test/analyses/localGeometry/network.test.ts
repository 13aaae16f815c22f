import { expect, test } from "vitest";
import { tf } from "../../../src/tfjsQuiet.js";
import { createEngine, localGeometry, Model } from "../../../src/index.js";
import { regimeJoint, trainingFor } from "../../../src/experiments/localGeometry.js";
import { compareWithTfjsModel, trainOnJoint } from "../../../src/experiments/localGeometryTfjs.js";

test("compareWithNetwork on a Foliate model equals the tfjs-side extraction, and matches the SVD features in the local regime", async () => {
  const nx = 8, ny = 6, k = 2;
  const pxy = regimeJoint({ kind: "local", epsilon: 0.02 }, nx, ny, 1);
  const tm = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [nx], units: k, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
      tf.layers.dense({ units: ny, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
    ],
  });
  const theory = await localGeometry.optimalFeatures(pxy, nx, ny, k);
  const { learningRate, momentum } = trainingFor(theory.singularValues[0]);
  await trainOnJoint(tm, pxy, nx, ny, { steps: 1500, learningRate, momentum });
  const viaTfjs = await compareWithTfjsModel(tm, theory, { layer: 1 });
  const model = Model.fromTfjs(tm);
  const engine = await createEngine({ workers: 0 });
  const ours = await localGeometry.compareWithNetwork(engine, model, theory, { layer: 1 });
  await engine.close();
  for (let i = 0; i < k; i++) expect(ours.principalAngles[i]).toBeCloseTo(viaTfjs.principalAngles[i], 4);
  expect(Math.max(...ours.principalAngles)).toBeLessThan(0.05);
  expect(ours.learned.features.length).toBe(nx * k);
  await expect(localGeometry.compareWithNetwork(await createEngine({ workers: 0 }), model, theory, { layer: 5 })).rejects.toThrow(/layer 5 must be a dense layer/);
});
