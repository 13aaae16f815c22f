/**
 * regionsInPlane: the exact partition of a 2D slice {origin + s·u + t·v : (s, t) in extent} into the
 * network's linear regions, as convex polygons (SplineCam-style: start from the slice's rectangle and split
 * it at every kink node of the compiled network graph — by each relu/leakyRelu unit's zero line, and by each
 * max-pool window's argmax cells — in node order).
 *
 * What runs where: the slice is reparametrised to the unit square (σ, τ) (so one relative tolerance fits
 * every slice). Inside one region every node's pre-activation is affine in (σ, τ); its three coefficient
 * rows (∂/∂σ, ∂/∂τ, the value at σ = τ = 0) come from the graph itself: netAffineFrozenF64 pushes the rows
 * x_σ = S·u, x_τ = T·v and x(0, 0) through the node kernels under the polygon's frozen pattern (its bits and
 * argmax words), i.e. two JVPs and the values at the origin. No network is unrolled into matrices: one
 * 3×valueSize buffer serves the whole walk. The polygons are refined depth-first: a polygon split at kink
 * node k hands each piece (with its bits for node k) to the next kink node, resuming the affine pass at k,
 * so memory holds only the pending polygons and one form buffer, never per-polygon maps of a whole layer.
 * The splits run in Wasm (splitPolygonsNodeF64: every unit's line in one call, Sutherland–Hodgman, bits set;
 * splitPolygonsMaxPoolNodeF64: every window's argmax cells, the winner's index in the row, hashed as
 * engine.forward hashes it). At the output the same argmax split over all C outputs cuts each polygon into
 * its class cells (classCells), since the class can change inside one linear region. The host only manages
 * the stack of polygons and buffer capacity and, at the end, areas, centroids and the decision boundary
 * (decisionBoundary.ts), which cost O(regions · C²) on the polygons that need it.
 */
import type { Arena } from "../../engine/arena.js";
import { NonFiniteError, OptionError, ShapeError } from "../../errors.js";
import type { Model } from "../../model/model.js";
import { decisionBoundary } from "./decisionBoundary.js";
import type { RegionKernels } from "./kernels.js";
import { pointArg, regionNetwork, u64View } from "./compiled.js";
import { valueBlock } from "../../model/compile.js";
import { OP_MAXPOOL, F_ARG_OFFSET, F_KH, F_KW, F_OP, F_OUT_SIZE, F_PATTERN_OFFSET } from "../../model/opcodes.js";
import { nodeField } from "../../model/compile.js";

/** [sMin, sMax, tMin, tMax]: the rectangle of slice coordinates. */
export type PlaneExtent = readonly [number, number, number, number];

export interface RegionsInPlaneResult {
  /** Number of linear regions (polygons) in the slice. */
  count: number;
  /** count+1 offsets: polygon p has vertices vertexStart[p] ≤ i < vertexStart[p+1]. */
  vertexStart: Int32Array;
  /** 2·V (s, t) pairs, counter-clockwise per polygon. */
  vertices: Float64Array;
  /** count region hashes (== engine.forward(...).regionHash at points inside; max-pool argmax included). */
  patterns: BigUint64Array;
  /** count×patternWords u32 pattern bitsets. */
  bits: Uint32Array;
  patternWords: number;
  /** count polygon areas in (s, t) units (they sum to the slice's area). */
  areas: Float64Array;
  /** count argmax classes of the output at each polygon's centroid. */
  predicted: Int32Array;
  /** Output size C. */
  outputSize: number;
  /** count×C×3: on polygon p, output i = maps[(p·C+i)·3] · s + maps[(p·C+i)·3+1] · t + maps[(p·C+i)·3+2]. */
  maps: Float64Array;
  /**
   * The polygons split by the output's argmax (on a polygon the outputs are affine, so the class can change
   * inside it): convex cells, each inside one polygon and of one class, tiling the slice like the polygons.
   * Ties go to the lower class index (the first maximum, as engine.forward's argmax).
   */
  classCells: ClassCells;
  /** Decision boundary as segments×4 (s0, t0, s1, t1): where the top output changes. */
  boundary: Float64Array;
  /** The same segments chained into polylines, each a flat (s, t, s, t, …) array. */
  boundaryPolylines: Float64Array[];
  extent: PlaneExtent;
}

