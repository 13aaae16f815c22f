/**
 * regionsOnLine: the exact linear pieces of a ReLU network along the segment a → b, x(t) = a + t·(b − a),
 * walked on the compiled network graph with the float64 graph kernels. On one region every node's value is
 * affine in t, so two rows (the slope ∂/∂t and the value at t = 0) carry the whole segment through the nodes
 * under a frozen pattern (netAffineFrozenF64, as regionsInPlane does with three). The stretch [0, 1] is split
 * depth-first at each kink node in node order: lineRootsF64 gives the points inside a stretch where that
 * node's relu/leakyRelu units change sign or two inputs of a max-pool window meet, and lineNodeWordsF64 the
 * node's pattern bits or argmax words at each piece's midpoint (neighbours with equal words stay one piece);
 * each piece resumes the affine pass at that node. The argmax is part of the region, as in engine.forward's
 * hash. conv2d (pads, strides, dilations, groups), pooling, batchNorm, add and concat run as the graph's node
 * kernels; the host keeps the stack of stretches (a few per piece) and the list of pieces.
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

/** Cuts closer than this in t (the segment has length 1) are one breakpoint. */
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

/** A stretch [lo, hi] of t waiting for the kink node after `from` (−1: the first), with its region row. */
interface Pending { from: number; lo: number; hi: number; row: Uint32Array }

/** Exact linear pieces of `model` along a → b (a, b: input points of length model.inputSize). */
export function regionsOnLine(arena: Arena, model: Model, a: ArrayLike<number>, b: ArrayLike<number>): RegionsOnLineResult {
  const { up, kinks, rowWords: R } = regionNetwork(arena, model);
  const net = up.net, desc = up.f64;
  const d = net.inputSize;
  const pa = pointArg("a", a, d), pb = pointArg("b", b, d);
  const k = arena.kernels<RegionKernels>();
  const W = net.patternWords, vs = net.valueSize, ps = Math.max(1, net.preSize);
  const out = valueBlock(net, net.outputNode), C = out.size;
  const nextKink = (from: number): number => kinks.find((n) => n > from) ?? net.nodeCount;
  return arena.scoped(() => {
    const buf = arena.allocF64(2 * vs); // 2×valueSize: every node's slope ∂/∂t and value at t = 0
    const forms = arena.f64(buf, 2 * vs);
    for (let i = 0; i < d; i++) {
      forms[i] = pb[i] - pa[i];
      forms[vs + i] = pa[i];
    }
    const pre = arena.allocF64(2 * ps), row = arena.allocI32(R), hash = arena.alloc(8);
    let cap = 1024, roots = arena.allocF64(cap);
    const pieces: Piece[] = [];
    const stack: Pending[] = [{ from: -1, lo: 0, hi: 1, row: new Uint32Array(R) }];
    while (stack.length) {
      const p = stack.pop()!;
      const to = nextKink(p.from);
      arena.u32(row, R).set(p.row);
      k.netAffineFrozenF64(desc, 2, buf, pre, row, row + 4 * W, 1, p.from, to);
      if (to >= net.nodeCount) {
        k.fnv64Rows(1, R, row, hash);
        const map = new Float64Array(2 * C); // output at t = 0, then its slope
        map.set(arena.f64(buf + (vs + out.offset) * 8, C), 0);
        map.set(arena.f64(buf + out.offset * 8, C), C);
        pieces.push({ lo: p.lo, hi: p.hi, hash: u64View(arena, hash, 1)[0], bits: p.row.slice(0, W), map });
        continue;
      }
      let n = k.lineRootsF64(desc, to, buf, pre, p.lo, p.hi, roots, cap);
      if (n > cap) {
        cap = 2 * n;
        roots = arena.allocF64(cap);
        n = k.lineRootsF64(desc, to, buf, pre, p.lo, p.hi, roots, cap);
      }
      // Cuts closer than MERGE to the last one or to the stretch's end are one point up to rounding.
      const cuts = [p.lo];
      for (const r of arena.f64(roots, n).slice().sort()) if (r - cuts[cuts.length - 1] > MERGE && p.hi - r > MERGE) cuts.push(r);
      cuts.push(p.hi);
      // Each piece takes node `to`'s words at its midpoint; neighbours with equal words are one piece.
      const children: Pending[] = [];
      for (let i = 0; i + 1 < cuts.length; i++) {
        arena.u32(row, R).set(p.row);
        k.lineNodeWordsF64(desc, to, buf, pre, 0.5 * (cuts[i] + cuts[i + 1]), row);
        const r = arena.u32(row, R).slice();
        const last = children[children.length - 1];
        if (last && equalWords(last.row, r)) last.hi = cuts[i + 1];
        else children.push({ from: to, lo: cuts[i], hi: cuts[i + 1], row: r });
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
    // Neighbours with one hash are one piece (pieces of different parents that end in one region).
    const kept: Piece[] = [];
    const breakpoints: number[] = [];
    for (const p of pieces) {
      const last = kept[kept.length - 1];
      if (last && last.hash === p.hash) {
        last.hi = p.hi;
        continue;
      }
      if (last) breakpoints.push(p.lo);
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

function equalWords(x: Uint32Array, y: Uint32Array): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
