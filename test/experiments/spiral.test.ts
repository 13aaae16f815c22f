import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { spiralExperiment } from "../../src/experiments/spiral.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

describe("spiral experiment (reduced)", () => {
  it("counts pieces within the architecture's bound; a small network's error grows with T", async () => {
    const r = await spiralExperiment(engine, { architectures: [[6, 6]], ranges: [Math.PI, 6 * Math.PI], epochs: 250, points: 128, seed: 3, backend: "cpu" });
    expect(r.runs.length).toBe(2);
    for (const run of r.runs) {
      expect(run.pieces).toBeGreaterThan(1);
      expect(run.pieces).toBeLessThanOrEqual(run.bound);
      expect(run.curve.length).toBe(2 * (run.pieces + 1));
      expect(Number.isFinite(run.error)).toBe(true);
    }
    // Three turns of the spiral are beyond what a 6-6 network learns in this budget; half a turn is not.
    expect(r.runs[1].error).toBeGreaterThan(r.runs[0].error);
    expect((r.plots.piecesVsT as { data: { values: unknown[] } }).data.values.length).toBe(2);
  }, 60000);
});
