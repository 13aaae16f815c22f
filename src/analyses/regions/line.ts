/**
 * regionsOnLine: the exact linear pieces of a ReLU network along the segment a → b, x(t) = a + t·(b − a),
 * walked on the compiled network graph with the float64 graph kernels. The segment is covered by probing:
 * at the midpoint m of a stretch not yet covered, one forward pass (graphForwardF64) fixes the region's
 * pattern, one JVP with the directions ±(b − a) (graphJvpF64) gives every pre-activation's slope in t, and two
 * crossing solves (graphCrossingF64, forwards and backwards) give the exact ends of that region's piece: the
 * first t where a relu/leakyRelu pre-activation changes sign or a max-pool window's choice changes (the
 * argmax is part of the region, as in engine.forward's hash). The stretches left on either side are probed
 * the same way, so every probe lies strictly inside an uncovered stretch and no step size is guessed.
 * conv2d (pads, strides, dilations, groups), pooling, batchNorm, add and concat run as the graph's node
 * kernels; the host keeps only the list of pieces.
 *
 * @example
 * const r = await engine.regionsOnLine(model, [-1, 0], [1, 0]);
 * r.breakpoints; // Float64Array [0.21…, 0.48…, …] (t in (0, 1), ascending)
 * r.patterns;    // BigUint64Array, one region hash per piece (== engine.forward(...).regionHash inside it)
 */
import type { Arena } from "../../engine/arena.js";
import { valueBlock } from "../../model/compile.js";
import type { Model } from "../../model/model.js";
import type { RegionKernels } from "./kernels.js";
import { pointArg, regionNetwork, u64View } from "./compiled.js";

/** Stretches shorter than this in t (the segment has length 1) are not probed: their ends are one breakpoint. */
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

interface Piece {
  lo: number;
  hi: number;
  hash: bigint;
  bits: Uint32Array;
  /** 2×C: output at t = 0 and its slope, on this piece. */
  map: Float64Array;
}

/** Exact linear pieces of `model` along a → b (a, b: input points of length model.inputSize). */
export function regionsOnLine(arena: Arena, model: Model, a: ArrayLike<number>, b: ArrayLike<number>): RegionsOnLineResult {
  const { up } = regionNetwork(arena, model);
  const net = up.net, desc = up.f64;
  const d = net.inputSize;
  const pa = pointArg("a", a, d), pb = pointArg("b", b, d);
  const k = arena.kernels<RegionKernels>();
  const W = net.patternWords, vs = net.valueSize, ps = Math.max(1, net.preSize);
  const out = valueBlock(net, net.outputNode), C = out.size;
  return arena.scoped(() => {
    const dir = new Float64Array(2 * d); // 2×d: the directions b − a and a − b
    for (let i = 0; i < d; i++) {
      dir[i] = pb[i] - pa[i];
      dir[d + i] = -dir[i];
    }
    const tin = arena.putF64(dir), origin = arena.putF64(pa);
    const x = arena.allocF64(d), values = arena.allocF64(vs), pre = arena.allocF64(ps), argmax = arena.allocI32(Math.max(1, net.argSize));
    const tan = arena.allocF64(2 * vs), tanPre = arena.allocF64(2 * ps); // 2 rows: forwards, backwards
    const unit = arena.allocI32(4), bits = arena.allocI32(W), hash = arena.alloc(8);
    const pieces: Piece[] = [];
    const stretches: [number, number][] = [[0, 1]];
    while (stretches.length) {
      const [g0, g1] = stretches.pop()!;
      if (!(g1 - g0 > MERGE)) continue;
      const m = 0.5 * (g0 + g1);
      arena.f64(x, d).set(arena.f64(origin, d));
      k.axpyF64(m, tin, x, d); // x = a + m·(b − a)
      k.graphForwardF64(desc, x, 1, values, pre, argmax);
      k.graphJvpF64(desc, values, pre, argmax, 2, tin, tan, tanPre);
      const ahead = k.graphCrossingF64(desc, values, pre, argmax, tan, tanPre, g1 - m, unit);
      const behind = k.graphCrossingF64(desc, values, pre, argmax, tan + vs * 8, tanPre + ps * 8, m - g0, unit);
      const lo = Number.isFinite(behind) ? m - behind : g0, hi = Number.isFinite(ahead) ? m + ahead : g1;
      k.graphPatternF64(desc, pre, 1, bits);
      k.graphHash(desc, bits, argmax, 1, hash);
      const v = arena.f64(values + out.offset * 8, C), dv = arena.f64(tan + out.offset * 8, C);
      const map = new Float64Array(2 * C);
      for (let i = 0; i < C; i++) {
        map[i] = v[i] - m * dv[i];
        map[C + i] = dv[i];
      }
      pieces.push({ lo, hi, hash: u64View(arena, hash, 1)[0], bits: arena.u32(bits, W).slice(), map });
      stretches.push([hi, g1], [g0, lo]);
    }
    pieces.sort((p, q) => p.lo - q.lo);
    // Neighbours with one hash are one piece (a probe on a boundary, or a crossing that changes nothing).
    const kept: Piece[] = [];
    const breakpoints: number[] = [];
    for (const p of pieces) {
      const last = kept[kept.length - 1];
      if (last && last.hash === p.hash) {
        last.hi = p.hi;
        continue;
      }
      if (last) breakpoints.push(0.5 * (last.hi + p.lo));
      kept.push(p);
    }
    const n = kept.length;
    const patternBits = new Uint32Array(n * W), maps = new Float64Array(n * 2 * C);
    kept.forEach((p, i) => {
      patternBits.set(p.bits, i * W);
      maps.set(p.map, i * 2 * C);
    });
    return {
      breakpoints: Float64Array.from(breakpoints),
      patterns: BigUint64Array.from(kept.map((p) => p.hash)),
      bits: patternBits,
      patternWords: W,
      outputSize: C,
      maps,
    };
  });
}
