// The reduced population run (3 small networks, n = 200): its summary against a recomputation from the
// per-network results, the injected activations function, determinism.
import { describe, expect, it } from "vitest";
import { tf } from "../../src/tfjsQuiet.js";
import { fullPopulationOptions, reducedPopulationOptions, ricciPopulation, tfjsActivations, type ActivationsFn } from "../../src/experiments/ricciPopulation.js";
import { OptionError } from "../../src/errors.js";

describe("ricciPopulation (reduced run)", () => {
  it("trains 3 networks, sweeps k and summarizes over the well-trained ones", async () => {
    await tf.setBackend("cpu");
    let calls = 0;
    const activations: ActivationsFn = (model, X, n) => {
      calls++;
      return tfjsActivations(model, X, n);
    };
    const opts = reducedPopulationOptions("blobs");
    expect(opts.networks.length).toBe(3);
    expect(opts.nTest).toBe(200);
    const ks = opts.ks;
    const r = await ricciPopulation({ ...opts, activations });
    expect(calls).toBe(3);
    expect(r.networks.map((n) => n.ric[0].length)).toEqual([6, 4, 4]); // L+1: the input and each hidden layer
    const good = r.networks.filter((n) => n.accuracy > 0.85);
    expect(r.wellTrained).toBe(good.length);
    expect(good.length).toBeGreaterThanOrEqual(2);
    ks.forEach((_, i) => {
      const ok = good.filter((n) => !Number.isNaN(n.rho[i]));
      expect(r.defined[i]).toBe(ok.length);
      if (ok.length) expect(r.fractionNegative[i]).toBe(ok.filter((n) => n.rho[i] < 0).length / ok.length);
      if (ok.length >= 2) {
        // correlation of −ρ with accuracy, by hand
        const x = ok.map((n) => -n.rho[i]);
        const y = ok.map((n) => n.accuracy);
        const mx = x.reduce((a, b) => a + b) / x.length;
        const my = y.reduce((a, b) => a + b) / y.length;
        const sxy = x.reduce((a, v, j) => a + (v - mx) * (y[j] - my), 0);
        const sxx = x.reduce((a, v) => a + (v - mx) ** 2, 0);
        const syy = y.reduce((a, v) => a + (v - my) ** 2, 0);
        if (sxx > 0 && syy > 0) expect(r.correlation[i]).toBeCloseTo(sxy / Math.sqrt(sxx * syy), 12);
      }
    });
  });

  it("the full run covers every architecture of the paper", () => {
    const full = fullPopulationOptions("spiral", 2);
    expect(full.networks.map((n) => n.hidden.join("-"))).toEqual([
      "25-25-25-25-25", "25-25-25-25-25", "50-50-50-50-50", "50-50-50-50-50",
      "25-25-25-25-25-25-25-25-25-25-25", "25-25-25-25-25-25-25-25-25-25-25",
      "50-50-50-50-50-50-50-50-50-50-50", "50-50-50-50-50-50-50-50-50-50-50", "50-25-50", "50-25-50",
    ]);
    expect(new Set(full.networks.map((n) => n.seed)).size).toBe(10);
  });

  it("is deterministic for a seed, and rejects an unknown data set", async () => {
    const run = () => ricciPopulation({ dataset: "sines", nTrain: 64, nTest: 60, epochs: 3, ks: [8], networks: [{ hidden: [8, 8], seed: 5 }] });
    const [a, b] = [await run(), await run()];
    expect(a.networks[0].accuracy).toBe(b.networks[0].accuracy);
    expect(Array.from(a.networks[0].rho)).toEqual(Array.from(b.networks[0].rho));
    await expect(ricciPopulation({ dataset: "mnist" as never, nTrain: 8, nTest: 8, epochs: 1, ks: [2], networks: [{ hidden: [2], seed: 1 }] }))
      .rejects.toThrow(OptionError);
  });
});
