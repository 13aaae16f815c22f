import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { OptionError } from "../../src/errors.js";
import { subjectFor } from "../../src/cli/models/train.js";
import { MNIST_CLASSES_RECIPE, mnistClassWalks } from "../../src/experiments/mnistClasses.js";
import { referenceForward, softmax } from "../../src/reference/forward.js";
import type { Subject } from "../../src/cli/report/section.js";
import { foliateInProcess } from "../cli/run.js";

let engine: Engine;
let subject: Subject;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
  subject = await subjectFor(MNIST_CLASSES_RECIPE, { quick: true }); // 2 epochs on 8 000 images, ≈ 4 s, no cache
}, 60_000);
afterAll(() => engine.close());

describe("reproduction 5 (reduced): SiMEC random walks in the classes of a trained MNIST MLP", () => {
  test("the trained MLP; walks projected to [0, 1] keep the class at every vertex; the reported end point and drift check against a float64 forward pass", async () => {
    expect(subject.training!.testAccuracy).toBeGreaterThan(0.88); // measured 92.3 % (2 epochs)
    const { model, test: set } = subject;
    const r = await mnistClassWalks(engine, model, set.X, set.labels, { starts: 3, steps: 200, delta: 1e-2, box: "clamp" });
    expect(r.walks.length).toBe(3);
    expect(new Set(r.walks.map((w) => w.label)).size).toBe(3); // distinct digits
    for (const w of r.walks) {
      expect(w.classKept).toBe(true);
      expect(w.startClass).toBe(w.label); // started from a correctly classified image
      expect(w.vertices).toBe(201); // the clamped walk went on to the last step
      expect(w.stopReason).toBe("steps");
      expect(w.length).toBeGreaterThan(0.9 * 200 * 1e-2); // clamping shortens a step only a little
      // the end point: inside the box, predicted and probability as a float64 forward pass says
      expect(Math.min(...w.endPoint)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...w.endPoint)).toBeLessThanOrEqual(1);
      const p = softmax(referenceForward(model, w.endPoint).output);
      expect(Math.abs(p[w.startClass] - w.endProbability)).toBeLessThan(1e-12);
      expect(p.indexOf(Math.max(...p))).toBe(w.endClass);
      const p0 = softmax(referenceForward(model, set.X.subarray(w.index * 784, (w.index + 1) * 784)).output);
      expect(Math.abs(p0[w.startClass] - w.startProbability)).toBeLessThan(1e-12);
      expect(w.probabilityDrift).toBeGreaterThanOrEqual(Math.abs(w.endProbability - w.startProbability));
      expect(w.energy).toBeLessThan(1e-6); // the directions are null for g at each x (before the clamp)
    }
    // measured: max |Δp_c| 5.7e-3 / 7.0e-5 / 1.6e-4, the random-direction controls 6.7e-3 / 6.9e-5 / 9.9e-5: the
    // clamp takes the steps out of ker g and the drift is that of a random walk of the same length
    console.log(`clamped: max |Δp_c| ${r.maxProbabilityDrift.toExponential(2)}, controls max ${r.maxControlDrift.toExponential(2)}`);
  }, 60_000);

  test("sliding in [0, 1] (the default box): class and probability kept far below the random walks, every step in the box", async () => {
    const { model, test: set } = subject;
    const r = await mnistClassWalks(engine, model, set.X, set.labels, { starts: 3, steps: 200, delta: 1e-2 });
    expect(r.config.box).toBe("slide");
    for (const w of r.walks) {
      expect(w.classKept).toBe(true);
      expect(w.length).toBeCloseTo(2, 10); // 200 full steps: held pixels shorten none of them
      expect(Math.min(...w.endPoint)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...w.endPoint)).toBeLessThanOrEqual(1);
      const p = softmax(referenceForward(model, w.endPoint).output);
      expect(Math.abs(p[w.startClass] - w.endProbability)).toBeLessThan(1e-12);
      expect(w.controlProbabilityDrift).toBeGreaterThan(100 * w.probabilityDrift);
    }
    console.log(`slide: max |Δp_c| ${r.maxProbabilityDrift.toExponential(2)}, controls max ${r.maxControlDrift.toExponential(2)}`);
  }, 60_000);

  test("without the box the walks stay in ker g: the probabilities are kept to rounding, far below random walks of the same steps", async () => {
    const { model, test: set } = subject;
    const r = await mnistClassWalks(engine, model, set.X, set.labels, { starts: 3, steps: 200, delta: 1e-2, box: "none" });
    for (const w of r.walks) {
      expect(w.classKept).toBe(true);
      expect(w.length).toBeCloseTo(2, 10); // 200 unit steps of 1e-2, none shortened
      expect(w.probabilityDrift).toBeLessThan(1e-8); // measured ≤ 2.1e-11 (region crossings only)
      expect(w.controlProbabilityDrift).toBeGreaterThan(100 * w.probabilityDrift); // measured ≥ 3.7e-5
      const p = softmax(referenceForward(model, w.endPoint).output);
      expect(Math.abs(p[w.startClass] - w.startProbability)).toBeLessThan(1e-8);
    }
    await expect(mnistClassWalks(engine, model, set.X, set.labels, { box: "bounce" as never })).rejects.toThrow(OptionError);
  }, 60_000);

  test("foliate reproduce classes --quick prints both runs and the JSON", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const cache = mkdtempSync(join(tmpdir(), "foliate-classes-"));
    try {
      const r = await foliateInProcess(["reproduce", "classes", "--quick", "--cache", cache, "--json", "-q", "-w", "0"]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.experiment).toBe("classes");
      expect(out.clamped.kept).toBe(1);
      expect(out.clamped.config.box).toBe("clamp");
      expect(out.free.maxProbabilityDrift).toBeLessThan(1e-8);
      expect(out.training.testAccuracy).toBeGreaterThan(0.88);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }, 90_000);
});
