import { describe, expect, it } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import { uploadNetwork } from "../../../src/engine/network.js";
import { compileNetwork } from "../../../src/model/compile.js";
import type { PathKernels } from "../../../src/analyses/pathNet.js";
import { referenceForward } from "../../../src/reference/forward.js";
import { dataBasis, frozenJacobian, project } from "../../../src/reference/leaf.js";
import { randomMlp, randomWeights } from "../../support/models.js";

describe("leaf kernels on the compiled network (graphForwardF64, graphVjpF64, graphJvpF64, leafBasisF64, leafProjectF64)", () => {
  for (const variant of ["debug", undefined] as const) {
    it(`match the float64 twins (${variant ?? "default"} build)`, async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<PathKernels>();
      const model = randomMlp([5, 7, 6, 4], 13, "leakyRelu", "softmax", 0.2);
      const up = uploadNetwork(arena, compileNetwork(model));
      const net = up.net, n64 = up.f64;
      const x = [0.3, -0.1, 0.2, 0.5, -0.4];
      const xp = arena.putF64(x), values = arena.allocF64(net.valueSize), pre = arena.allocF64(net.preSize), argmax = arena.allocI32(1);
      k.graphForwardF64(n64, xp, 1, values, pre, argmax);
      const ref = referenceForward(model, x);
      const logits = arena.f64(values + (net.valueSize - 4) * 8, 4);
      for (let c = 0; c < 4; c++) expect(logits[c]).toBeCloseTo(ref.output[c], 13);
      const on = ref.preActivations.map((z) => Array.from(z, (v) => v > 0));
      const J = arena.allocF64(4 * 5);
      k.graphVjpF64(n64, values, pre, argmax, 4, net.outputNode, 0, J, arena.alloc(k.graphVjpWorkBytesF64(n64, 4)));
      const Jref = frozenJacobian(model, on);
      const Jv = arena.f64(J, 4 * 5);
      for (let c = 0; c < 4; c++) for (let i = 0; i < 5; i++) expect(Jv[c * 5 + i]).toBeCloseTo(Jref[c][i], 12);
      // Tangent of the logits along u is J u.
      const u = randomWeights(2, 5, 1);
      const upp = arena.putF64(u), tan = arena.allocF64(net.valueSize), tanPre = arena.allocF64(net.preSize);
      k.graphJvpF64(n64, values, pre, argmax, 1, upp, tan, tanPre);
      const dzl = arena.f64(tan + (net.valueSize - 4) * 8, 4);
      for (let c = 0; c < 4; c++) expect(dzl[c]).toBeCloseTo(Jref[c].reduce((acc, v, i) => acc + v * u[i], 0), 12);
      // Basis and projections against the twin's Gram–Schmidt.
      const Q = arena.allocF64(4 * 5);
      const r = k.leafBasisF64(4, 5, J, 1, 1e-9, Q);
      const Qref = dataBasis(Jref);
      expect(r).toBe(Qref.length);
      const w = arena.putF64(u), out = arena.allocF64(5);
      for (const kernel of [0, 1]) {
        const n = k.leafProjectF64(r, 5, Q, w, kernel, out);
        const pr = project(Qref, u, kernel === 1);
        const o = arena.f64(out, 5);
        for (let i = 0; i < 5; i++) expect(o[i]).toBeCloseTo(pr[i], 12);
        expect(n).toBeCloseTo(Math.hypot(...pr), 12);
      }
    });
  }
});
