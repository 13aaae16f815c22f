/**
 * The SiMEC/SiMExp stepping kernel (assembly/simec.ts, on the f64 graph kernels) against its plain float64
 * twin (src/reference/simec.ts, on the graph twin src/reference/graph.ts), on the debug and default builds:
 * dense networks (the authors' fixtures, MLPs), a CNN with max pooling, and a ResNet (residual adds,
 * batchNorm, global average pooling).
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import { uploadNetwork } from "../../../src/engine/network.js";
import { compileNetwork } from "../../../src/model/compile.js";
import { Model } from "../../../src/model/model.js";
import type { LooseModelSpec, ModelSpec } from "../../../src/model/types.js";
import { referenceSimecWalk, type ReferenceWalkOptions } from "../../../src/reference/simec.js";
import { putWalkDescriptor, STATE, STATE_EXTRA, STOP_REASONS, SW_SLOTS, type SimecKernels } from "../../../src/analyses/simec.js";
import { randomCnn, randomMlp } from "../../support/models.js";
import { smallResNet } from "../../support/resnet.js";

const fixture = (name: string) => Model.fromSimecText(readFileSync(new URL(`../../fixtures/simec-1d/${name}`, import.meta.url), "utf8"));

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

/** Run simecStepsF64 directly: one direction, returns points after each step and the final state. */
function kernelWalk(arena: Arena, model: ModelSpec | LooseModelSpec, x0: ArrayLike<number>, o: ReferenceWalkOptions) {
  return arena.scoped(() => {
    const k = arena.kernels<SimecKernels>();
    const net = compileNetwork(model);
    const d = net.inputSize, m = net.outputSize;
    const up = uploadNetwork(arena, net);
    const state0 = new Float64Array(2 * d + STATE_EXTRA);
    state0.set(x0);
    state0[2 * d + STATE.rng] = o.seed;
    state0[2 * d + STATE.sign] = o.sign;
    const state = arena.putF64(state0);
    const start = arena.allocF64(m);
    const pts = arena.allocF64(o.steps * d);
    const outs = arena.allocF64(o.steps * m);
    const desc = putWalkDescriptor(arena, {
      net: up.f64, softmax: net.head === "softmax" ? 1 : 0, mode: o.mode, route: o.route, select: o.select, orient: o.orient,
      steps: o.steps, delta: o.delta, nullTol: o.nullTol, lo: o.lo ? arena.putF64(o.lo) : 0, hi: o.hi ? arena.putF64(o.hi) : 0,
      boxMode: o.boxMode === "clamp" ? 0 : 1, target: 0, y0: start, state, points: pts, outputs: outs, start,
      work: arena.alloc(k.simecWorkBytes(up.f64, o.route)),
    });
    const taken = k.simecStepsF64(desc);
    const s = arena.f64(state, 2 * d + STATE_EXTRA);
    return {
      taken,
      start: Float64Array.from(arena.f64(start, m)),
      points: Float64Array.from(arena.f64(pts, taken * d)),
      outputs: Float64Array.from(arena.f64(outs, taken * m)),
      energy: s[2 * d + STATE.energy],
      length: s[2 * d + STATE.length],
      stop: STOP_REASONS[s[2 * d + STATE.stop]],
    };
  });
}