/** Convex cells of constant argmax class (layout as the polygons: cell c has vertices vertexStart[c] ≤ i < vertexStart[c+1]). */
export interface ClassCells {
  count: number;
  vertexStart: Int32Array;
  /** 2·V (s, t) pairs, counter-clockwise per cell. */
  vertices: Float64Array;
  /** count: the polygon (linear region) each cell lies in. */
  polygon: Int32Array;
  /** count: the argmax class on the cell. */
  predicted: Int32Array;
}

/** Relative tolerance (to the unit form's coefficient sum) under which a vertex counts as on a line. */
const EPS = 1e-12;

/**
 * Growable pair of polygon buffers in the arena (bump allocation: outgrown buffers are freed with the call's
 * scope). `bits` holds R = net.rowWords u32 per polygon: the pattern words, then the max-pool argmax words.
 */
interface PolySet { start: number; verts: number; parent: number; bits: number; capPoly: number; capVerts: number }

function allocSet(arena: Arena, capPoly: number, capVerts: number, R: number): PolySet {
  return {
    start: arena.allocI32(capPoly + 1), verts: arena.allocF64(2 * capVerts), parent: arena.allocI32(capPoly),
    bits: arena.alloc(capPoly * R * 4), capPoly, capVerts,
  };
}

/** The polygons (cur), a spare set for the next split, and their polygon and vertex counts. */
interface Partition { cur: PolySet; spare?: PolySet; np: number; nv: number }

/** Words of the polygon store's descriptor (assembly/regionsPlane.ts POOL_*). */
const POOL_WORDS = 13;

/**
 * The node-wise splitters' polygon store in the arena (assembly/regionsPlane.ts POOL_*): append-only slots
 * with vertices and the rows of the node being split, and the list of live slots. Reused for every polygon
 * of the walk; grown (contents copied) when a splitter asks for room.
 */
class PolygonStore {
  readonly desc: number;
  private capSlots = 256;
  private capVerts = 4096;
  private capRows = 256 * 64; // u32
  private words = 1;
  private ptr = { vstart: 0, vcount: 0, verts: 0, rows: 0, list: 0 };

  constructor(private readonly arena: Arena) {
    this.desc = arena.allocI32(POOL_WORDS);
    this.allocate();
  }

  private allocate(): void {
    const a = this.arena;
    this.ptr = { vstart: a.allocI32(this.capSlots), vcount: a.allocI32(this.capSlots), verts: a.allocF64(2 * this.capVerts), rows: a.allocI32(this.capRows), list: a.allocI32(this.capSlots) };
  }

  private word(f: number): number {
    return this.arena.i32(this.desc, POOL_WORDS)[f];
  }

  private publish(slots: number, nverts: number, live: number, next: number, at: number, end: number): void {
    const p = this.ptr;
    const slotsFit = Math.min(this.capSlots, Math.floor(this.capRows / this.words));
    this.arena.i32(this.desc, POOL_WORDS).set([p.vstart, p.vcount, p.verts, p.rows, p.list, slots, nverts, live, slotsFit, this.capVerts, next, at, end]);
  }

  /** One polygon (unit-square vertices) with its row words of the node about to split it. */
  reset(verts: Float64Array, row: Uint32Array): void {
    const nv = verts.length / 2;
    this.words = row.length;
    while (this.capRows < row.length || this.capVerts < nv) {
      this.capRows *= 2;
      this.capVerts *= 2;
      this.allocate();
    }
    const a = this.arena, p = this.ptr;
    a.i32(p.vstart, 1)[0] = 0;
    a.i32(p.vcount, 1)[0] = nv;
    a.i32(p.list, 1)[0] = 0;
    a.f64(p.verts, 2 * nv).set(verts);
    a.u32(p.rows, row.length).set(row);
    this.publish(1, nv, 1, 0, 0, -1);
  }

  /** Double the capacities, keeping the contents and the splitter's resume point. */
  grow(): void {
    const [slots, nverts, live, next, at, end] = [5, 6, 7, 10, 11, 12].map((f) => this.word(f));
    const a = this.arena, old = this.ptr;
    this.capSlots *= 2;
    this.capVerts *= 2;
    this.capRows = Math.max(2 * this.capRows, this.capSlots * this.words);
    this.allocate();
    const p = this.ptr;
    a.i32(p.vstart, slots).set(a.i32(old.vstart, slots));
    a.i32(p.vcount, slots).set(a.i32(old.vcount, slots));
    a.i32(p.list, live).set(a.i32(old.list, live));
    a.f64(p.verts, 2 * nverts).set(a.f64(old.verts, 2 * nverts));
    a.u32(p.rows, slots * this.words).set(a.u32(old.rows, slots * this.words));
    this.publish(slots, nverts, live, next, at, end);
  }

