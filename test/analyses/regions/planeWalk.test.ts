/**
 * The plane partition's Wasm walk (regionsPlaneWalkF64 through walkPlane) on the debug (bound-checked) and
 * default builds: started with buffers too small for anything, it asks for room at every buffer (store,
 * clipping scratch, stack, output) and, grown each time, ends with the same regions, bit for bit, as with
 * ample buffers; the regions tile the unit square.
 */
import { describe, expect, it } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import { uploadNetwork } from "../../../src/engine/network.js";
import { walkPlane } from "../../../src/analyses/regions/planeWalk.js";
import { compileNetwork } from "../../../src/model/compile.js";
import { randomGraph, randomInput } from "../../support/graphs.js";

const TINY = { slots: 1, verts: 1, scratch: 1, stack: 1, regions: 1, regionVerts: 1 };

for (const variant of ["debug", undefined] as const) {
  describe(`walkPlane (${variant ?? "default"} build)`, () => {
    it("grown from tiny buffers gives the regions of a walk with ample ones, and they tile the unit square", async () => {
      const arena = await Arena.create(variant);
      for (const seed of [1, 2, 3]) {
        const net = compileNetwork(randomGraph(seed, { activations: ["relu", "leakyRelu", "linear"], side: 5, channels: 2 }));
        const up = uploadNetwork(arena, net);
        const d = net.inputSize;
        const x0 = randomInput(70 + seed, d), xs = randomInput(80 + seed, d).map((x) => 4 * x), xt = randomInput(90 + seed, d).map((x) => 4 * x);
        const ample = arena.scoped(() => walkPlane(arena, net, up.f64, x0, xs, xt, 1e-12));
        const grown = arena.scoped(() => walkPlane(arena, net, up.f64, x0, xs, xt, 1e-12, TINY));
        expect(ample.count).toBeGreaterThan(3);
        expect(grown).toEqual(ample);
        let area = 0;
        for (let p = 0; p < ample.count; p++) {
          const v = ample.vertices, i0 = ample.vertexStart[p], i1 = ample.vertexStart[p + 1];
          for (let i = i0; i < i1; i++) {
            const j = i + 1 < i1 ? i + 1 : i0;
            area += (v[2 * i] * v[2 * j + 1] - v[2 * j] * v[2 * i + 1]) / 2;
          }
        }
        expect(Math.abs(area - 1)).toBeLessThan(1e-9);
      }
    });
  });
}
