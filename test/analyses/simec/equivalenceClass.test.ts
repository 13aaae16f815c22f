import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEngine, type Engine } from "../../../src/api/engine.js";
import { Model } from "../../../src/model/model.js";
import { AbortError, NonFiniteError, OptionError, ShapeError } from "../../../src/errors.js";
import { referenceForward, softmax } from "../../../src/reference/forward.js";
import { randomCnn, randomMlp } from "../../support/models.js";
import { radialNet, radialOutput } from "./radialNet.js";

const fixture = (name: string) => Model.fromSimecText(readFileSync(new URL(`../../fixtures/simec-1d/${name}`, import.meta.url), "utf8"));
const radius = (p: Float64Array, i: number) => Math.hypot(p[2 * i], p[2 * i + 1]);

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

describe("SiMEC on the radial net N(x) ≈ σ(‖x‖²) (radialNet.ts: exactly radial to ~1e-13)", () => {
  test("traces the circle of the starting radius: r_k = √(r0² + kδ²) exactly (tangent Euler steps) and returns to its start after one turn", async () => {
    const r0 = 0.5, delta = 1e-3;
    // Closed form of tangent steps: r_{k+1}² = r_k² + δ², angle advance atan(δ / r_k). Steps for one turn:
    let turn = 0, steps = 0;
    while (turn < 2 * Math.PI) turn += Math.atan(delta / Math.sqrt(r0 * r0 + steps++ * delta * delta));
    expect(Math.abs(steps - (2 * Math.PI * r0) / delta)).toBeLessThan(15); // ≈ 2πr/δ (+10: the radius creeps up)
    const res = await engine.equivalenceClass(radialNet(), [r0, 0], { delta, steps, bothDirections: false });
    expect(res.k).toBe(steps + 1);
    expect(res.startIndex).toBe(0);
    for (let k = 0; k < res.k; k++) expect(Math.abs(radius(res.points, k) - Math.sqrt(r0 * r0 + k * delta * delta))).toBeLessThan(1e-9);
    // back near the start: within the radial creep (≈ Nδ²/2r = 3.1e-3) plus one step
    const end = res.points.subarray(2 * steps);
    expect(Math.hypot(end[0] - r0, end[1])).toBeLessThan(3.2e-3 + delta);
    expect(Math.hypot(end[0] - r0, end[1])).toBeGreaterThan(3.0e-3); // the creep is really there: not a trivial return
    // outputs: the closed form at the crept radius; energy ≈ 0 (v exactly in ker g up to rounding)
    expect(Math.abs(res.outputs[steps] - radialOutput(radius(res.points, steps)))).toBeLessThan(1e-12);
    expect(res.energy).toBeLessThan(1e-24);
    expect(Math.abs(res.length - steps * delta)).toBeLessThan(1e-9);
  });

  test("both directions are joined into one polyline through x0, ordered from end to end", async () => {
    const res = await engine.equivalenceClass(radialNet(), [0, 0.3], { delta: 1e-3, steps: 200 });
    expect(res.k).toBe(401);
    expect(res.startIndex).toBe(200);
    expect(Array.from(res.points.subarray(400, 402))).toEqual([0, 0.3]);
    for (let i = 1; i < res.k; i++) {
      const step = Math.hypot(res.points[2 * i] - res.points[2 * i - 2], res.points[2 * i + 1] - res.points[2 * i - 1]);
      expect(Math.abs(step - 1e-3)).toBeLessThan(1e-12);
    }
    // the two halves go opposite ways along the circle: the ends are on opposite sides of the y axis
    expect(Math.abs(res.points[0])).toBeGreaterThan(0.18);
    expect(res.points[0] * res.points[2 * 400]).toBeLessThan(-0.18 * 0.18);
  });
});

