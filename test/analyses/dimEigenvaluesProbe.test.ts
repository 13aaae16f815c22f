import { test } from "vitest";
import { createEngine, Model } from "../../src/index.js";
import { compileNetwork } from "../../src/model/compile.js";
import { referenceDimEigenvalues } from "../../src/reference/dim.js";
import { randomCnn, randomMlp, randomPoints } from "../support/models.js";

test("probe", async () => {
  const engine = await createEngine({ workers: 0 });
  for (const [name, model] of [["gram mlp", randomMlp([48, 20, 16, 10], 5)], ["wide mlp", randomMlp([12, 32, 32, 10], 3)], ["cnn", randomCnn(12, 12, 1, 10, 2)]] as [string, Model][]) {
    const d = model.inputSize;
    const X = randomPoints(20, d, 9);
    const net = compileNetwork(model);
    const a = await engine.dim(model, X);
    const b = await engine.dim(model, X, { eigenvectors: false });
    const buckets = new Map<number, [number, number]>();
    for (let i = 0; i < 20; i++) {
      const ref = referenceDimEigenvalues(net, X.subarray(i * d, (i + 1) * d)).eigenvalues;
      for (let j = 0; j < ref.length; j++) {
        const dec = Math.floor(Math.log10(ref[j] / ref[0]));
        const ea = Math.abs(a.eigenvalues[i * 9 + j] - ref[j]) / ref[j], eb = Math.abs(b.eigenvalues[i * 9 + j] - ref[j]) / ref[j];
        const cur = buckets.get(dec) ?? [0, 0];
        buckets.set(dec, [Math.max(cur[0], ea), Math.max(cur[1], eb)]);
      }
    }
    console.log(name, [...buckets.entries()].sort((x, y) => y[0] - x[0]).map(([k, [ea, eb]]) => `1e${k}: old ${ea.toExponential(1)} new ${eb.toExponential(1)}`).join(" | "));
  }
  await engine.close();
}, 60000);
