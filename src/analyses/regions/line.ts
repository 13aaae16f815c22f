/**
 * regionsOnLine: the exact linear pieces of a ReLU network along the segment a → b, x(t) = a + t·(b − a).
 * Layer by layer, on each current piece every pre-activation is affine in t (z = P + t·Q): its roots inside
 * the piece are solved exactly (in float64) and split the piece; each sub-piece then gets its activation
 * slopes from the sign at its midpoint. Hot loops (the affine rows through each layer's kernel, the root
 * solves, the activation of the rows) run in Wasm (gemmF64, lineCrossingsF64, lineActivateF64); the host
 * only sorts each piece's roots. conv2d and avgPool2d layers run as unrolled dense matrices; at a max-pool
 * the pieces split where a window's argmax changes (the upper envelope of its inputs' lines,
 * lineMaxPoolCrossingsF64), since the argmax is part of the region (it enters engine.forward's hash).
 *
 * @example
 * const r = await engine.regionsOnLine(model, [-1, 0], [1, 0]);
 * r.breakpoints; // Float64Array [0.21…, 0.48…, …] (t in (0, 1), ascending)
 * r.patterns;    // BigUint64Array, one region hash per piece (== engine.forward(...).regionHash inside it)
 */
import type { Arena } from "../../engine/arena.js";
import type { Model } from "../../model/model.js";
import type { RegionKernels } from "./kernels.js";
import { piecewiseLinearNet, pointArg, u64View } from "./network.js";

/** Breakpoints closer than this in t (the segment has length 1) are merged. */
const MERGE = 1e-13;

export interface RegionsOnLineResult {
  /** m breakpoints t_1 < … < t_m in (0, 1) where some pre-activation changes sign. */
  breakpoints: Float64Array;
  /** m+1 region hashes (FNV-1a 64 of the pattern bitset), piece k between t_k and t_{k+1} (t_0 = 0, t_{m+1} = 1). */
  patterns: BigUint64Array;
  /** (m+1)×patternWords u32 pattern bitsets (bit order of engine.forward). */
  bits: Uint32Array;
  patternWords: number;
  /** Output size C. */
  outputSize: number;
  /** (m+1)×2×C: on piece k the output is maps[k,0,:] + t·maps[k,1,:] (the piece's affine map in t). */
  maps: Float64Array;
}

/** Exact linear pieces of `model` along a → b (a, b: input points of length model.inputSize). */
export function regionsOnLine(arena: Arena, model: Model, a: ArrayLike<number>, b: ArrayLike<number>): RegionsOnLineResult {
  const net = piecewiseLinearNet(arena, model);
  const d = net.inputSize;
  const pa = pointArg("a", a, d), pb = pointArg("b", b, d);
  const k = arena.kernels<RegionKernels>();
  const W = net.patternWords;
  const R = net.rowWords; // row words per piece: pattern bits, then max-pool argmax indices (all hashed)
  return arena.scoped(() => {
    let m = 1;
    let t = new Float64Array([0, 1]); // m+1 piece boundaries
    let x = arena.allocF64(2 * d); // m×2×size rows (P, Q)
    const x0 = arena.f64(x, 2 * d);
    for (let i = 0; i < d; i++) {
      x0[i] = pa[i];
      x0[d + i] = pb[i] - pa[i];
    }
    let bits = arena.alloc(m * R * 4);
    arena.u32(bits, m * R).fill(0);
    for (const s of net.steps) {
      const n = s.outSize;
      let z = x;
      if (s.kind === "dense") {
        z = arena.allocF64(2 * m * n);
        k.gemmF64(2 * m, n, s.inSize, x, s.inSize, s.kernel, n, z, n, 0);
        k.biasRowsF64(m, n, s.bias, z, n, 2);
      }
      if (s.act === "linear" && s.kind !== "maxPool") {
        x = z;
        continue;
      }
      const tp = arena.putF64(t);
      const g = s.geo;
      const cap = g ? m * n * Math.max(1, g.kh * g.kw - 1) : m * n;
      const roots = arena.allocF64(cap);
      const counts = arena.allocI32(m);
      const total = g
        ? k.lineMaxPoolCrossingsF64(m, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.padT, g.padL, g.oh, g.ow, z, tp, roots, counts)
        : k.lineCrossingsF64(m, n, z, tp, roots, counts);
      const rv = arena.f64(roots, total).slice();
      const cv = arena.i32(counts, m).slice();
      const nt: number[] = [];
      const parent: number[] = [];
      for (let p = 0, off = 0; p < m; off += cv[p], p++) {
        nt.push(t[p]);
        parent.push(p);
        const seg = rv.subarray(off, off + cv[p]).sort();
        for (let r = 0; r < seg.length; r++) {
          // Roots closer than MERGE to the last boundary or the piece's end are the same point up to rounding
          // (e.g. a max-pool input switching on exactly where its relu crossed, one layer down).
          if (seg[r] - nt[nt.length - 1] > MERGE && t[p + 1] - seg[r] > MERGE) {
            nt.push(seg[r]);
            parent.push(p);
          }
        }
      }
      nt.push(1);
      const m2 = parent.length;
      t = Float64Array.from(nt);
      const tp2 = arena.putF64(t);
      const par = arena.putI32(parent);
      const x2 = arena.allocF64(2 * m2 * n);
      const bits2 = arena.alloc(m2 * R * 4);
      if (g) k.lineMaxPoolActivateF64(m2, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.padT, g.padL, g.oh, g.ow, z, par, tp2, x2, bits, bits2, R, s.argOffset);
      else k.lineActivateF64(m2, n, z, par, tp2, s.alpha, x2, bits, bits2, R, s.offset);
      x = x2;
      bits = bits2;
      m = m2;
    }
    const hashes = arena.alloc(m * 8);
    k.fnv64Rows(m, R, bits, hashes);
    const rows = arena.u32(bits, m * R);
    const patternBits = new Uint32Array(m * W);
    for (let p = 0; p < m; p++) patternBits.set(rows.subarray(p * R, p * R + W), p * W);
    const C = net.outputSize;
    return {
      breakpoints: t.slice(1, m),
      patterns: u64View(arena, hashes, m).slice(),
      bits: patternBits,
      patternWords: W,
      outputSize: C,
      maps: arena.f64(x, 2 * m * C).slice(),
    };
  });
}