describe("SiMExp", () => {
  test("on the radial net walks the ray outwards, the output increasing monotonically, until it moved by ε", async () => {
    const x0 = [0.3, 0.2], eps = 0.02, delta = 1e-3;
    const res = await engine.explore(radialNet(), x0, { delta, steps: 10000, epsilon: eps });
    expect(res.stopReason).toBe("target");
    const r0 = Math.hypot(0.3, 0.2);
    for (let k = 1; k < res.k; k++) {
      expect(res.outputs[k]).toBeGreaterThan(res.outputs[k - 1]);
      expect(Math.abs(radius(res.points, k) - (r0 + k * delta))).toBeLessThan(1e-9);
      expect(Math.abs(Math.atan2(res.points[2 * k + 1], res.points[2 * k]) - Math.atan2(0.2, 0.3))).toBeLessThan(1e-9);
    }
    expect(res.outputs[res.k - 1] - res.outputs[0]).toBeGreaterThanOrEqual(eps);
    expect(res.outputs[res.k - 2] - res.outputs[0]).toBeLessThan(eps);
    // the closed form: the first radius where N(r) − N(r0) ≥ ε
    let k = 0;
    while (radialOutput(r0 + k * delta) - radialOutput(r0) < eps) k++;
    expect(res.k - 1).toBe(k);
    const down = await engine.explore(radialNet(), x0, { delta, steps: 100, epsilon: 0.005, direction: -1 });
    for (let i = 1; i < down.k; i++) expect(down.outputs[i]).toBeLessThan(down.outputs[i - 1]);
  });

  test("on the authors' surface 2 (non-compact classes) the output moves monotonically in both directions", async () => {
    for (const direction of [1, -1] as const) {
      const res = await engine.explore(fixture("surface_2_good_weights.csv"), [0.25, 0.25], { delta: 1e-3, steps: 300, direction });
      for (let k = 1; k < res.k; k++) expect(direction * (res.outputs[k] - res.outputs[k - 1])).toBeGreaterThan(0);
      expect(res.pseudoLength).toBeGreaterThan(0);
    }
  });
  test("for several outputs (5 → 3 softmax) walks non-null directions until the probabilities moved by ε", async () => {
    const model = randomMlp([5, 16, 3], 21, "tanh");
    const x0 = [0.1, -0.2, 0.3, 0.05, -0.15];
    const res = await engine.explore(model, x0, { delta: 1e-3, steps: 20000, epsilon: 0.01, seed: 2 });
    expect(res.stopReason).toBe("target");
    const dist = (i: number) => Math.hypot(...[0, 1, 2].map((j) => res.outputs[3 * i + j] - res.outputs[j]));
    expect(dist(res.k - 1)).toBeGreaterThanOrEqual(0.01);
    expect(dist(res.k - 2)).toBeLessThan(0.01);
    // every step moves along the metric: vᵀgv > 0, so the pseudo-length grows with the steps
    expect(res.pseudoLength).toBeGreaterThan(0);
    expect(res.energy).toBeGreaterThan(0);
  });
});

