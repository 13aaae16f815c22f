/**
 * The report's geodesic table (src/cli/report/sections/geodesicTable.ts): its Fisher-sphere checks against
 * closed forms, and on a confident classifier (most test points with probabilities ≈ 1e-18) that every
 * geodesic it shows moves, satisfies the geodesic equation, is no longer than another curve in its leaf
 * between the same ends, and that no cell shows NaN.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chordPathLength, fisherSphere, geodesicResidual, geodesicTable, MIN_PROBABILITY } from "../../src/cli/report/sections/geodesicTable.js";
import type { NumberRow, Timing } from "../../src/cli/report/section.js";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { Model } from "../../src/model/model.js";
import { randomPoints, randomWeights } from "../support/models.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

/** Gudermannian: ∫₀ˣ sech. */
const gd = (x: number) => 2 * Math.atan(Math.tanh(x / 2));

describe("Fisher-sphere checks", () => {
  it("chordPathLength: two classes, logit difference a → b, has length gd(b/2) − gd(a/2)", () => {
    for (const [a, b] of [[-3, 2], [0, 9], [-12, -1]]) expect(chordPathLength([0, a, 0, b], 2, 4096)).toBeCloseTo(gd(b / 2) - gd(a / 2), 7);
    // a chain of chords adds up; three classes: the length is at most the sphere's quarter circle π between vertices
    expect(chordPathLength([0, -3, 0, 0, 0, 2], 2, 4096)).toBeCloseTo(gd(1) - gd(-1.5), 7);
    expect(chordPathLength([0, 0, 0, 30, 0, 0], 3, 4096)).toBeLessThan(Math.PI);
  });

  it("geodesicResidual: ~0 on a unit-speed great circle of the radius-2 sphere, large on a logit-straight curve", () => {
    const C = 3, h = 0.01, k = 80;
    const e1 = [1, 1, 1].map((v) => v / Math.sqrt(3)), e2 = [1, -1, 0].map((v) => v / Math.SQRT2);
    const logits: number[] = [], params: number[] = [];
    for (let i = 0; i < k; i++) {
      const t = 0.2 + i * h;
      const w = e1.map((v, c) => 2 * (Math.cos(t / 2) * v + Math.sin(t / 2) * e2[c]));
      logits.push(...w.map((x) => Math.log((x * x) / 4)));
      params.push(i * h);
    }
    const same = new BigUint64Array(k).fill(7n);
    const w0 = fisherSphere(logits.slice(0, 3), 3);
    expect(w0.reduce((s, v) => s + v * v, 0)).toBeCloseTo(4, 12);
    expect(geodesicResidual(logits, params, same, C)).toBeLessThan(1e-5);
    const straight = Array.from({ length: k }, (_, i) => [0, 0.05 * i, -0.03 * i]).flat();
    expect(geodesicResidual(straight, params, same, C)).toBeGreaterThan(1e-2);
    // no triple inside one region: NaN (the table shows "—" with the reason)
    expect(geodesicResidual(logits, params, BigUint64Array.from({ length: k }, (_, i) => BigInt(i)), C)).toBeNaN();
  });
});

describe("geodesicTable on a confident classifier", () => {
  // 8 → 24 → 24 → 5, last layer ×12: most points have a smallest probability far below 1e-16
  const confident = new Model({
    inputShape: [8], head: "softmax",
    layers: [
      { type: "dense", units: 24, activation: "relu", kernel: randomWeights(1, 8 * 24, 0.5), bias: randomWeights(2, 24, 0.1) },
      { type: "dense", units: 24, activation: "relu", kernel: randomWeights(3, 24 * 24, 0.29), bias: randomWeights(4, 24, 0.1) },
      { type: "dense", units: 5, activation: "linear", kernel: randomWeights(5, 24 * 5, 0.29 * 12), bias: randomWeights(6, 5, 0.1) },
    ],
  });
  const X = randomPoints(200, 8, 3, -2, 2);
  const set = { X, labels: new Int32Array(200), n: 200, d: 8, classes: 5 } as never;

  it("passes over starts where the DIM is singular in double precision (where geodesics stop at once)", async () => {
    const f = await engine.forward(confident, X);
    const bad = Array.from({ length: 200 }, (_, i) => i).filter((i) => !(Math.min(...f.probs.subarray(i * 5, i * 5 + 5)) >= MIN_PROBABILITY));
    expect(bad.length).toBeGreaterThan(10);
    // the cause: at such a start the geodesic solver stops at once with length 0
    let stoppedAtOnce = 0;
    for (const i of bad.slice(0, 6)) {
      const g = await engine.geodesic(confident, X.subarray(i * 8, i * 8 + 8), [1, -1, 0.5, 0.2, -0.3, 0.7, 0.1, -0.4], { maxLength: 1, step: 1e-2 });
      if (g.stopReason === "degenerate" && g.length < 1e-3) stoppedAtOnce++;
    }
    expect(stoppedAtOnce).toBeGreaterThan(0);
  });

  it("every geodesic moves, solves its equation, is no longer than the chord path in its leaf; no cell is NaN", async () => {
    const numbers: NumberRow[] = [], timings: Timing[] = [];
    const table = (await geodesicTable({ engine, quick: false, seed: 1 }, [{ id: "confident", title: "confident", model: confident, train: set, test: set }], timings, numbers))!;
    expect(table.rows).toHaveLength(4);
    expect(table.caption).toMatch(/[1-9]\d* more confident points were passed over/);
    const col = (name: string) => table.headers.indexOf(name);
    for (const row of table.rows) {
      for (const cell of row) expect(String(cell)).not.toMatch(/NaN|Infinity/);
      expect(Number(row[col("DIM length")])).toBeGreaterThan(0.1);
      expect(Number(row[col("chord path / geodesic")])).toBeGreaterThanOrEqual(1 - 1e-6);
      const res = String(row[col("residual |w'' + w/4| / |w''|")]);
      if (!res.startsWith("—")) expect(Number(res)).toBeLessThan(1e-2);
      const leaf = String(row[col("data-leaf path (DIM length)")]);
      expect(leaf.startsWith("—") ? /\(.+\)/.test(leaf) : Number(leaf.split(" ")[0]) >= Number(row[col("DIM length")]) * (1 - 1e-6)).toBe(true);
    }
    expect(numbers.find((n) => n.name.startsWith("geodesics no longer (DIM metric) than the chord path"))!.value).toBe("4 / 4");
  });
});
