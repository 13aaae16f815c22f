/**
 * The report's linear-regions figure (src/cli/report/sections/regions.ts): the colour it paints at a point
 * is engine.forward's class there, and the chart has axes in slice coordinates.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { renderChart } from "../../src/cli/report/charts.js";
import { partitionGeo, partitionSpec } from "../../src/cli/report/sections/regions.js";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { mulberry32 } from "../../src/random.js";
import { randomMlp } from "../support/models.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

/** Point-in-convex-polygon for a closed counter-clockwise ring. */
function inside(ring: number[][], s: number, t: number): boolean {
  for (let i = 0; i + 1 < ring.length; i++) {
    const [ax, ay] = ring[i], [bx, by] = ring[i + 1];
    if ((bx - ax) * (t - ay) - (by - ay) * (s - ax) < -1e-12) return false;
  }
  return true;
}

test("the partition figure paints every sampled point with engine.forward's class, and draws slice axes", async () => {
  const model = randomMlp([2, 12, 12, 3], 5);
  const extent = [-2, 2, -1.5, 1.5] as const;
  const r = await engine.regionsInPlane(model, [0, 0], [1, 0], [0, 1], extent);
  const geo = partitionGeo(r);
  const rnd = mulberry32(8);
  const pts = Array.from({ length: 2000 }, () => [extent[0] + 4 * rnd(), extent[2] + 3 * rnd()]);
  const f = await engine.forward(model, pts);
  let checked = 0;
  for (let q = 0; q < pts.length; q++) {
    const p = Array.from(f.probs.subarray(3 * q, 3 * q + 3));
    const sorted = [...p].sort((a, b) => b - a);
    if (sorted[0] - sorted[1] < 1e-5) continue; // float32 forward too close to a tie to name the class
    const painted = geo.cells.filter((c) => inside(c.geometry.coordinates[0], pts[q][0], pts[q][1])).map((c) => c.properties.cls);
    expect(painted.length).toBeGreaterThan(0);
    expect(new Set(painted)).toEqual(new Set([String(p.indexOf(sorted[0]))]));
    checked++;
  }
  expect(checked).toBeGreaterThan(1900);
  // the regions and the boundary are drawn too
  expect(geo.regions).toHaveLength(r.count);
  expect(geo.boundary.length).toBe(r.boundaryPolylines.length);
  const svg = await renderChart(partitionSpec(geo, extent, [{ x: 0, y: 0 }], 3));
  expect(svg).toContain("s (slice coordinate 1 = x₁)");
  expect(svg).toContain("t (slice coordinate 2 = x₂)");
  expect(svg).toMatch(/class="mark-text role-axis-label"/);
});