describe("the authors' trained networks (README reference figures)", () => {
  test("surface 1 from (0.25, 0.25): 5 000 steps of 1e-3 each way keep the drift below 7.2e-4, energy ≈ 0; the class is close to a circle", async () => {
    const res = await engine.equivalenceClass(fixture("surface_1_good_weights.csv"), [0.25, 0.25], { delta: 1e-3, steps: 5000 });
    expect(res.k).toBe(10001);
    expect(res.outputs[res.startIndex]).toBeCloseTo(0.154071, 6);
    expect(res.drift).toBeLessThan(7.2e-4);
    expect(res.drift).toBeGreaterThan(1e-4); // second-order drift is present (the algorithm has no corrector)
    expect(res.energy).toBeLessThan(1e-12);
    let lo = Infinity, hi = 0, winding = 0;
    for (let i = 0; i < res.k; i++) {
      lo = Math.min(lo, radius(res.points, i));
      hi = Math.max(hi, radius(res.points, i));
      if (i > 0) {
        let a = Math.atan2(res.points[2 * i + 1], res.points[2 * i]) - Math.atan2(res.points[2 * i - 1], res.points[2 * i - 2]);
        if (a > Math.PI) a -= 2 * Math.PI;
        if (a < -Math.PI) a += 2 * Math.PI;
        winding += a;
      }
    }
    expect(Math.abs(winding)).toBeGreaterThan(4 * Math.PI); // a closed curve around the origin, travelled several times
    expect(lo).toBeGreaterThan(0.33);
    expect(hi).toBeLessThan(0.38); // radius √0.125 = 0.354 of the target level set, within ±7%
  });

  test("surface 2 from (0.25, 0.25): 20 000 steps of 1e-4 each way in the box (−1, 1)² drift below 2e-5 and follow the parabola y = c − x²", async () => {
    const res = await engine.equivalenceClass(fixture("surface_2_good_weights.csv"), [0.25, 0.25], { delta: 1e-4, steps: 20000, box: [-1, 1] });
    expect(res.outputs[res.startIndex]).toBeCloseTo(0.187682, 6);
    expect(res.drift).toBeLessThan(2e-5);
    expect(res.stopReason).toBe("boundary");
    expect(res.stopReasonStart).toBe("boundary");
    const c = 0.25 + 0.25 * 0.25;
    for (let i = 0; i < res.k; i += 100) expect(Math.abs(res.points[2 * i + 1] + res.points[2 * i] ** 2 - c)).toBeLessThan(0.05);
    expect(Math.abs(res.points[0])).toBe(1); // ends on the box's sides x = ±1
    expect(Math.abs(res.points[2 * (res.k - 1)])).toBe(1);
  });

  test("interval preimage of surface 1 with ε = 0.005 fills an annulus: each curve's radius matches its level's radius on the ray", async () => {
    const model = fixture("surface_1_good_weights.csv");
    const K = 3, eps = 0.005;
    const res = await engine.intervalPreimage(model, [0.25, 0.25], { epsilon: eps, curves: K, delta: 1e-3, steps: 1200, exploreDelta: 1e-4 });
    expect(res.curves.length).toBe(2 * K + 1);
    expect(res.levels[0]).toBeCloseTo(res.y0 - eps, 12);
    expect(res.levels[2 * K]).toBeCloseTo(res.y0 + eps, 12);
    // the level's radius on the ray through x0 (bisection of the network's float64 output)
    const N = (r: number) => referenceForward(model, [r / Math.SQRT2, r / Math.SQRT2]).output[0];
    const levelRadius = (y: number) => {
      let a = 0.2, b = 0.5;
      for (let i = 0; i < 60; i++) ((N((a + b) / 2) < y) ? (a = (a + b) / 2) : (b = (a + b) / 2));
      return (a + b) / 2;
    };
    let prevMean = 0, inner = Infinity, outer = 0;
    res.curves.forEach((curve, j) => {
      let sum = 0;
      for (let i = 0; i < curve.k; i++) {
        sum += radius(curve.points, i);
        inner = Math.min(inner, radius(curve.points, i));
        outer = Math.max(outer, radius(curve.points, i));
        expect(Math.abs(curve.outputs[i] - res.levels[j])).toBeLessThan(4e-4);
      }
      const mean = sum / curve.k;
      expect(mean).toBeGreaterThan(prevMean); // nested: radius grows with the level
      prevMean = mean;
      expect(Math.abs(radius(curve.points, curve.startIndex) - levelRadius(res.levels[j]))).toBeLessThan(2e-3);
    });
    expect(inner).toBeGreaterThan(levelRadius(res.y0 - eps) - 0.03);
    expect(outer).toBeLessThan(levelRadius(res.y0 + eps) + 0.03);
    expect(outer - inner).toBeGreaterThan(levelRadius(res.y0 + eps) - levelRadius(res.y0 - eps));
  });
});

