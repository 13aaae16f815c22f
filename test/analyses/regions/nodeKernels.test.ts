/**
 * The kernels the plane partition walks the compiled graph with, on the debug (bound-checked) and default
 * builds: netAffineFrozenF64 (affine forms under a frozen pattern) against the float64 twin's forward pass
 * and JVP (src/reference/graph.ts), and the node-wise splitters against the per-unit / per-window twins.
 */
import { describe, expect, it } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import { uploadNetwork } from "../../../src/engine/network.js";
import type { RegionKernels } from "../../../src/analyses/regions/kernels.js";
import { compileNetwork, nodeField, type CompiledNetwork } from "../../../src/model/compile.js";
import * as O from "../../../src/model/opcodes.js";
import { graphForward, graphJvp, graphPattern } from "../../../src/reference/graph.js";
import * as ref from "../../../src/reference/regions.js";
import * as refPool from "../../../src/reference/regionsPlanePool.js";
import { randomGraph, randomInput } from "../../support/graphs.js";

/** max |a − b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

const kinksOf = (net: CompiledNetwork) =>
  Array.from({ length: net.nodeCount }, (_, k) => k).filter((k) => nodeField(net, k, O.F_ACT) !== O.ACT_LINEAR || nodeField(net, k, O.F_OP) === O.OP_MAXPOOL);

/** A polygon-set descriptor (assembly/regionsPlane.ts SET_*) holding `ps`, with room for capPoly / capVerts. */
function putSet(arena: Arena, ps: ref.PolygonSet, words: number, capPoly: number, capVerts: number): number {
  const start = arena.allocI32(capPoly + 1), verts = arena.allocF64(2 * capVerts), parent = arena.allocI32(capPoly), rows = arena.allocI32(capPoly * words);
  arena.i32(start, ps.count + 1).set(ps.start);
  arena.f64(verts, ps.verts.length).set(ps.verts);
  arena.i32(parent, capPoly).fill(0);
  arena.u32(rows, ps.bits.length).set(ps.bits);
  return arena.putI32([start, verts, parent, rows, capPoly, capVerts]);
}

function readSet(arena: Arena, set: number, np: number, words: number): ref.PolygonSet {
  const [start, verts, parent, rows] = arena.i32(set, 4);
  const st = arena.i32(start, np + 1).slice();
  return { start: st, verts: arena.f64(verts, 2 * st[np]).slice(), parent: arena.i32(parent, np).slice(), bits: arena.u32(rows, np * words).slice(), count: np };
}

