import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../../src/index.js";
import { referenceForward, softmax } from "../../../src/reference/forward.js";
import { dataBasis, frozenJacobian, project } from "../../../src/reference/leaf.js";
import { randomMlp, randomWeights } from "../../support/models.js";

let engine: Engine;
beforeAll(async () => { engine = await createEngine({ workers: 0 }); });
afterAll(async () => { await engine.close(); });

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);

describe("engine.geodesic", () => {
  it("in one linear region it is a great circle of the Fisher sphere w = 2√p, at unit speed", async () => {
    const lin = randomMlp([6, 5, 4], 11, "linear");
    const x0 = [0.3, -0.2, 0.1, 0.5, -0.4, 0.2];
    const g = await engine.geodesic(lin, x0, randomWeights(5, 6, 1), { maxLength: 0.8, step: 1e-2 });
    expect(g.stopReason).toBe("length");
    expect(g.length).toBeCloseTo(0.8, 12);
    expect(g.crossings).toBe(0);
    for (const s of g.speed2) expect(Math.abs(s - 1)).toBeLessThan(1e-7); // speed conserved (RK4: O(L h⁴))
    const w = (i: number) => Array.from(softmax(referenceForward(lin, g.points.subarray(i * 6, i * 6 + 6)).output), (p) => 2 * Math.sqrt(p));
    const w0 = w(0), wm = w(Math.floor(g.vertices / 2)), w1 = w(g.vertices - 1);
    // Arc length on the radius-2 sphere equals the DIM length.
    expect(2 * Math.acos(dot(w0, w1) / 4)).toBeCloseTo(0.8, 7);
    // Every point lies in the plane of w0 and wm (a great circle).
    const e1 = w0.map((v) => v / 2);
    const t = wm.map((v, i) => v - dot(wm, e1) * e1[i]);
    const e2 = t.map((v) => v / Math.sqrt(dot(t, t)));
    for (let i = 0; i < g.vertices; i += 7) {
      const wi = w(i);
      const res = wi.map((v, j) => v - dot(wi, e1) * e1[j] - dot(wi, e2) * e2[j]);
      expect(Math.sqrt(dot(res, res))).toBeLessThan(1e-7);
    }
    // The points stay on the data leaf x0 + Im Jᵀ S.
    const Q = dataBasis(frozenJacobian(lin, [[], []]));
    const last = Array.from(g.points.subarray((g.vertices - 1) * 6), (v, i) => v - x0[i]);
    const inside = project(Q, last, false);
    expect(Math.sqrt(dot(inside.map((v, i) => v - last[i]), inside.map((v, i) => v - last[i])))).toBeLessThan(1e-10);
    // A geodesic is no longer than the straight segment (which lies on the leaf here), in the DIM metric;
    // its Euclidean length is at least the distance between its ends.
    expect(g.length).toBeLessThanOrEqual(g.straightLength * (1 + 1e-4));
    expect(g.euclideanLength).toBeGreaterThanOrEqual(g.chord * (1 - 1e-12));
  });

  it("stops as degenerate where it reaches the simplex boundary (finite DIM length)", async () => {
    const lin = randomMlp([6, 5, 4], 11, "linear");
    const g = await engine.geodesic(lin, [0.3, -0.2, 0.1, 0.5, -0.4, 0.2], randomWeights(5, 6, 1), { maxLength: 3, step: 1e-2 });
    expect(g.stopReason).toBe("degenerate");
    expect(g.length).toBeLessThan(Math.PI * 2); // the sphere's diameter bounds it
    const p = softmax(g.outputs.subarray((g.vertices - 1) * 4));
    expect(Math.min(...p)).toBeLessThan(1e-3);
  });

  it("crosses regions of a ReLU network at unit DIM speed, with energy conserved", async () => {
    const model = randomMlp([4, 16, 16, 3], 3);
    const g = await engine.geodesic(model, [0.1, 0.2, -0.3, 0.4], [1, -0.5, 0.3, 0.2], { maxLength: 2, step: 5e-3 });
    expect(g.crossings).toBeGreaterThan(0);
    for (const s of g.speed2) expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    expect(g.euclideanLength).toBeGreaterThanOrEqual(g.chord * (1 - 1e-12));
    expect(new Set(g.regionHash).size).toBeGreaterThan(1);
    // Outputs are the logits at the vertices.
    const i = g.vertices - 1;
    const ref = referenceForward(model, g.points.subarray(i * 4, i * 4 + 4)).output;
    for (let c = 0; c < 3; c++) expect(g.outputs[i * 3 + c]).toBeCloseTo(ref[c], 9);
  });
});
