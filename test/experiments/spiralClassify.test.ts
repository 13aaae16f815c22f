import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { spiralClassification } from "../../src/experiments/spiralClassify.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

describe("spiral classification (reduced)", () => {
  it("counts the classifier's regions exactly (tiling the box) and a small network fails on a long spiral", async () => {
    const r = await spiralClassification(engine, { architectures: [[8, 8]], ranges: [Math.PI, 6 * Math.PI], epochs: 200, points: 60, seed: 2, backend: "cpu" });
    expect(r.runs.length).toBe(2);
    for (const run of r.runs) {
      expect(run.regions).toBe(run.plane.count);
      expect(run.regions).toBeGreaterThan(1);
      expect(Math.log10(run.regions)).toBeLessThanOrEqual(run.boundLog10);
      let area = 0;
      for (let p = 0; p < run.plane.count; p++) {
        for (let i = run.plane.vertexStart[p]; i < run.plane.vertexStart[p + 1]; i++) {
          const j = i + 1 < run.plane.vertexStart[p + 1] ? i + 1 : run.plane.vertexStart[p];
          area += (run.plane.vertices[2 * i] * run.plane.vertices[2 * j + 1] - run.plane.vertices[2 * j] * run.plane.vertices[2 * i + 1]) / 2;
        }
      }
      expect(Math.abs(area - 2.2 * 2.2)).toBeLessThan(1e-9);
    }
    expect(r.runs[0].error).toBeLessThan(0.1);
    expect(r.runs[1].error).toBeGreaterThan(r.runs[0].error);
  }, 60000);
});