  /** The live polygons: their vertices and rows (live×words u32). */
  read(live: number): { verts: Float64Array[]; rows: Uint32Array } {
    const a = this.arena, p = this.ptr;
    const list = a.i32(p.list, live).slice();
    const vstart = a.i32(p.vstart, this.word(5)).slice(), vcount = a.i32(p.vcount, this.word(5)).slice();
    const allVerts = a.f64(p.verts, 2 * this.word(6)), allRows = a.u32(p.rows, this.word(5) * this.words);
    const rows = new Uint32Array(live * this.words);
    const verts = Array.from(list, (q, i) => {
      rows.set(allRows.subarray(q * this.words, (q + 1) * this.words), i * this.words);
      return allVerts.slice(2 * vstart[q], 2 * (vstart[q] + vcount[q]));
    });
    return { verts, rows };
  }
}

/** A polygon waiting for the kink node after `level` (−1: the first), with its region row (pattern words, argmax words). */
interface Pending { level: number; verts: Float64Array; row: Uint32Array }

export function regionsInPlane(arena: Arena, model: Model, origin: ArrayLike<number>, u: ArrayLike<number>, v: ArrayLike<number>, extent: PlaneExtent): RegionsInPlaneResult {
  const { up, kinks, rowWords: R } = regionNetwork(arena, model);
  const net = up.net, desc = up.f64;
  const d = net.inputSize;
  const o = pointArg("origin", origin, d), pu = pointArg("u", u, d), pv = pointArg("v", v, d);
  if (!extent || extent.length !== 4) throw new ShapeError(`extent: expected [sMin, sMax, tMin, tMax], got ${extent?.length ?? typeof extent} values`);
  const [s0, s1, t0, t1] = extent;
  for (const e of extent) if (!Number.isFinite(e)) throw new NonFiniteError(`extent has ${e}`);
  if (!(s1 > s0 && t1 > t0)) throw new OptionError(`extent: expected sMin < sMax and tMin < tMax, got [${extent.join(", ")}]`);
  const S = s1 - s0, T = t1 - t0;
  const k = arena.kernels<RegionKernels>();
  const W = net.patternWords;
  const vs = net.valueSize, ps = Math.max(1, net.preSize);
  const out = valueBlock(net, net.outputNode), C = out.size;
  return arena.scoped(() => {
    // Unit-square coordinates (σ, τ): x = (origin + s0·u + t0·v) + σ·(S·u) + τ·(T·v).
    const buf = arena.allocF64(3 * vs); // 3×valueSize: every node's ∂/∂σ, ∂/∂τ and constant rows
    const pre = arena.allocF64(3 * ps); // 3×preSize: the same for the pre-activations
    const rows = arena.f64(buf, 3 * vs);
    for (let i = 0; i < d; i++) {
      rows[i] = S * pu[i];
      rows[vs + i] = T * pv[i];
      rows[2 * vs + i] = o[i] + s0 * pu[i] + t0 * pv[i];
    }
    const row = arena.allocI32(R); // the current polygon's row: pattern words, then argmax words
    let maxK = 1;
    for (const kk of kinks) if (nodeField(net, kk, F_OP) === OP_MAXPOOL) maxK = Math.max(maxK, nodeField(net, kk, F_KH) * nodeField(net, kk, F_KW));
    const cells = arena.allocI32(maxK);
    const scratch = { ptr: arena.allocF64(4 * 64), cap: 64 };
    const store = new PolygonStore(arena);
    const hash = arena.alloc(8);
    const finals: { verts: Float64Array; bits: Uint32Array; hash: bigint; forms: Float64Array }[] = []; // bits: the W pattern words
    const stack: Pending[] = [{ level: -1, verts: Float64Array.of(0, 0, 1, 0, 1, 1, 0, 1), row: new Uint32Array(R) }];
    while (stack.length) {
      const p = stack.pop()!;
      const from = p.level >= 0 ? kinks[p.level] : -1;
      const to = p.level + 1 < kinks.length ? kinks[p.level + 1] : net.nodeCount;
      arena.u32(row, R).set(p.row);
      k.netAffineFrozenF64(desc, 3, buf, pre, row, row + 4 * W, 2, from, to);
      if (to >= net.nodeCount) {
        const forms = new Float64Array(3 * C); // 3×C: ∂/∂σ, ∂/∂τ, constant of each output
        for (let r = 0; r < 3; r++) forms.set(arena.f64(buf + (r * vs + out.offset) * 8, C), r * C);
        k.fnv64Rows(1, R, row, hash); // pattern words then argmax words: engine.forward's region hash
        finals.push({ verts: p.verts, bits: p.row.slice(0, W), hash: u64View(arena, hash, 1)[0], forms });
        continue;
      }
      // Split the polygon by every unit (or window) of node `to`; the store's rows are that node's words only.
      const pool = nodeField(net, to, F_OP) === OP_MAXPOOL;
      const base = pool ? W + nodeField(net, to, F_ARG_OFFSET) : nodeField(net, to, F_PATTERN_OFFSET) >>> 5;
      const words = pool ? nodeField(net, to, F_OUT_SIZE) : ((nodeField(net, to, F_PATTERN_OFFSET) + nodeField(net, to, F_OUT_SIZE) - 1) >>> 5) - base + 1;
      store.reset(p.verts, p.row.subarray(base, base + words));
      let live: number;
      for (;;) {
        live = pool
          ? k.splitRegionsByWindowsF64(desc, to, buf, EPS, store.desc, scratch.ptr, scratch.cap, cells)
          : k.splitRegionsByUnitsF64(desc, to, pre, EPS, words, store.desc);
        if (live >= 0) break;
        if (live === -2) {
          scratch.cap *= 2;
          scratch.ptr = arena.allocF64(4 * scratch.cap);
        } else store.grow();
      }
      const children = store.read(live);
      for (let c = live - 1; c >= 0; c--) {
        const r = p.row.slice();
        r.set(children.rows.subarray(c * words, (c + 1) * words), base);
        stack.push({ level: p.level + 1, verts: children.verts[c], row: r });
      }
    }
    const np = finals.length;
    const vertexStart = new Int32Array(np + 1);
    finals.forEach((f, i) => (vertexStart[i + 1] = vertexStart[i] + f.verts.length / 2));
    const nv = vertexStart[np];
    const vertices = new Float64Array(2 * nv);
    const bits = new Uint32Array(np * W); // np×W pattern words
    const formsAll = new Float64Array(np * 3 * C); // np×3×C in (σ, τ)
    finals.forEach((f, i) => {
      vertices.set(f.verts, 2 * vertexStart[i]);
      bits.set(f.bits, i * W);
      formsAll.set(f.forms, i * 3 * C);
    });
    const patterns = BigUint64Array.from(finals, (f) => f.hash);
    const x = arena.putF64(formsAll);
    const rowsF = formsAll;
    const { unitVertices, ...cellsRest } = classCellsOf(arena, k, vertexStart, vertices, x, C);
    // Back to (s, t): σ = (s − s0)/S, τ = (t − t0)/T.
    for (let i = 0; i < nv; i++) {
      vertices[2 * i] = s0 + S * vertices[2 * i];
      vertices[2 * i + 1] = t0 + T * vertices[2 * i + 1];
    }
    const classCells: ClassCells = { ...cellsRest, vertices: unitVertices };
    for (let i = 0; i < unitVertices.length / 2; i++) {
      unitVertices[2 * i] = s0 + S * unitVertices[2 * i];
      unitVertices[2 * i + 1] = t0 + T * unitVertices[2 * i + 1];
    }
    const maps = new Float64Array(np * C * 3);
    for (let p = 0; p < np; p++) {
      for (let i = 0; i < C; i++) {
        const a = rowsF[3 * p * C + i] / S, b = rowsF[(3 * p + 1) * C + i] / T;
        const m = (p * C + i) * 3;
        maps[m] = a;
        maps[m + 1] = b;
        maps[m + 2] = rowsF[(3 * p + 2) * C + i] - a * s0 - b * t0;
      }
    }
    const areas = new Float64Array(np);
    const predicted = new Int32Array(np);
    for (let p = 0; p < np; p++) {
      let area = 0, cs = 0, ct = 0;
      const i0 = vertexStart[p], i1 = vertexStart[p + 1];
      for (let i = i0; i < i1; i++) {
        const j = i + 1 < i1 ? i + 1 : i0;
        area += vertices[2 * i] * vertices[2 * j + 1] - vertices[2 * j] * vertices[2 * i + 1];
        cs += vertices[2 * i];
        ct += vertices[2 * i + 1];
      }
      areas[p] = area / 2;
      cs /= i1 - i0;
      ct /= i1 - i0;
      let best = -Infinity;
      for (let i = 0; i < C; i++) {
        const m = (p * C + i) * 3;
        const val = maps[m] * cs + maps[m + 1] * ct + maps[m + 2];
        if (val > best) {
          best = val;
          predicted[p] = i;
        }
      }
    }
    const { segments, polylines } = decisionBoundary(np, vertexStart, vertices, maps, C);
    return {
      count: np, vertexStart, vertices, patterns, bits, patternWords: W, areas, predicted, outputSize: C, maps, classCells,
      boundary: segments, boundaryPolylines: polylines, extent: [s0, s1, t0, t1],
    };
  });
}

