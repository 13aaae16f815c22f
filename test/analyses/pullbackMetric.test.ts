/**
 * engine.pullbackMetric's memory guard: a node whose Jacobian workspace and eigen work would pass the 4 GiB
 * Wasm memory (where the kernels' 32-bit size arithmetic wraps) is refused with an OptionError naming the
 * node and the GiB, before any chunk runs; a narrow node of the same model still runs, its eigenpairs checked
 * against float64 central differences of the reference forward pass (‖J v‖² = vᵀ g v).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEngine, type Engine } from "../../src/index.js";
import { OptionError } from "../../src/errors.js";
import { referenceForward } from "../../src/reference/forward.js";
import { mulberry32 } from "../../src/random.js";
import { wideConv } from "../support/models.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

const model = wideConv(); // 64×64×1 → "conv" (262 144 outputs) → "squeeze" (4 096) → "fc" (3)
const d = model.inputSize;
const x0 = Float32Array.from({ length: d }, (_, i) => 0.5 + 0.4 * Math.sin(0.37 * i));

/** ‖J v‖² at x0 by float64 central differences of the reference logits along v. */
function normJvSquared(v: ArrayLike<number>, h = 1e-5): number {
  const at = (s: number) => referenceForward(model, Array.from(x0, (x, t) => x + s * v[t])).output;
  const plus = at(h), minus = at(-h);
  let s = 0;
  for (let c = 0; c < plus.length; c++) s += ((plus[c] - minus[c]) / (2 * h)) ** 2;
  return s;
}

describe("pullbackMetric and the 4 GiB Wasm memory", () => {
  test("nodes too wide for the 4 GiB Wasm memory are refused with an OptionError naming the node and the GiB, before any chunk runs", async () => {
    // "conv" (262 144 outputs, forward mode): the m×d float32 Jacobian alone is 4 GiB; "squeeze" (4 096 outputs,
    // reverse mode): the cotangent rows over every node output, which the kernels' 32-bit size would wrap to 141 MiB
    for (const [layer, node, m] of [["conv", 0, 262144], ["squeeze", 1, 4096]] as const) {
      const progress: number[] = [];
      const call = engine.pullbackMetric(model, x0, { layer, onProgress: (done) => progress.push(done) });
      await expect(call).rejects.toBeInstanceOf(OptionError);
      const message = await call.then(() => "", (e: Error) => e.message);
      expect(message).toMatch(new RegExp(`^layer "${layer}" \\(node ${node}\\): the pullback metric of a node with m = ${m} outputs needs [\\d.]+ GiB at d = 4096 `));
      expect(message).toMatch(/more than the 4 GiB Wasm memory; choose a narrower node$/);
      // at least the m cotangent or d tangent rows over the node outputs (float32): both 4 096 × 270 339 × 4 bytes
      expect(Number(/needs ([\d.]+) GiB/.exec(message)![1])).toBeGreaterThan((4096 * 270339 * 4) / 2 ** 30);
      expect(progress).toEqual([]);
      // by index too
      await expect(engine.pullbackMetric(model, x0, { layer: node })).rejects.toThrow(new RegExp(`layer "${layer}" \\(node ${node}\\).* GiB`));
    }
  });

  test("the same model's 3 logits still run (low-rank route): ‖J u_i‖² = λ_i and ‖J v‖² = Σ λ_i (u_i·v)² by float64 differences", async () => {
    const g = await engine.pullbackMetric(model, x0);
    expect(g.route).toBe("lowRank");
    expect([g.m, g.r, g.d]).toEqual([3, 3, d]);
    expect(g.rank[0]).toBe(3);
    expect(g.kernelDim[0]).toBe(d - 3);
    const lam = Array.from(g.eigenvalues);
    expect(lam[0]).toBeGreaterThanOrEqual(lam[1]);
    expect(lam[1]).toBeGreaterThanOrEqual(lam[2]);
    const u = (i: number) => g.eigenvectors.subarray(i * d, (i + 1) * d);
    for (let i = 0; i < 3; i++) expect(Math.abs(normJvSquared(u(i)) - lam[i]) / lam[0]).toBeLessThan(1e-4);
    const rand = mulberry32(9);
    const v = Float64Array.from({ length: d }, () => rand() - 0.5);
    let predicted = 0;
    for (let i = 0; i < 3; i++) {
      let c = 0;
      for (let t = 0; t < d; t++) c += u(i)[t] * v[t];
      predicted += lam[i] * c * c;
    }
    expect(Math.abs(normJvSquared(v) - predicted) / predicted).toBeLessThan(1e-4);
  });
});
