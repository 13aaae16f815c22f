// Qualitative: the flow of a network trained (seeded, tfjs cpu) on the two-blob set.
import { describe, expect, it } from "vitest";
import { tf } from "../../../src/tfjsQuiet.js";
import { buildClassifier, testAccuracy, tfjsActivations, trainClassifier } from "../../../src/experiments/ricciPopulation.js";
import { nestedBlobs } from "../../../src/analyses/ricci/datasets.js";
import { ricciSweepFromActivations } from "../../../src/analyses/ricci/ricciFlow.js";

describe("Ricci flow of a trained network (two blobs in a cube)", () => {
  it("is well trained, and ρ_k < 0 for a suitable k (seeded, cpu backend)", async () => {
    await tf.setBackend("cpu");
    const train = nestedBlobs(300, 1);
    const test = nestedBlobs(200, 2);
    const model = buildClassifier(3, [25, 25, 25, 25, 25], 1);
    await trainClassifier(model, train, 40);
    const acc = testAccuracy(model, test);
    const clouds = await tfjsActivations(model, test.X, test.n);
    model.dispose();
    const ks = [5, 10, 20, 40, 80, 150];
    const sweep = await ricciSweepFromActivations(clouds, ks, "directed", { disconnected: "reachable" });
    expect(acc).toBeGreaterThan(0.95);
    // With this seed: ρ_k ≈ −0.27, 0.83, 0.66, 0.83, 0.36, −0.95 for k = 5…150. The suitable k is 150 (of n = 200),
    // where g_l first shrinks (22306 → 21884) and then stays flat; for k ≤ 80, g_l grows in the last hidden layers
    // (the representation becomes nearly one-dimensional), so "g_l decreases towards the output" does not hold here.
    const at = (k: number) => sweep.flows[ks.indexOf(k)];
    expect(at(150).rho).toBeLessThan(-0.5);
    expect(at(150).g[1]).toBeLessThan(at(150).g[0]);
    expect(at(5).components[5]).toBeGreaterThan(1); // k = 5 splits the last layer: reported, not summed
    for (const k of [10, 20, 40, 80, 150]) expect(at(k).disconnected).toBe(false);
    expect(at(10).g[5]).toBeGreaterThan(at(10).g[0]);
  });
});
