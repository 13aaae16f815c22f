/** The float64 kernels (assembly/dense64.ts, assembly/simec.ts) against plain float64 references, on the debug and default builds. */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import { denseNet64, uploadDenseNet64 } from "../../../src/engine/dense64.js";
import { Model } from "../../../src/model/model.js";
import { finiteDifferenceJacobian, referenceForward } from "../../../src/reference/forward.js";
import { referenceSimecWalk, type ReferenceWalkOptions } from "../../../src/reference/simec.js";
import type { SimecKernels } from "../../../src/analyses/simec.js";
import { STATE, STATE_EXTRA, STOP_REASONS } from "../../../src/analyses/simec.js";
import { randomMlp } from "../../support/models.js";

interface Dense64Kernels {
  denseForwardF64(net: number, alphas: number, layers: number, x: number, acts: number, ders: number): number;
  denseJacobianF64(net: number, layers: number, ders: number, jac: number, work: number): void;
}

const fixture = (name: string) => Model.fromSimecText(readFileSync(new URL(`../../fixtures/simec-1d/${name}`, import.meta.url), "utf8"));

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

/** Run simecStepsF64 directly: one direction, returns points after each step and the final state. */
function kernelWalk(arena: Arena, model: Model, x0: number[], o: ReferenceWalkOptions) {
  return arena.scoped(() => {
    const k = arena.kernels<SimecKernels>();
    const net = denseNet64(model);
    const { d, m } = net;
    const { table, alphas } = uploadDenseNet64(arena, net);
    const state0 = new Float64Array(2 * d + STATE_EXTRA);
    state0.set(x0);
    state0[2 * d + STATE.rng] = o.seed;
    state0[2 * d + STATE.sign] = o.sign;
    const state = arena.putF64(state0);
    const y0 = arena.putF64(new Float64Array(m));
    const lo = o.lo ? arena.putF64(o.lo) : 0;
    const hi = o.hi ? arena.putF64(o.hi) : 0;
    const pts = arena.allocF64(o.steps * d);
    const outs = arena.allocF64(o.steps * m);
    const work = arena.allocF64(k.simecWorkSize(d, m, net.maxWidth, net.sumOut, o.route === 0 ? d : m));
    const taken = k.simecStepsF64(table, alphas, net.layers.length, net.softmax ? 1 : 0, o.mode, o.route, o.select, o.orient, o.steps, o.delta, o.nullTol, lo, hi, o.boxMode === "clamp" ? 0 : 1, 0, y0, state, pts, outs, work);
    const s = arena.f64(state, 2 * d + STATE_EXTRA);
    return {
      taken,
      points: Float64Array.from(arena.f64(pts, taken * d)),
      outputs: Float64Array.from(arena.f64(outs, taken * m)),
      energy: s[2 * d + STATE.energy],
      length: s[2 * d + STATE.length],
      stop: STOP_REASONS[s[2 * d + STATE.stop]],
    };
  });
}

