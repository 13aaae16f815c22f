/**
 * The lab's leaf tracer (lab/leaves.ts) against the geometry of a 2-class classifier: D(x) = p₀p₁ ∇m ∇mᵀ with
 * m = z₁ − z₀, so the data leaf runs along ∇m and the kernel leaf along a level set of m. Checked with the
 * float64 reference forward pass (finite differences), independent of the engine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, Model, type Engine } from "../../src/index.js";
import { referenceForward } from "../../src/reference/forward.js";
import { traceLeaf } from "../../lab/leaves.js";
import { randomMlp } from "../support/models.js";

const opts = { step: 0.02, maxSteps: 150, bounds: [-1.5, 1.5] as [number, number] };

/** Logit difference z₁ − z₀ and the ReLU pattern, float64. */
function evaluate(model: Model, x: number, y: number) {
  const r = referenceForward(model, [x, y]);
  const pattern = r.preActivations.slice(0, -1).map((p) => Array.from(p, (v) => (v > 0 ? "1" : "0")).join("")).join("|");
  return { margin: r.output[1] - r.output[0], pattern };
}

/** ∇(z₁ − z₀) by central differences (exact inside a linear region up to rounding). */
function gradient(model: Model, x: number, y: number): [number, number] {
  const e = 1e-6, m = (a: number, b: number) => evaluate(model, a, b).margin;
  return [(m(x + e, y) - m(x - e, y)) / (2 * e), (m(x, y + e) - m(x, y - e)) / (2 * e)];
}

/** The steps of a leaf that stay inside one linear region (both ends share the ReLU pattern). */
function inRegionSteps(model: Model, p: Float64Array) {
  const steps: { a: [number, number]; b: [number, number]; ma: number; mb: number }[] = [];
  for (let i = 1; i < p.length / 2; i++) {
    const a: [number, number] = [p[2 * i - 2], p[2 * i - 1]], b: [number, number] = [p[2 * i], p[2 * i + 1]];
    const ea = evaluate(model, ...a), eb = evaluate(model, ...b);
    if (ea.pattern === eb.pattern) steps.push({ a, b, ma: ea.margin, mb: eb.margin });
  }
  return steps;
}

describe("lab leaves", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ workers: 0 });
  });
  afterAll(() => engine.close());

  it("a linear classifier: the kernel leaf is its straight level line, the data leaf its gradient line", async () => {
    const linear = randomMlp([2, 2], 3);
    const x0 = [0.2, -0.1];
    const g = gradient(linear, x0[0], x0[1]), gn = Math.hypot(...g);
    const kernel = await traceLeaf(engine as never, linear as never, x0, "kernel", opts);
    const data = await traceLeaf(engine as never, linear as never, x0, "data", opts);
    for (const leaf of [kernel, data]) {
      const k = leaf.points.length / 2;
      expect(k).toBeGreaterThan(100);
      for (let i = 0; i < k; i++) {
        const dx = leaf.points[2 * i] - x0[0], dy = leaf.points[2 * i + 1] - x0[1];
        // kernel: displacement ⟂ ∇m (m constant); data: displacement ∥ ∇m
        const off = leaf.kind === "kernel" ? (dx * g[0] + dy * g[1]) / gn : (dx * g[1] - dy * g[0]) / gn;
        expect(Math.abs(off)).toBeLessThan(1e-5);
      }
      // consecutive points one step apart, in order along the curve
      for (let i = 1; i < k; i++)
        expect(Math.hypot(leaf.points[2 * i] - leaf.points[2 * i - 2], leaf.points[2 * i + 1] - leaf.points[2 * i - 1])).toBeCloseTo(opts.step, 6);
    }
    // the leaves stop at the bounds: the line through x0 crosses the square, so both ends are near its border
    const k = data.points.length / 2, [lo, hi] = opts.bounds;
    for (const i of [0, k - 1]) {
      const x = data.points[2 * i], y = data.points[2 * i + 1];
      expect(Math.min(x - lo, hi - x, y - lo, hi - y)).toBeLessThan(opts.step + 1e-9);
    }
  });

  it("a ReLU network: inside each linear region the kernel leaf keeps z₁ − z₀ and the data leaf follows its gradient", async () => {
    const relu = randomMlp([2, 16, 16, 2], 7);
    const x0 = [0.1, -0.2];
    const kernel = inRegionSteps(relu, (await traceLeaf(engine as never, relu as never, x0, "kernel", opts)).points);
    const data = inRegionSteps(relu, (await traceLeaf(engine as never, relu as never, x0, "data", opts)).points);
    expect(kernel.length).toBeGreaterThan(50);
    expect(data.length).toBeGreaterThan(50);
    for (const s of kernel) expect(Math.abs(s.mb - s.ma)).toBeLessThan(1e-4);
    for (const s of data) {
      const g = gradient(relu, (s.a[0] + s.b[0]) / 2, (s.a[1] + s.b[1]) / 2);
      const c = [s.b[0] - s.a[0], s.b[1] - s.a[1]];
      // |sin| of the angle between the chord and the gradient
      expect(Math.abs(c[0] * g[1] - c[1] * g[0]) / (Math.hypot(...c) * Math.hypot(...g))).toBeLessThan(1e-3);
    }
  });

  it("a closed level set: the kernel leaf of m = |x| + |y| − ½ is the diamond through the point, and closes", async () => {
    // hidden ReLUs (x, −x, y, −y); logits (0, sum − ½): m = z₁ − z₀ = |x| + |y| − ½
    const diamond = new Model({
      inputShape: [2],
      head: "softmax",
      layers: [
        { type: "dense", units: 4, kernel: Float64Array.from([1, -1, 0, 0, 0, 0, 1, -1]), bias: new Float64Array(4), activation: "relu" },
        { type: "dense", units: 2, kernel: Float64Array.from([0, 1, 0, 1, 0, 1, 0, 1]), bias: Float64Array.from([0, -0.5]), activation: "linear" },
      ],
    });
    const x0 = [0.3, 0.2]; // on |x| + |y| = ½, inside the quadrant x > 0, y > 0
    const leaf = await traceLeaf(engine as never, diamond as never, x0, "kernel", { ...opts, maxSteps: 400 });
    expect(leaf.closed).toBe(true);
    const k = leaf.points.length / 2;
    // the perimeter 4·√2·½ ≈ 2.83 in steps of 0.02: about 141 points (a few more where steps chatter over a corner), all on the diamond
    expect(k).toBeGreaterThan(130);
    expect(k).toBeLessThan(170);
    // Euler steps are exact along each edge; a step over a corner overshoots by up to one step, which shifts the
    // level by up to √2·step, so after four corners the drift stays below 4·√2·step (and is exactly 0 before).
    for (let i = 0; i < k; i++) expect(Math.abs(Math.abs(leaf.points[2 * i]) + Math.abs(leaf.points[2 * i + 1]) - 0.5)).toBeLessThan(4 * Math.SQRT2 * opts.step);
    expect(Math.abs(leaf.points[2] + leaf.points[3] - 0.5)).toBeLessThan(1e-6); // the first edge is exact
    const data = await traceLeaf(engine as never, diamond as never, x0, "data", opts);
    expect(data.closed).toBe(false);
  });

  it("rejects a model that is not a 2D two-class classifier", async () => {
    await expect(traceLeaf(engine as never, randomMlp([3, 4, 2]) as never, [0, 0, 0], "data", opts)).rejects.toThrow(/2D classifiers/);
  });
});