for (const variant of ["debug", undefined] as const) {
  describe(`graph region kernels (${variant ?? "default"} build)`, () => {
    it("netAffineFrozenF64: under a point's pattern the constant row is the twin's forward and the other rows its JVP; under another region's pattern, that region's affine extension; resumable at every kink", async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<RegionKernels>();
      for (const seed of [1, 2, 3, 4]) {
        const net = compileNetwork(randomGraph(seed, { activations: ["relu", "leakyRelu", "linear"] }));
        const up = uploadNetwork(arena, net);
        const d = net.inputSize, vs = net.valueSize, ps = Math.max(1, net.preSize), W = net.patternWords;
        const x0 = randomInput(10 + seed, d), x1 = randomInput(20 + seed, d), u = randomInput(30 + seed, d), v = randomInput(40 + seed, d);
        const st1 = graphForward(net, x1); // the pattern: x1's region
        const bits = arena.putI32(graphPattern(net, st1) as unknown as Int32Array), argmax = arena.putI32(st1.argmax.length ? st1.argmax : [0]);
        const run = (stops: number[]) => {
          const buf = arena.allocF64(3 * vs), pre = arena.allocF64(3 * ps);
          const rows = new Float64Array(3 * vs);
          rows.set(u, 0);
          rows.set(v, vs);
          rows.set(x0, 2 * vs);
          arena.f64(buf, 3 * vs).set(rows);
          let from = -1;
          for (const to of [...stops, net.nodeCount]) {
            k.netAffineFrozenF64(up.f64, 3, buf, pre, bits, argmax, 2, from, to);
            from = to;
          }
          return arena.f64(buf, 3 * vs).slice();
        };
        const whole = run([]);
        const delta = Float64Array.from(x0, (xi, i) => xi - x1[i]);
        const jv = graphJvp(net, st1, [...u, ...v, ...delta], 3).tan;
        const constant = Float64Array.from(st1.values, (y, i) => y + jv[2 * vs + i]); // affine extension of x1's region to x0
        expect(relErr(whole.subarray(2 * vs), constant)).toBeLessThan(1e-12);
        expect(relErr(whole.subarray(0, 2 * vs), jv.subarray(0, 2 * vs))).toBeLessThan(1e-12);
        expect(run(kinksOf(net))).toEqual(whole); // split at every kink and resumed: the same numbers
      }
    });

    it("splitPolygonsNodeF64 equals the per-unit twin, sets bits in place where no line cuts, and resumes after a capacity stop", async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<RegionKernels>();
      const net = compileNetwork({ inputShape: [2], head: "none", layers: [
        { type: "dense", units: 40, kernel: randomInput(5, 80), bias: randomInput(6, 40), activation: "relu" },
        { type: "dense", units: 2, kernel: randomInput(7, 80), bias: randomInput(8, 2), activation: "linear" },
      ] });
      const up = uploadNetwork(arena, net);
      const n = 40, ps = net.preSize, words = net.patternWords + net.argSize;
      const z = randomInput(9, 3 * ps);
      for (let j = 0; j < 10; j++) z[2 * ps + j] = 50; // ten units positive on the whole square: no split
      const square: ref.PolygonSet = { start: Int32Array.from([0, 4]), verts: Float64Array.from([0, 0, 1, 0, 1, 1, 0, 1]), parent: Int32Array.from([0]), bits: new Uint32Array(words), count: 1 };
      const want = ref.splitPolygonsNodeF64(square, z, ps, 0, n, 1e-12, words, 0);
      expect(want.count).toBeGreaterThan(20);
      const zp = arena.putF64(z);
      for (const cap of [1024, 4]) {
        const a = putSet(arena, square, words, 8, 32), b = putSet(arena, { ...square, count: 0, start: Int32Array.of(0) }, words, cap, 8 * cap);
        const state = arena.putI32([1, 4, 0, 0]);
        let np = k.splitPolygonsNodeF64(up.f64, 0, zp, 1e-12, words, a, b, state);
        let stops = 0;
        while (np === -1) {
          stops++;
          const [cnt, nv, cur] = arena.i32(state, 3);
          const grown = putSet(arena, { ...square, count: 0, start: Int32Array.of(0) }, words, 4 * cnt + 8, 8 * nv + 16 * cnt);
          arena.i32(cur === 0 ? b : a, 6).set(arena.i32(grown, 6));
          np = k.splitPolygonsNodeF64(up.f64, 0, zp, 1e-12, words, a, b, state);
        }
        if (cap === 4) expect(stops).toBeGreaterThan(0);
        const got = readSet(arena, arena.i32(state, 3)[2] === 0 ? a : b, np, words);
        expect(got).toEqual(want);
        for (let p = 0; p < np; p++) expect(got.bits[p * words] & 0x3ff).toBe(0x3ff); // the ten uncut units are on everywhere
      }
    });

    it("splitPolygonsMaxPoolNodeF64 equals the per-window twin with the pool's windows (padded, ceil-mode overhang)", async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<RegionKernels>();
      // 5×5×2 input → max pool 2×2 stride 2, pads [1, 1, 0, 0], ceil mode → 3×3×2 → dense 2.
      const net = compileNetwork({ inputShape: [5, 5, 2], head: "none", layers: [
        { type: "maxPool2d", poolSize: [2, 2], strides: [2, 2], pads: [1, 1, 0, 0], ceilMode: true, countIncludePad: false },
        { type: "flatten" },
        { type: "dense", units: 2, kernel: randomInput(3, 36), bias: randomInput(4, 2), activation: "linear" },
      ] });
      expect(net.shapes[0]).toEqual([3, 3, 2]);
      const up = uploadNetwork(arena, net);
      const vs = net.valueSize, words = net.patternWords + net.argSize;
      const buf = randomInput(11, 3 * vs);
      const bp = arena.putF64(buf);
      const square: ref.PolygonSet = { start: Int32Array.from([0, 4]), verts: Float64Array.from([0, 0, 1, 0, 1, 1, 0, 1]), parent: Int32Array.from([0]), bits: new Uint32Array(words), count: 1 };
      let want = square;
      const rowsX = new Float64Array(3 * 50); // the pool's input rows (3×50) as the twin reads them
      for (let r = 0; r < 3; r++) rowsX.set(buf.subarray(r * vs, r * vs + 50), r * 50);
      for (let y = 0; y < 3; y++) for (let xo = 0; xo < 3; xo++) for (let ch = 0; ch < 2; ch++) {
        const cells: number[] = [];
        for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
          const iy = 2 * y + i - 1, ix = 2 * xo + j - 1;
          if (iy >= 0 && iy < 5 && ix >= 0 && ix < 5) cells.push((iy * 5 + ix) * 2 + ch);
        }
        want = refPool.splitPolygonsMaxPoolF64(want, rowsX, 50, cells, 1e-12, words, net.patternWords + (y * 3 + xo) * 2 + ch);
      }
      expect(want.count).toBeGreaterThan(5);
      const a = putSet(arena, square, words, 4096, 65536), b = putSet(arena, { ...square, count: 0, start: Int32Array.of(0) }, words, 4096, 65536);
      const state = arena.putI32([1, 4, 0, 0]);
      const np = k.splitPolygonsMaxPoolNodeF64(up.f64, 0, bp, 1e-12, words, a, b, state, arena.allocF64(4 * 64), 64, arena.allocI32(4));
      expect(np).toBe(want.count);
      const got = readSet(arena, arena.i32(state, 3)[2] === 0 ? a : b, np, words);
      // The twin reads rows with stride 50, the kernel with stride valueSize: same forms, same polygons.
      expect(got.start).toEqual(want.start);
      expect(got.verts).toEqual(want.verts);
      expect(got.bits).toEqual(want.bits);
    });
  });
}
