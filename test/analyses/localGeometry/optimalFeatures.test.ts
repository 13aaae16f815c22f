import { describe, expect, it } from "vitest";
import { optimalFeatures } from "../../../src/analyses/localGeometry/optimalFeatures.js";
import { jointMarginals } from "../../../src/analyses/localGeometry/dtm.js";
import { countJoint, maxAbsDiff } from "./fixtures.js";

/** (1 − ε)·uniform + ε·P. */
const mix = (p: Float64Array, eps: number) => Float64Array.from(p, (v) => (1 - eps) / p.length + eps * v);

describe("optimalFeatures", () => {
  const nx = 8;
  const ny = 6;
  const { pxy: a } = countJoint(nx, ny, 13);

  it("features are centred and whitened under P_X: E f = 0, cov f = I; weights are centred under P_Y", async () => {
    const opt = await optimalFeatures(a, nx, ny, 3);
    const mean = [0, 0, 0];
    const cov = new Array(9).fill(0);
    for (let x = 0; x < nx; x++)
      for (let i = 0; i < 3; i++) {
        mean[i] += opt.px[x] * opt.features[x * 3 + i];
        for (let j = 0; j < 3; j++) cov[i * 3 + j] += opt.px[x] * opt.features[x * 3 + i] * opt.features[x * 3 + j];
      }
    expect(maxAbsDiff(mean, [0, 0, 0])).toBeLessThan(1e-13);
    expect(maxAbsDiff(cov, [1, 0, 0, 0, 1, 0, 0, 0, 1])).toBeLessThan(1e-13);
    const wmean = [0, 0, 0];
    for (let y = 0; y < ny; y++) for (let i = 0; i < 3; i++) wmean[i] += opt.py[y] * opt.weights[y * 3 + i];
    expect(maxAbsDiff(wmean, [0, 0, 0])).toBeLessThan(1e-13);
    expect(maxAbsDiff(opt.bias, Array.from(opt.py, Math.log))).toBeLessThan(1e-13);
  });

  it("full rank (k = 5): softmax(f·v + b) reproduces P(y|x) to second order in the distance from independence", async () => {
    for (const eps of [0.1, 0.02]) {
      const p = mix(a, eps);
      const opt = await optimalFeatures(p, nx, ny, 5);
      const { px } = jointMarginals(p, nx, ny);
      let dev = 0; // max |P(y|x) − P(y)|
      let err = 0; // max |softmax − P(y|x)|
      for (let x = 0; x < nx; x++) {
        const logits = Array.from({ length: ny }, (_, y) => {
          let s = opt.bias[y];
          for (let i = 0; i < 5; i++) s += opt.features[x * 5 + i] * opt.weights[y * 5 + i];
          return s;
        });
        const z = logits.reduce((acc, l) => acc + Math.exp(l), 0);
        for (let y = 0; y < ny; y++) {
          const cond = p[x * ny + y] / px[x];
          dev = Math.max(dev, Math.abs(cond - opt.py[y]));
          err = Math.max(err, Math.abs(Math.exp(logits[y]) / z - cond));
        }
      }
      // first-order exact: the error is O(dev²) — a first-order mistake would make it O(dev)
      expect(err).toBeLessThan(20 * dev * dev);
      expect(err).toBeLessThan(0.1 * dev);
    }
  });
});
