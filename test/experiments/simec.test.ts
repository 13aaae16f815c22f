import { describe, expect, test } from "vitest";
import { simecReproduction } from "../../src/experiments/simec.js";

describe("reproduction 4 (SiMEC on the paper's networks), reduced", () => {
  test("surface 1 trained in tfjs and the authors' weights: drift < 1e-3, energy < 1e-12, a closed class around the origin, an annulus preimage", async () => {
    const r = await simecReproduction({ tasks: ["surface1", "thermodynamics"], reduced: true, steps: 2000, grid: 11 });
    expect(r.runs.map((x) => `${x.task}/${x.source}`)).toEqual(["surface1/trained", "surface1/authors", "thermodynamics/trained", "thermodynamics/authors"]);
    for (const run of r.runs) {
      expect(run.passed).toBe(true);
      expect(run.drift).toBeLessThan(1e-3);
      expect(run.energy).toBeLessThan(1e-12);
      expect(run.points.length).toBe(2 * run.k);
      expect(run.outputs.length).toBe(run.k);
      expect(run.grid.values.length).toBe(121);
    }
    const [trained, authors] = r.runs;
    expect(trained.trainLoss).toBeLessThan(1e-3);
    expect(Math.abs(trained.y0 - Math.exp(0.125 - 2))).toBeLessThan(0.03); // the fit at x0
    expect(authors.y0).toBeCloseTo(0.154071, 6);
    // surface 1 classes are closed curves around the origin at radius ≈ √0.125 (4000 steps of 1e-3 > one turn)
    for (const run of [trained, authors]) {
      let winding = 0;
      for (let i = 1; i < run.k; i++) {
        let a = Math.atan2(run.points[2 * i + 1], run.points[2 * i]) - Math.atan2(run.points[2 * i - 1], run.points[2 * i - 2]);
        a -= 2 * Math.PI * Math.round(a / (2 * Math.PI));
        winding += a;
      }
      expect(Math.abs(winding)).toBeGreaterThan(2 * Math.PI);
    }
    // the thermodynamics classes (isotherms) run from box side to box side
    expect(r.runs[2].stopReason).toBe("boundary");
    expect(r.preimages.length).toBe(2);
    for (const p of r.preimages) {
      expect(p.result.curves.length).toBe(7);
      expect(p.innerRadius).toBeLessThan(Math.SQRT1_2 * 0.5);
      expect(p.outerRadius).toBeGreaterThan(Math.SQRT1_2 * 0.5);
    }
    expect(r.preimages[1].outerRadius - r.preimages[1].innerRadius).toBeGreaterThan(0.05);
  }, 120_000);
});