for (const variant of ["debug", undefined] as const) {
  describe(`SiMEC stepping kernel on the compiled graph (${variant ?? "default"} build)`, () => {
    test("the walk descriptor has the slots the host writes", async () => {
      const arena = await Arena.create(variant);
      expect(arena.kernels<SimecKernels>().simecSlots()).toBe(SW_SLOTS);
    });

    test("simecStepsF64 follows the plain-TypeScript twin step for step (n→n−1, SiMExp, box, softmax low-rank route, CNN, ResNet)", async () => {
      const arena = await Arena.create(variant);
      const base = { delta: 1e-3, nullTol: 1e-6, seed: 11, orient: -1, sign: 1 as const, select: 0 as const };
      const image = (d: number, seed: number) => Array.from({ length: d }, (_, i) => 0.5 + 0.45 * Math.sin(0.37 * i + seed));
      const cases: [ModelSpec | LooseModelSpec, number[], ReferenceWalkOptions, string?][] = [
        [fixture("surface_1_good_weights.csv"), [0.25, 0.25], { ...base, mode: 0, route: 0, steps: 400 }],
        [fixture("weights_binary.csv"), [0, -0.01499], { ...base, mode: 0, route: 0, steps: 300, sign: -1 }],
        [fixture("surface_2_good_weights.csv"), [0.25, 0.25], { ...base, mode: 1, route: 0, steps: 200, orient: 0 }],
        [fixture("surface_2_good_weights.csv"), [0.9, 0.9], { ...base, mode: 0, route: 0, steps: 500, lo: [-1, -1], hi: [1, 1] }, "boundary"],
        [fixture("weights_softplus_thermo.csv"), [0.4, 0.6], { ...base, mode: 0, route: 0, steps: 200 }],
        // 100 → 10 softmax classifier through the m×m side: random null directions from the same seeded stream.
        [randomMlp([100, 32, 10], 9, "tanh"), Array.from({ length: 100 }, (_, i) => Math.cos(i)), { ...base, mode: 0, route: 1, select: 1, steps: 40 }],
        [randomMlp([100, 32, 10], 9, "tanh"), Array.from({ length: 100 }, (_, i) => Math.cos(i)), { ...base, mode: 1, route: 1, select: 1, steps: 40 }],
        // leaky ReLU, 3 → 2: a one-dimensional kernel (a null eigenvector unique up to sign)
        [randomMlp([3, 9, 6, 2], 4, "leakyRelu", "none", 0.1), [0.3, -0.2, 0.1], { ...base, mode: 0, route: 0, steps: 300 }],
        // an image-like start (most coordinates on the faces of [0, 1]) with the box clamped and the walk continued
        [randomMlp([100, 32, 10], 9, "relu"), Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 0.5 + 0.4 * Math.sin(i) : i % 3 === 1 ? 0 : 1)), { ...base, mode: 0, route: 1, select: 1, steps: 40, delta: 1e-2, lo: new Array(100).fill(0), hi: new Array(100).fill(1), boxMode: "clamp" }],
        // conv → max pool → conv → max pool → dense (softmax), 12×12×1
        [randomCnn(12, 12, 1, 5, 3), image(144, 1), { ...base, mode: 0, route: 1, select: 1, steps: 30, delta: 1e-2 }],
        // residual adds, batchNorm (folded), stride-2 projection, global average pooling
        [smallResNet(2, { side: 6 }), image(108, 2), { ...base, mode: 0, route: 1, select: 1, steps: 30, delta: 1e-2 }],
        [smallResNet(3, { side: 6 }), image(108, 3), { ...base, mode: 1, route: 1, select: 1, steps: 20, delta: 1e-2 }],
      ];
      for (const [i, [model, x0, o, stop]] of cases.entries()) {
        const what = `case ${i}`;
        const ker = kernelWalk(arena, model, x0, o);
        const ref = referenceSimecWalk(model, x0, o);
        const m = ref.outputs.length / (ref.taken + 1);
        expect(ker.taken, what).toBe(ref.taken);
        expect(ker.stop, what).toBe(ref.stop);
        expect(ker.stop, what).toBe(stop ?? "steps");
        expect(maxAbs(ker.start, ref.outputs.subarray(0, m)), what).toBeLessThan(1e-12);
        expect(maxAbs(ker.points, ref.points.subarray(x0.length)), what).toBeLessThan(1e-9);
        expect(maxAbs(ker.outputs, ref.outputs.subarray(m)), what).toBeLessThan(1e-9);
        expect(Math.abs(ker.length - ref.length), what).toBeLessThan(1e-9);
        expect(Math.abs(ker.energy - ref.energy), what).toBeLessThan(1e-9 * Math.max(1, ref.energy));
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
