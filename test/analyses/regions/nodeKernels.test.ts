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

/**
 * A polygon store (assembly/regionsPlane.ts POOL_*) holding one polygon with row `row`, with room for
 * capSlots slots and capVerts vertices.
 */
function putStore(arena: Arena, verts: ArrayLike<number>, row: Uint32Array, capSlots: number, capVerts: number): number {
  const words = row.length, nv = verts.length / 2;
  const vstart = arena.putI32([0, ...new Array(capSlots - 1).fill(0)]), vcount = arena.putI32([nv, ...new Array(capSlots - 1).fill(0)]);
  const vp = arena.allocF64(2 * capVerts), rows = arena.allocI32(capSlots * words), list = arena.putI32(new Array(capSlots).fill(0));
  arena.f64(vp, verts.length).set(verts);
  arena.u32(rows, words).set(row);
  return arena.putI32([vstart, vcount, vp, rows, list, 1, nv, 1, capSlots, capVerts, 0, 0, -1]);
}

/** Copy the store into one with twice the room (as the host does), keeping the resume point. */
function growStore(arena: Arena, desc: number, words: number): void {
  const w = Array.from(arena.i32(desc, 13));
  const [vstart, vcount, verts, rows, list, slots, nverts, live, capSlots, capVerts] = w;
  const ns = 2 * capSlots, nvc = 2 * capVerts;
  const a = [arena.allocI32(ns), arena.allocI32(ns), arena.allocF64(2 * nvc), arena.allocI32(ns * words), arena.allocI32(ns)];
  arena.i32(a[0], slots).set(arena.i32(vstart, slots));
  arena.i32(a[1], slots).set(arena.i32(vcount, slots));
  arena.f64(a[2], 2 * nverts).set(arena.f64(verts, 2 * nverts));
  arena.u32(a[3], slots * words).set(arena.u32(rows, slots * words));
  arena.i32(a[4], live).set(arena.i32(list, live));
  arena.i32(desc, 13).set([...a, slots, nverts, live, ns, nvc, w[10], w[11], w[12]]);
}

/** The live polygons of a store as a PolygonSet (in list order). */
function readStore(arena: Arena, desc: number, words: number): ref.PolygonSet {
  const [vstart, vcount, verts, rows, list, slots, , live] = arena.i32(desc, 8);
  const ids = arena.i32(list, live).slice(), vs = arena.i32(vstart, slots).slice(), vc = arena.i32(vcount, slots).slice();
  const start = [0], vv: number[] = [], bits: number[] = [];
  for (const q of ids) {
    vv.push(...arena.f64(verts + 16 * vs[q], 2 * vc[q]));
    start.push(vv.length / 2);
    bits.push(...arena.u32(rows + 4 * q * words, words));
  }
  return { start: Int32Array.from(start), verts: Float64Array.from(vv), parent: new Int32Array(ids.length), bits: Uint32Array.from(bits), count: ids.length };
}