for (const variant of ["debug", undefined] as const) {
  describe(`float64 path kernels (${variant ?? "default"} build)`, () => {
    test("denseForwardF64 and denseJacobianF64 match the float64 reference forward and finite differences (every activation)", async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<Dense64Kernels>();
      const models = [
        fixture("thermodynamics_weights_addestrata_bene.csv"),
        fixture("weights_softplus_thermo.csv"),
        randomMlp([7, 9, 6, 4], 3, "tanh", "none"),
        randomMlp([7, 9, 6, 4], 4, "leakyRelu", "none", 0.1),
        randomMlp([5, 12, 3], 5, "relu", "none"),
        randomMlp([3, 6, 8], 6, "sigmoid", "none"),
      ];
      for (const model of models) {
        const net = denseNet64(model);
        const x = Array.from({ length: net.d }, (_, i) => 0.3 * Math.sin(1.7 * i + 0.4));
        arena.scoped(() => {
          const { table, alphas } = uploadDenseNet64(arena, net);
          const xp = arena.putF64(x);
          const acts = arena.allocF64(net.sumOut), ders = arena.allocF64(net.sumOut);
          const jac = arena.allocF64(net.m * net.d), work = arena.allocF64(2 * net.m * net.maxWidth);
          const last = k.denseForwardF64(table, alphas, net.layers.length, xp, acts, ders);
          k.denseJacobianF64(table, net.layers.length, ders, jac, work);
          const ref = referenceForward(model, x);
          expect(maxAbs(arena.f64(last, net.m), ref.output)).toBeLessThan(1e-14);
          const fd = finiteDifferenceJacobian((z) => referenceForward(model, z).output, x);
          expect(maxAbs(arena.f64(jac, net.m * net.d), fd)).toBeLessThan(1e-7);
        });
      }
    });

    test("simecStepsF64 follows the plain-TypeScript twin step for step (n→n−1, SiMExp, box, softmax low-rank route)", async () => {
      const arena = await Arena.create(variant);
      const base = { delta: 1e-3, nullTol: 1e-6, seed: 11, orient: -1, sign: 1 as const, select: 0 as const };
      const cases: [Model, number[], ReferenceWalkOptions, string?][] = [
        [fixture("surface_1_good_weights.csv"), [0.25, 0.25], { ...base, mode: 0, route: 0, steps: 400 }],
        [fixture("weights_binary.csv"), [0, -0.01499], { ...base, mode: 0, route: 0, steps: 300, sign: -1 }],
        [fixture("surface_2_good_weights.csv"), [0.25, 0.25], { ...base, mode: 1, route: 0, steps: 200, orient: 0 }],
        [fixture("surface_2_good_weights.csv"), [0.9, 0.9], { ...base, mode: 0, route: 0, steps: 500, lo: [-1, -1], hi: [1, 1] }, "boundary"],
        // 100 → 10 softmax classifier through the m×m side: random null directions from the same seeded stream.
        [randomMlp([100, 32, 10], 9, "tanh"), Array.from({ length: 100 }, (_, i) => Math.cos(i)), { ...base, mode: 0, route: 1, select: 1, steps: 40 }],
        [randomMlp([100, 32, 10], 9, "tanh"), Array.from({ length: 100 }, (_, i) => Math.cos(i)), { ...base, mode: 1, route: 1, select: 1, steps: 40 }],
        // an image-like start (most coordinates on the faces of [0, 1]) with the box clamped and the walk continued
        [randomMlp([100, 32, 10], 9, "relu"), Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 0.5 + 0.4 * Math.sin(i) : i % 3 === 1 ? 0 : 1)), { ...base, mode: 0, route: 1, select: 1, steps: 40, delta: 1e-2, lo: new Array(100).fill(0), hi: new Array(100).fill(1), boxMode: "clamp" }],
      ];
      for (const [model, x0, o, stop] of cases) {
        const ker = kernelWalk(arena, model, x0, o);
        const ref = referenceSimecWalk(model, x0, o);
        expect(ker.taken).toBe(ref.taken);
        expect(ker.stop).toBe(ref.stop);
        expect(ker.stop).toBe(stop ?? "steps");
        expect(maxAbs(ker.points, ref.points.subarray(x0.length))).toBeLessThan(1e-9);
        expect(maxAbs(ker.outputs, ref.outputs.subarray(ref.outputs.length / (ref.taken + 1)))).toBeLessThan(1e-9);
        expect(Math.abs(ker.length - ref.length)).toBeLessThan(1e-9);
        expect(Math.abs(ker.energy - ref.energy)).toBeLessThan(1e-9 * Math.max(1, ref.energy));
        if (o.boxMode === "clamp") {
          // every step was projected (a random direction leaves the box at some face coordinate) and went on
          for (let k = 0; k < ker.taken; k++) {
            const pk = ker.points.subarray(k * x0.length, (k + 1) * x0.length);
            expect(Math.min(...pk)).toBe(0);
            expect(Math.max(...pk)).toBe(1);
          }
          expect(ker.length).toBeGreaterThan(0.5 * o.steps * o.delta);
        }
      }
    });
  });
}