/**
 * Split every polygon of `part` by the argmax of the K affine functions in columns cells[0 .. K) (i32) of
 * the rows x (indexed through part.cur.parent; layout of splitPolygonsMaxPoolF64): one
 * splitPolygonsMaxPoolF64 pass, with buffers that turn out too small (the kernel says so) regrown and the
 * pass repeated. The winner's index is written to row word `argWord`; `part` then holds the children.
 */
function splitByArgmax(arena: Arena, k: RegionKernels, part: Partition, x: number, inSize: number, cells: number, K: number, R: number, argWord: number, scratch: { ptr: number; cap: number }): void {
  for (;;) {
    const { np, nv, cur } = part;
    if (!part.spare || part.spare.capPoly < 2 * np + K || part.spare.capVerts < 2 * nv + 4 * np + 4 * K) part.spare = allocSet(arena, 4 * np + K, 4 * nv + 8 * np + 4 * K, R);
    const out = part.spare;
    const got = k.splitPolygonsMaxPoolF64(
      np, cur.start, cur.verts, cur.parent, x, inSize, cells, K, EPS, cur.bits, R, argWord,
      out.start, out.verts, out.parent, out.bits, out.capPoly, out.capVerts, scratch.ptr, scratch.cap,
    );
    if (got === -1) {
      part.spare = allocSet(arena, 2 * out.capPoly, 2 * out.capVerts, R);
      continue;
    }
    if (got === -2) {
      scratch.cap *= 2;
      scratch.ptr = arena.allocF64(4 * scratch.cap);
      continue;
    }
    part.np = got;
    part.nv = arena.i32(out.start + got * 4, 1)[0];
    part.spare = cur;
    part.cur = out;
    return;
  }
}

