import { describe, expect, it } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import { denseNet64, netScratch, uploadNet64, type LeafKernels } from "../../../src/analyses/leafNet.js";
import { referenceForward } from "../../../src/reference/forward.js";
import { dataBasis, frozenJacobian, project } from "../../../src/reference/leaf.js";
import { randomMlp, randomWeights } from "../../support/models.js";

describe("leaf kernels (netForwardF64, netJacobianF64, netTangentF64, leafBasisF64, leafProjectF64)", () => {
  for (const variant of ["debug", undefined] as const) {
    it(`match the float64 twins (${variant ?? "default"} build)`, async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<LeafKernels>();
      const model = randomMlp([5, 7, 6, 4], 13, "leakyRelu", "softmax", 0.2);
      const net = denseNet64(model);
      const table = uploadNet64(arena, net);
      const s = netScratch(arena, net, net.m);
      const x = [0.3, -0.1, 0.2, 0.5, -0.4];
      arena.f64(s.x, 5).set(x);
      const last = k.leafNetForwardF64(table, 3, s.x, s.z, s.a, s.s, s.bits, net.words, 0);
      const ref = referenceForward(model, x);
      const logits = arena.f64(last, 4);
      for (let c = 0; c < 4; c++) expect(logits[c]).toBeCloseTo(ref.output[c], 13);
      const on = ref.preActivations.map((z) => Array.from(z, (v) => v > 0));
      const J = k.netJacobianF64(table, 3, 2, s.s, s.g0, s.g1);
      const Jref = frozenJacobian(model, on);
      const Jv = arena.f64(J, 4 * 5);
      for (let c = 0; c < 4; c++) for (let i = 0; i < 5; i++) expect(Jv[c * 5 + i]).toBeCloseTo(Jref[c][i], 12);
      // Tangent of the logits along u is J u.
      const u = randomWeights(2, 5, 1);
      const up = arena.putF64(u), dz = arena.allocF64(net.units), da = arena.allocF64(net.units);
      k.netTangentF64(table, 3, up, s.s, dz, da);
      const dzl = arena.f64(dz + (net.units - 4) * 8, 4);
      for (let c = 0; c < 4; c++) expect(dzl[c]).toBeCloseTo(Jref[c].reduce((acc, v, i) => acc + v * u[i], 0), 12);
      // Basis and projections against the twin's Gram–Schmidt.
      const r = k.leafBasisF64(4, 5, J, 1, 1e-9, s.Q);
      const Qref = dataBasis(Jref);
      expect(r).toBe(Qref.length);
      const w = arena.putF64(u), out = arena.allocF64(5);
      for (const kernel of [0, 1]) {
        const n = k.leafProjectF64(r, 5, s.Q, w, kernel, out);
        const pr = project(Qref, u, kernel === 1);
        const o = arena.f64(out, 5);
        for (let i = 0; i < 5; i++) expect(o[i]).toBeCloseTo(pr[i], 12);
        expect(n).toBeCloseTo(Math.hypot(...pr), 12);
      }
    });
  }
});
