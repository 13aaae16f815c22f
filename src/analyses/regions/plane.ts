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
 * The whole walk runs in Wasm, one call (regionsPlaneWalkF64, host side in planeWalk.ts): the pass, the
 * splits (splitRegionsByUnitsF64: every unit's line, Sutherland–Hodgman, bits set; splitRegionsByWindowsF64:
 * every window's argmax cells, the winner's index in the row, hashed as engine.forward hashes it) and the
 * stack; the host grows buffers when asked. At the output the same argmax split over all C outputs cuts each
 * polygon into its class cells (classCells), since the class can change inside one linear region. The host
 * then computes areas, centroids and the decision boundary
 * (decisionBoundary.ts), which cost O(regions · C²) on the polygons that need it.
 */
import type { Arena } from "../../engine/arena.js";
import { NonFiniteError, OptionError, ShapeError } from "../../errors.js";
import type { Model } from "../../model/model.js";
import { decisionBoundary } from "./decisionBoundary.js";
import type { RegionKernels } from "./kernels.js";
import { pointArg, regionNetwork } from "./compiled.js";
import { valueBlock } from "../../model/compile.js";
import { walkPlane } from "./planeWalk.js";

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

export function regionsInPlane(arena: Arena, model: Model, origin: ArrayLike<number>, u: ArrayLike<number>, v: ArrayLike<number>, extent: PlaneExtent): RegionsInPlaneResult {
  const { up } = regionNetwork(arena, model);
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
  const C = valueBlock(net, net.outputNode).size;
  return arena.scoped(() => {
    // Unit-square coordinates (σ, τ): x = (origin + s0·u + t0·v) + σ·(S·u) + τ·(T·v).
    const x0 = new Float64Array(d), xs = new Float64Array(d), xt = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      xs[i] = S * pu[i];
      xt[i] = T * pv[i];
      x0[i] = o[i] + s0 * pu[i] + t0 * pv[i];
    }
    const { count: np, vertexStart, vertices, bits, hashes: patterns, forms: formsAll } = walkPlane(arena, net, desc, x0, xs, xt, EPS);
    const nv = vertexStart[np];
    const rowsF = formsAll; // np×3×C in (σ, τ)
    const x = arena.putF64(formsAll);
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