describe("classifiers: ker of the Fisher metric", () => {
  test("keeps the probabilities constant to first order (drift ≤ 10·kδ²), while a random walk of the same length changes them", async () => {
    const model = randomMlp([5, 16, 3], 21, "tanh");
    const x0 = [0.1, -0.2, 0.3, 0.05, -0.15];
    const delta = 1e-3, steps = 400;
    const res = await engine.equivalenceClass(model, x0, { delta, steps, seed: 3 });
    expect(res.k).toBe(steps + 1); // kernel of dim 3: random directions, one direction by default
    const p0 = softmax(referenceForward(model, x0).output);
    for (let j = 0; j < 3; j++) expect(res.outputs[j]).toBeCloseTo(p0[j], 12);
    for (let i = 0; i < res.k; i++) {
      const p = softmax(referenceForward(model, res.points.subarray(5 * i, 5 * i + 5)).output);
      for (let j = 0; j < 3; j++) expect(Math.abs(p[j] - res.outputs[3 * i + j])).toBeLessThan(1e-12);
    }
    expect(res.drift).toBeLessThan(10 * steps * delta * delta);
    expect(res.energy).toBeLessThan(1e-20);
    // different seeds take different random null directions
    const other = await engine.equivalenceClass(model, x0, { delta, steps: 50, seed: 4 });
    expect(Math.abs(other.points[5 * 50] - res.points[5 * 50])).toBeGreaterThan(1e-6);
    // a straight walk of the same length in a generic direction moves p at first order
    const v = [0.3, -0.5, 0.2, 0.7, 0.1];
    const nv = Math.hypot(...v);
    const far = softmax(referenceForward(model, x0.map((x, i) => x + (steps * delta * v[i]) / nv)).output);
    expect(Math.max(...far.map((p, j) => Math.abs(p - p0[j])))).toBeGreaterThan(20 * res.drift);
  });

  test("784 → 10 ReLU network through the 10×10 side, in [0, 1]: the predicted class and its probability are kept", async () => {
    const model = randomMlp([784, 64, 10], 5, "relu");
    const x0 = Array.from({ length: 784 }, (_, i) => 0.5 + 0.4 * Math.sin(i * 0.37));
    const res = await engine.equivalenceClass(model, x0, { delta: 1e-2, steps: 60, box: [0, 1], seed: 1 });
    expect(res.k).toBe(61);
    const p0 = res.outputs.subarray(0, 10);
    const top = p0.indexOf(Math.max(...p0));
    for (let i = 0; i < res.k; i++) {
      const p = res.outputs.subarray(10 * i, 10 * i + 10);
      expect(p.indexOf(Math.max(...p))).toBe(top);
    }
    expect(res.drift).toBeLessThan(1e-3);
    expect(res.length).toBeCloseTo(0.6, 10);
  });
});

describe("engine integration", () => {
  test("a worker computes the same path as the calling thread; progress is reported per chunk; an abort rejects", async () => {
    const model = fixture("surface_1_good_weights.csv");
    const pooled = await createEngine({ workers: 1 });
    try {
      const seen: [number, number][] = [];
      const a = await pooled.equivalenceClass(model, [0.25, 0.25], { delta: 1e-3, steps: 700, chunkSteps: 200, onProgress: (d, t) => seen.push([d, t]) });
      const b = await engine.equivalenceClass(model, [0.25, 0.25], { delta: 1e-3, steps: 700 });
      expect(Array.from(a.points)).toEqual(Array.from(b.points));
      expect(seen.map((s) => s[0])).toEqual([200, 400, 600, 700, 900, 1100, 1300, 1400]);
      expect(seen.every((s) => s[1] === 1400)).toBe(true);
      const ctl = new AbortController();
      const run = engine.equivalenceClass(model, [0.25, 0.25], { steps: 5000, chunkSteps: 100, signal: ctl.signal, onProgress: (d) => d >= 300 && ctl.abort() });
      await expect(run).rejects.toThrow(AbortError);
    } finally {
      await pooled.close();
    }
  });

  test("steps: 0 returns the start alone with its float64 output (N(x0) of the reference forward)", async () => {
    const model = fixture("surface_1_good_weights.csv");
    const r = await engine.equivalenceClass(model, [0.3, -0.1], { steps: 0 });
    expect(r.k).toBe(1);
    expect(Array.from(r.points)).toEqual([0.3, -0.1]);
    expect(Math.abs(r.outputs[0] - referenceForward(model, [0.3, -0.1]).output[0])).toBeLessThan(1e-15);
    expect(r.drift).toBe(0);
    expect(r.stopReason).toBe("steps");
  });

  test("bad inputs throw typed errors", async () => {
    const model = fixture("surface_1_good_weights.csv");
    await expect(engine.equivalenceClass(model, [0.1], {})).rejects.toThrow(ShapeError);
    await expect(engine.equivalenceClass(model, [0.1, NaN], {})).rejects.toThrow(NonFiniteError);
    await expect(engine.equivalenceClass(model, [0.1, 0.1], { delta: -1 })).rejects.toThrow(OptionError);
    await expect(engine.equivalenceClass(model, [0.1, 0.1], { steps: 1.5 })).rejects.toThrow(OptionError);
    await expect(engine.equivalenceClass(model, [0.1, 0.1], { nullTol: 2 })).rejects.toThrow(OptionError);
    await expect(engine.equivalenceClass(model, [0.1, 0.1], { box: [[0, 0, 0], 1] })).rejects.toThrow(ShapeError);
    await expect(engine.equivalenceClass(model, [0.1, 0.1], { box: [0, 1], boxMode: "bounce" as never })).rejects.toThrow(OptionError);
    await expect(engine.explore(model, [0.1, 0.1], { epsilon: -1 })).rejects.toThrow(OptionError);
    await expect(engine.equivalenceClass(randomCnn(8, 8, 1, 3), new Array(63).fill(0))).rejects.toThrow(ShapeError);
    await expect(engine.intervalPreimage(randomMlp([3, 4, 1], 1, "tanh", "none"), [0, 0, 0], { epsilon: 0.1 })).rejects.toThrow(ShapeError);
    await expect(engine.intervalPreimage(model, [0.1, 0.1], { epsilon: 0 })).rejects.toThrow(OptionError);
  });
});