/**
 * The argmax cells of the output on every polygon: the same split as a max-pool window over all C outputs
 * (x: np×3×C rows in (σ, τ), indexed by polygon). Vertices come back in (σ, τ).
 */
function classCellsOf(arena: Arena, k: RegionKernels, vertexStart: Int32Array, vertices: Float64Array, x: number, C: number): Omit<ClassCells, "vertices"> & { unitVertices: Float64Array } {
  const np = vertexStart.length - 1, nv = vertexStart[np];
  const part: Partition = { cur: allocSet(arena, np, nv, 1), np, nv };
  arena.i32(part.cur.start, np + 1).set(vertexStart);
  arena.f64(part.cur.verts, 2 * nv).set(vertices);
  arena.i32(part.cur.parent, np).set(identity(np));
  arena.u32(part.cur.bits, np).fill(0);
  const cells = arena.allocI32(C);
  arena.i32(cells, C).set(identity(C));
  splitByArgmax(arena, k, part, x, C, cells, C, 1, 0, { ptr: arena.allocF64(4 * 64), cap: 64 });
  return {
    count: part.np,
    vertexStart: arena.i32(part.cur.start, part.np + 1).slice(),
    unitVertices: arena.f64(part.cur.verts, 2 * part.nv).slice(),
    polygon: arena.i32(part.cur.parent, part.np).slice(),
    predicted: arena.i32(part.cur.bits, part.np).slice(),
  };
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}
