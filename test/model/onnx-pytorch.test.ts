/**
 * The imported PyTorch nets reproduce PyTorch's float64 outputs and Jacobians, evaluated with the float64
 * reference forward pass (src/reference/forward.ts) and central finite differences of it.
 * The same comparison through the Wasm engine uses `jacobianAgreementWithPytorch` from ./pytorch-fixtures.
 */
import { describe, expect, it } from "vitest";
import { finiteDifferenceJacobian, referenceForward } from "../../src/reference/forward.js";
import { forwardAgreementWithPytorch, loadPytorchCase, maxRelativeError, PYTORCH_MODELS, type PytorchCase } from "./pytorch-fixtures.js";

const H = 1e-6;

/** Measured agreement, printed once so the numbers can be quoted (max over the five reference points). */
const measured: Record<string, Record<string, number>> = {};

/**
 * Finite-difference Jacobian of the reference forward, m×d. For a piecewise-linear model a column j is
 * reported as `kinked` when the second difference f(x + h e_j) − 2 f(x) + f(x − h e_j) is above rounding: for
 * a piecewise-linear f that proves a kink (ReLU switch or max-pool argmax change) within h of x, where
 * the central difference is not the derivative.
 */
function referenceFdJacobian(c: PytorchCase, x: Float64Array): { J: Float64Array; kinked: Set<number> } {
  const f = (z: Float64Array) => referenceForward(c.model, z).output;
  const J = finiteDifferenceJacobian(f, x, H);
  const kinked = new Set<number>();
  if (c.model.isPiecewiseLinear) {
    const f0 = f(x);
    const scale = Math.max(1, ...Array.from(f0, Math.abs));
    for (let j = 0; j < x.length; j++) {
      const xp = Float64Array.from(x);
      xp[j] += H;
      const fp = f(xp);
      xp[j] -= 2 * H;
      const fm = f(xp);
      if (f0.some((v, i) => Math.abs(fp[i] - 2 * v + fm[i]) > 1e-12 * scale)) kinked.add(j);
    }
  }
  return { J, kinked };
}

describe.each(PYTORCH_MODELS)("ONNX %s against PyTorch (float64 reference forward)", (name) => {
  const c = loadPytorchCase(name);

  it("outputs agree with PyTorch's", async () => {
    const errors = await forwardAgreementWithPytorch(c, (model, x) => referenceForward(model, x).output);
    (measured[name] ??= {}).forward = Math.max(...errors);
    // Same float32 weights, both sides in float64: only summation order differs.
    for (const e of errors) expect(e).toBeLessThan(1e-13);
  });

  it("central finite differences of the imported model agree with PyTorch's Jacobians", () => {
    let worst = 0;
    let skipped = 0;
    for (let p = 0; p < c.inputs.length; p++) {
      const { J, kinked } = referenceFdJacobian(c, c.inputs[p]);
      const d = c.inputs[p].length;
      const m = J.length / d;
      const keep = (k: number) => !kinked.has(k % d);
      const ours = J.filter((_, k) => keep(k));
      const theirs = c.jacobians[p].filter((_, k) => keep(k));
      expect(ours.length).toBe(m * (d - kinked.size));
      worst = Math.max(worst, maxRelativeError(ours, theirs));
      skipped += kinked.size;
    }
    (measured[name] ??= {}).jacobianFd = worst;
    measured[name].kinkedColumns = skipped;
    // at most 2% of the columns may sit within h of a kink (none for the smooth net)
    expect(skipped).toBeLessThanOrEqual(Math.floor(0.02 * c.inputs.length * c.inputs[0].length));
    expect(worst).toBeLessThan(5e-8);
    if (name === "smooth_regression") expect(skipped).toBe(0);
  });
});

it("the kink detector flags a column whose ReLU switches within h (so skipping is never silent)", () => {
  const c = loadPytorchCase("mlp_relu_leaky");
  const x = Float64Array.from(c.inputs[0]);
  const { preActivations } = referenceForward(c.model, x);
  const z = preActivations[0]; // first dense layer, 16 ReLU units
  const dense = c.model.layers[0] as { kernel: Float64Array; units: number };
  const unit = 3;
  const slopes = Array.from({ length: x.length }, (_, k) => dense.kernel[k * dense.units + unit]); // ∂z_unit/∂x_k, kernel in×out
  const j = slopes.reduce((best, v, k) => (Math.abs(v) > Math.abs(slopes[best]) ? k : best), 0);
  x[j] -= (z[unit] - 0.3 * H) / slopes[j]; // now z_unit = 0.3·h
  expect(referenceForward(c.model, x).preActivations[0][unit]).toBeCloseTo(0.3 * H, 12);
  // The ReLU switches within x ± h e_k exactly for the columns k with |∂z_unit/∂x_k| > 0.3 (all other units are far from 0).
  const expected = slopes.flatMap((v, k) => (Math.abs(v) > 0.3 ? [k] : []));
  expect(expected).toContain(j);
  const { kinked } = referenceFdJacobian(c, x);
  expect([...kinked].sort()).toEqual(expected);
});

it("report: measured agreement with PyTorch", () => {
  console.log(JSON.stringify(measured, null, 1));
  expect(Object.keys(measured)).toHaveLength(PYTORCH_MODELS.length);
});