describe("SiMEC in a box: boxMode \"slide\"", () => {
  // An image-like start (a third of the coordinates exactly 0, a third exactly 1) on a random ReLU classifier:
  // "clamp" leaves the null space at every step that meets a face; "slide" holds those coordinates and stays in it.
  const d = 100;
  const model = randomMlp([d, 32, 10], 9, "relu");
  const x0 = Array.from({ length: d }, (_, i) => (i % 3 === 0 ? 0.5 + 0.4 * Math.sin(i) : i % 3 === 1 ? 0 : 1));
  const opts = { delta: 1e-2, steps: 400, box: [0, 1] as [number, number], seed: 3, bothDirections: false };
  /** float64 reference: the probabilities and the ReLU sign pattern (the linear region) at x. */
  const at = (x: ArrayLike<number>) => {
    const f = referenceForward(model, Float64Array.from(x));
    return { p: softmax(f.output), region: f.preActivations.map((z) => Array.from(z, (v) => (v > 0 ? 1 : 0)).join("")).join("|") };
  };

  test("stays in [0, 1] and keeps the class; inside each linear region the probabilities are exactly kept (float64 forward pass)", async () => {
    const slide = await engine.equivalenceClass(model, x0, { ...opts, boxMode: "slide" });
    const clamp = await engine.equivalenceClass(model, x0, { ...opts, boxMode: "clamp" });
    const s0 = at(x0);
    const cls = s0.p.indexOf(Math.max(...s0.p));
    /** Largest probability change over steps that stay in one region, and the overall drift of p[cls]. */
    const walk = (res: typeof slide) => {
      let inRegion = 0, drift = 0, crossings = 0;
      let prev = s0;
      for (let k = 0; k < res.k; k++) {
        const pt = res.points.subarray(k * d, (k + 1) * d);
        for (const v of pt) expect(v >= 0 && v <= 1).toBe(true);
        const s = at(pt);
        expect(s.p.indexOf(Math.max(...s.p))).toBe(cls);
        if (s.region === prev.region) inRegion = Math.max(inRegion, ...s.p.map((v, c) => Math.abs(v - prev.p[c])));
        else crossings++;
        drift = Math.max(drift, Math.abs(s.p[cls] - s0.p[cls]));
        prev = s;
      }
      return { inRegion, drift, crossings };
    };
    expect(slide.k).toBe(opts.steps + 1);
    expect(slide.length).toBeCloseTo(opts.steps * opts.delta, 9); // every step has its full length
    const first = slide.points.subarray(d, 2 * d);
    let left = 0, stayed = 0; // coordinates that start on a face: at the first step some move inwards, some are held
    for (let t = 0; t < d; t++) if (t % 3 !== 0) (first[t] === x0[t] ? stayed++ : left++);
    expect(left).toBeGreaterThan(0);
    expect(stayed).toBeGreaterThan(0);
    const ws = walk(slide), wc = walk(clamp);
    expect(ws.inRegion).toBeLessThan(1e-12); // in ker g exactly, up to round-off
    expect(wc.inRegion).toBeGreaterThan(1e-6); // the control: clamped steps leave the null space
    expect(ws.drift).toBeLessThan(wc.drift / 10); // what is left is the region crossings' first-order error
  });
});