/** A polygon set's polygons as sorted strings (vertex lists and rows), to compare sets in any order. */
const polygonsOf = (ps: ref.PolygonSet, words: number) =>
  Array.from({ length: ps.count }, (_, p) => `${Array.from(ps.verts.subarray(2 * ps.start[p], 2 * ps.start[p + 1])).join(",")}|${Array.from(ps.bits.subarray(p * words, (p + 1) * words)).join(",")}`).sort();

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

    it("lineNodeWordsF64 gives the twin forward's pattern bits and pool argmax at a point; lineRootsF64 leaves no change of them between its roots", async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<RegionKernels>();
      let pools = 0;
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const net = compileNetwork(randomGraph(seed, { activations: ["relu", "leakyRelu", "linear"] }));
        const up = uploadNetwork(arena, net);
        const d = net.inputSize, vs = net.valueSize, ps = Math.max(1, net.preSize), W = net.patternWords, R = W + net.argSize;
        const a = randomInput(50 + seed, d), b = randomInput(60 + seed, d);
        const t0 = 0.37;
        const st = graphForward(net, Float64Array.from(a, (ai, i) => ai + t0 * (b[i] - ai)));
        const full = new Uint32Array(R); // x(t0)'s region row: pattern words, then argmax words
        full.set(graphPattern(net, st));
        full.set(new Uint32Array(st.argmax.buffer, st.argmax.byteOffset, st.argmax.length), W);
        const buf = arena.allocF64(2 * vs), pre = arena.allocF64(2 * ps), frozen = arena.allocI32(R), row = arena.allocI32(R), roots = arena.allocF64(4096);
        const forms = new Float64Array(2 * vs);
        forms.set(Float64Array.from(b, (bi, i) => bi - a[i]), 0);
        forms.set(a, vs);
        arena.f64(buf, 2 * vs).set(forms);
        arena.u32(frozen, R).set(full);
        let from = -1;
        for (const to of kinksOf(net)) {
          k.netAffineFrozenF64(up.f64, 2, buf, pre, frozen, frozen + 4 * W, 1, from, to);
          from = to;
          const pool = nodeField(net, to, O.F_OP) === O.OP_MAXPOOL;
          pools += pool ? 1 : 0;
          const size = nodeField(net, to, O.F_OUT_SIZE);
          const cleared = full.slice(); // node `to`'s words zero, as in a piece before the split
          for (let i = 0; i < size; i++) {
            if (pool) cleared[W + nodeField(net, to, O.F_ARG_OFFSET) + i] = 0;
            else {
              const bit = nodeField(net, to, O.F_PATTERN_OFFSET) + i;
              cleared[bit >>> 5] &= ~(1 << (bit & 31));
            }
          }
          const wordsAt = (t: number) => {
            arena.u32(row, R).set(cleared);
            k.lineNodeWordsF64(up.f64, to, buf, pre, t, row);
            return Array.from(arena.u32(row, R));
          };
          expect(wordsAt(t0)).toEqual(Array.from(full));
          const n = k.lineRootsF64(up.f64, to, buf, pre, 0, 1, roots, 4096);
          expect(n).toBeLessThanOrEqual(4096);
          const cuts = [0, ...arena.f64(roots, n).slice().sort(), 1];
          for (let s = 0; s < 97; s++) {
            const t = (s + 0.5) / 97;
            const i = cuts.findIndex((c) => c > t) - 1;
            if (t - cuts[i] < 1e-9 || cuts[i + 1] - t < 1e-9) continue;
            expect(wordsAt(t)).toEqual(wordsAt(0.5 * (cuts[i] + cuts[i + 1])));
          }
        }
      }
      expect(pools).toBeGreaterThan(0);
    });

    it("splitRegionsByUnitsF64 gives the per-unit twin's polygons, sets bits in place where no line cuts, and resumes after a capacity stop", async () => {
      const arena = await Arena.create(variant);
      const k = arena.kernels<RegionKernels>();
      const net = compileNetwork({ inputShape: [2], head: "none", layers: [
        { type: "dense", units: 3, kernel: randomInput(1, 6), bias: randomInput(2, 3), activation: "relu" },
        { type: "dense", units: 40, kernel: randomInput(5, 120), bias: randomInput(6, 40), activation: "relu" },
        { type: "dense", units: 2, kernel: randomInput(7, 80), bias: randomInput(8, 2), activation: "linear" },
      ] });
      const up = uploadNetwork(arena, net);
      const n = 40, ps = net.preSize, first = nodeField(net, 1, O.F_PRE_OFFSET), bit0 = nodeField(net, 1, O.F_PATTERN_OFFSET);
      expect(bit0).toBe(3); // the node's bits start inside word 0: local bit (3 mod 32) + j
      const words = 2;
      const z = randomInput(9, 3 * ps);
      for (let j = 0; j < 10; j++) z[2 * ps + first + j] = 50; // ten units positive on the whole square: no split
      const row0 = Uint32Array.from([0b101, 0]); // bits of the earlier node, kept
      const square: ref.PolygonSet = { start: Int32Array.from([0, 4]), verts: Float64Array.from([0, 0, 1, 0, 1, 1, 0, 1]), parent: Int32Array.from([0]), bits: row0, count: 1 };
      const want = ref.splitPolygonsNodeF64(square, z, ps, first, n, 1e-12, words, bit0);
      expect(want.count).toBeGreaterThan(20);
      const zp = arena.putF64(z);
      for (const cap of [4096, 2]) {
        const store = putStore(arena, square.verts, row0, cap, 8 * cap);
        let live = k.splitRegionsByUnitsF64(up.f64, 1, zp, 1e-12, words, store);
        let stops = 0;
        while (live === -1) {
          stops++;
          growStore(arena, store, words);
          live = k.splitRegionsByUnitsF64(up.f64, 1, zp, 1e-12, words, store);
        }
        if (cap === 2) expect(stops).toBeGreaterThan(2);
        expect(live).toBe(want.count);
        const got = readStore(arena, store, words);
        expect(polygonsOf(got, words)).toEqual(polygonsOf(want, words));
        for (let p = 0; p < live; p++) expect(got.bits[p * words] & 0x1fff).toBe(0x1ff8 | 0b101); // the ten uncut units are on everywhere
      }
    });

    it("splitRegionsByWindowsF64 gives the per-window twin's polygons with the pool's windows (padded, ceil-mode overhang), through capacity stops", async () => {
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
      const vs = net.valueSize, words = 18;
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
        want = refPool.splitPolygonsMaxPoolF64(want, rowsX, 50, cells, 1e-12, words, (y * 3 + xo) * 2 + ch);
      }
      expect(want.count).toBeGreaterThan(5);
      for (const cap of [4096, 2]) {
        const store = putStore(arena, square.verts, square.bits, cap, 16 * cap);
        let scratchCap = 2;
        let live: number;
        let stops = 0;
        for (;;) {
          live = k.splitRegionsByWindowsF64(up.f64, 0, bp, 1e-12, store, arena.allocF64(4 * scratchCap), scratchCap, arena.allocI32(4));
          if (live >= 0) break;
          stops++;
          if (live === -2) scratchCap *= 2;
          else growStore(arena, store, words);
        }
        if (cap === 2) expect(stops).toBeGreaterThan(1);
        expect(live).toBe(want.count);
        expect(polygonsOf(readStore(arena, store, words), words)).toEqual(polygonsOf(want, words));
      }
    });
  });
}
