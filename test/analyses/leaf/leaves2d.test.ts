import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../../src/index.js";
import { leafFigure, toSvg, trainToy } from "../../../src/experiments/leaves2d.js";
import { softmax } from "../../../src/reference/forward.js";
import { referenceForward } from "../../../src/reference/forward.js";

let engine: Engine;
beforeAll(async () => { engine = await createEngine({ workers: 0 }); });
afterAll(async () => { await engine.close(); });

describe("reproduction 2: leaves on 2-D toys (reduced)", () => {
  for (const toy of ["xor", "arcs"] as const) {
    it(`${toy}: trains, and its kernel leaves are level curves of p while data leaves cross them`, async () => {
      const trained = await trainToy(toy, 1, 150);
      expect(trained.accuracy).toBeGreaterThan(0.9);
      const fig = await leafFigure(engine, trained, toy, { starts: 4, gridSize: 20, maxLength: 3 });
      expect(fig.dataLeaves.length).toBe(16);
      expect(fig.grid.p1.length).toBe(400);
      let spread = 0;
      for (const l of fig.kernelLeaves) {
        const p = (k: number) => softmax(referenceForward(trained.model, l.subarray(2 * k, 2 * k + 2)).output)[1];
        const p0 = p(0);
        for (let k = 1; k < l.length / 2; k++) expect(Math.abs(p(k) - p0)).toBeLessThan(1e-9);
      }
      for (const l of fig.dataLeaves) {
        const p = (k: number) => softmax(referenceForward(trained.model, l.subarray(2 * k, 2 * k + 2)).output)[1];
        spread = Math.max(spread, Math.abs(p(l.length / 2 - 1) - p(0)));
      }
      expect(spread).toBeGreaterThan(0.5); // some data leaf runs across the decision boundary
      const svg = toSvg(fig, 200);
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg.match(/<polyline/g)!.length).toBe(32);
    }, 30_000);
  }
});
