import { describe, expect, test } from "vitest";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REDUCED_DIM_SPECTRA, runDimSpectra } from "../../src/experiments/dimSpectra.js";
import { trainMnistCnn } from "../../src/experiments/trainCnn.js";
import { loadDataset } from "../../src/data/datasets.js";
import { OptionError } from "../../src/errors.js";

describe("reproduction 1 (reduced): DIM spectra across datasets", () => {
  test("tiny seeded CNN: in-distribution MNIST has a smaller median top eigenvalue than uniform noise; the cache reloads the same model", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "foliate-spectra-"));
    try {
      const opts = { ...REDUCED_DIM_SPECTRA, seed: 3, cacheDir };
      const t0 = Date.now();
      const res = await runDimSpectra(opts);
      console.log(`${res.table}\n${((Date.now() - t0) / 1000).toFixed(1)} s`);
      expect(res.modelSource).toBe("trained");
      expect(res.accuracy).toBeGreaterThan(0.85);
      const row = (name: string) => res.rows.find((r) => r.dataset === name)!;
      expect(row("mnist").medianLogLambda1).toBeLessThan(row("noise").medianLogLambda1);
      expect(row("mnist").distanceToMnist).toBe(0);
      expect(row("noise").distanceToMnist).toBeGreaterThan(0);
      expect(row("mnist").probeAccuracy!).toBeGreaterThan(row("noise").probeAccuracy!);
      expect(res.plot.length).toBe(4 * 9);
      expect(readdirSync(cacheDir).length).toBe(1);
      const again = await runDimSpectra({ ...opts, probe: false, datasets: ["mnist"] });
      expect(again.modelSource).toBe("cache");
      expect(again.accuracy).toBe(res.accuracy);
      expect(Array.from(again.signatures.mnist.samples)).toEqual(Array.from(res.signatures.mnist.samples));
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 180_000);

  test("training is deterministic for a seed (same weights twice) and differs across seeds", async () => {
    const { X, labels } = await loadDataset("mnist:train", { limit: 256 });
    const opts = { widths: { conv1: 2, conv2: 4, dense: 8 }, epochs: 1, batchSize: 32 };
    const a = await trainMnistCnn(X, labels, { ...opts, seed: 5 });
    const b = await trainMnistCnn(X, labels, { ...opts, seed: 5 });
    const c = await trainMnistCnn(X, labels, { ...opts, seed: 6 });
    const weights = (m: typeof a.model) => JSON.stringify(m.toJSON());
    expect(weights(a.model)).toBe(weights(b.model));
    expect(weights(a.model)).not.toBe(weights(c.model));
    await expect(runDimSpectra({ datasets: ["noise"] })).rejects.toThrow(OptionError);
  });
});
