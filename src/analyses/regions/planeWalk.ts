/**
 * The host side of the plane partition's depth-first walk (assembly/regionsPlaneWalk.ts): its descriptor and
 * buffers in the arena, grown (contents copied) whenever the Wasm walk asks for room, and the regions it
 * found, read back once at the end. The walk itself — the frozen-pattern affine passes, the splits and the
 * stack of pending polygons — runs in one Wasm call per growth, with no per-polygon round trip.
 */
import type { Arena } from "../../engine/arena.js";
import type { CompiledNetwork } from "../../model/compile.js";
import { nodeField, valueBlock } from "../../model/compile.js";
import { F_ACT, F_KH, F_KW, F_OP, F_OUT_SIZE, F_PATTERN_OFFSET, ACT_LINEAR, OP_MAXPOOL } from "../../model/opcodes.js";
import type { RegionKernels } from "./kernels.js";
import { u64View } from "./compiled.js";

// Descriptor words (assembly/regionsPlaneWalk.ts WALK_*).
const WALK_NET = 0, WALK_BUF = 1, WALK_PRE = 2, WALK_POOL = 3, WALK_SCRATCH = 4, WALK_CAP_SCRATCH = 5, WALK_CELLS = 6, WALK_ROW = 7;
const WALK_STACK = 8, WALK_STACK_CAP = 9, WALK_STACK_TOP = 10;
const WALK_OUT_START = 13, WALK_OUT_VERTS = 14, WALK_OUT_BITS = 15, WALK_OUT_HASH = 16, WALK_OUT_FORMS = 17, WALK_CAP_OUT = 18, WALK_CAP_OUT_VERTS = 19;
const WALK_OUT_COUNT = 20, WALK_OUT_NVERTS = 21, WALK_WORDS = 22;
const WALK_GROW_POOL = -1, WALK_GROW_SCRATCH = -2, WALK_GROW_STACK = -3, WALK_GROW_OUT = -4;

// The polygon store's descriptor (assembly/regionsPlane.ts POOL_*).
const POOL_VSTART = 0, POOL_VCOUNT = 1, POOL_VERTS = 2, POOL_ROWS = 3, POOL_LIST = 4, POOL_SLOTS = 5, POOL_NVERTS = 6, POOL_LIVE = 7;
const POOL_CAP_SLOTS = 8, POOL_CAP_VERTS = 9, POOL_WORDS = 13;

/** The regions of a walk, in the order the walk finished them (σ, τ: unit-square coordinates). */
export interface PlaneWalkRegions {
  count: number;
  /** count + 1 offsets into `vertices`. */
  vertexStart: Int32Array;
  /** 2·V (σ, τ) pairs, counter-clockwise per region. */
  vertices: Float64Array;
  /** count×patternWords u32. */
  bits: Uint32Array;
  /** count region hashes (engine.forward's: pattern words, then the max-pool argmax words). */
  hashes: BigUint64Array;
  /** count×3×C f64: on region p, output i = forms[3pC + i]·σ + forms[(3p+1)C + i]·τ + forms[(3p+2)C + i]. */
  forms: Float64Array;
}

/** Initial buffer sizes of a walk (each doubles when the walk asks for room). */
export interface WalkCapacities {
  /** Polygon store slots and vertices. */
  slots: number;
  verts: number;
  /** (σ, τ) pairs per clipping buffer of the window splitter. */
  scratch: number;
  /** Stack bytes (at least one entry's). */
  stack: number;
  /** Regions and their vertices. */
  regions: number;
  regionVerts: number;
}

const CAPACITIES: WalkCapacities = { slots: 256, verts: 4096, scratch: 64, stack: 1 << 16, regions: 1024, regionVerts: 8192 };

/**
 * Walks the unit square {x0 + σ·xs + τ·xt : (σ, τ) ∈ [0, 1]²} of the compiled network `net` (its float64
 * descriptor at `desc`, uploaded into `arena`) and returns its linear regions. x0, xs, xt: input points
 * (length inputSize). Call inside `arena.scoped`: every buffer is a scoped allocation. `caps`: the initial
 * buffer sizes (the result does not depend on them).
 */
export function walkPlane(arena: Arena, net: CompiledNetwork, desc: number, x0: Float64Array, xs: Float64Array, xt: Float64Array, eps: number, caps: WalkCapacities = CAPACITIES): PlaneWalkRegions {
  const k = arena.kernels<RegionKernels>();
  const d = net.inputSize, vs = net.valueSize, W = net.patternWords, R = W + net.argSize;
  const C = valueBlock(net, net.outputNode).size;
  let maxWords = 1, maxK = 1;
  for (let n = 0; n < net.nodeCount; n++) {
    const pool = nodeField(net, n, F_OP) === OP_MAXPOOL;
    if (pool) {
      maxWords = Math.max(maxWords, nodeField(net, n, F_OUT_SIZE));
      maxK = Math.max(maxK, nodeField(net, n, F_KH) * nodeField(net, n, F_KW));
    } else if (nodeField(net, n, F_ACT) !== ACT_LINEAR) {
      const at = nodeField(net, n, F_PATTERN_OFFSET);
      maxWords = Math.max(maxWords, ((at + nodeField(net, n, F_OUT_SIZE) - 1) >>> 5) - (at >>> 5) + 1);
    }
  }
  const walk = arena.allocI32(WALK_WORDS);
  const word = (f: number): number => arena.i32(walk, WALK_WORDS)[f];
  const set = (f: number, v: number): void => void (arena.i32(walk, WALK_WORDS)[f] = v);
  arena.i32(walk, WALK_WORDS).fill(0);
  const buf = arena.allocF64(3 * vs); // 3×valueSize: every node's ∂/∂σ, ∂/∂τ and constant rows
  const rows = arena.f64(buf, 3 * vs);
  rows.set(xs, 0);
  rows.set(xt, vs);
  rows.set(x0, 2 * vs);
  set(WALK_NET, desc);
  set(WALK_BUF, buf);
  set(WALK_PRE, arena.allocF64(3 * Math.max(1, net.preSize)));
  set(WALK_CELLS, arena.allocI32(maxK));
  set(WALK_ROW, arena.allocI32(R));

  // The polygon store: capSlots slots of maxWords row words each.
  const pool = arena.allocI32(POOL_WORDS);
  const poolWords = (): Int32Array => arena.i32(pool, POOL_WORDS);
  const allocPool = (capSlots: number, capVerts: number): void => {
    const fresh = [arena.allocI32(capSlots), arena.allocI32(capSlots), arena.allocF64(2 * capVerts), arena.allocI32(capSlots * maxWords), arena.allocI32(capSlots)];
    const q = poolWords(); // after the allocations: a grown memory detaches older views
    if (q[POOL_CAP_SLOTS] > 0) {
      const live = q[POOL_LIVE], slots = q[POOL_SLOTS];
      for (const [f, bytes] of [[POOL_VSTART, 4 * slots], [POOL_VCOUNT, 4 * slots], [POOL_VERTS, 16 * q[POOL_NVERTS]], [POOL_ROWS, 4 * slots * maxWords], [POOL_LIST, 4 * live]] as const) {
        arena.u8(fresh[f], bytes).set(arena.u8(q[f], bytes));
      }
    }
    fresh.forEach((ptr, f) => (q[f] = ptr));
    q[POOL_CAP_SLOTS] = capSlots;
    q[POOL_CAP_VERTS] = capVerts;
  };
  poolWords().fill(0);
  allocPool(caps.slots, caps.verts);
  set(WALK_POOL, pool);

  let capScratch = caps.scratch;
  set(WALK_SCRATCH, arena.allocF64(4 * capScratch));
  set(WALK_CAP_SCRATCH, capScratch);

  // The stack, with the unit square on it (from = −1: no kink node split it yet).
  const entry = 16 * 4 + ((4 * R + 7) & ~7) + 8;
  let capStack = Math.max(caps.stack, entry);
  set(WALK_STACK, arena.alloc(capStack));
  set(WALK_STACK_CAP, capStack);
  const first = word(WALK_STACK);
  arena.f64(first, 8).set([0, 0, 1, 0, 1, 1, 0, 1]);
  arena.u8(first + 64, entry - 64).fill(0);
  arena.i32(first + entry - 8, 2).set([-1, 4]);
  set(WALK_STACK_TOP, entry);

  // The regions found.
  let capOut = 0, capOutVerts = 0;
  const allocOut = (regions: number, verts: number): void => {
    const n = word(WALK_OUT_COUNT), nv = word(WALK_OUT_NVERTS);
    const fresh = [arena.allocI32(regions + 1), arena.allocF64(2 * verts), arena.allocI32(regions * W), arena.alloc(8 * regions), arena.allocF64(3 * C * regions)];
    const sizes = [4 * (n + 1), 16 * nv, 4 * n * W, 8 * n, 24 * C * n];
    [WALK_OUT_START, WALK_OUT_VERTS, WALK_OUT_BITS, WALK_OUT_HASH, WALK_OUT_FORMS].forEach((f, i) => {
      if (capOut > 0) arena.u8(fresh[i], sizes[i]).set(arena.u8(word(f), sizes[i]));
      set(f, fresh[i]);
    });
    if (capOut === 0) arena.i32(fresh[0], 1)[0] = 0;
    capOut = regions;
    capOutVerts = verts;
    set(WALK_CAP_OUT, regions);
    set(WALK_CAP_OUT_VERTS, verts);
  };
  allocOut(caps.regions, caps.regionVerts);

  let count: number;
  for (;;) {
    count = k.regionsPlaneWalkF64(walk, eps);
    if (count >= 0) break;
    if (count === WALK_GROW_POOL) {
      const p = poolWords();
      allocPool(2 * p[POOL_CAP_SLOTS], 2 * p[POOL_CAP_VERTS]);
    } else if (count === WALK_GROW_SCRATCH) {
      capScratch *= 2;
      set(WALK_SCRATCH, arena.allocF64(4 * capScratch));
      set(WALK_CAP_SCRATCH, capScratch);
    } else if (count === WALK_GROW_STACK) {
      const top = word(WALK_STACK_TOP);
      capStack *= 2;
      const fresh = arena.alloc(capStack);
      arena.u8(fresh, top).set(arena.u8(word(WALK_STACK), top));
      set(WALK_STACK, fresh);
      set(WALK_STACK_CAP, capStack);
    } else if (count === WALK_GROW_OUT) {
      allocOut(2 * capOut, 2 * capOutVerts);
    } else throw new Error(`regionsPlaneWalkF64 returned ${count}`);
  }
  const vertexStart = arena.i32(word(WALK_OUT_START), count + 1).slice();
  return {
    count,
    vertexStart,
    vertices: arena.f64(word(WALK_OUT_VERTS), 2 * vertexStart[count]).slice(),
    bits: arena.u32(word(WALK_OUT_BITS), count * W).slice(),
    hashes: u64View(arena, word(WALK_OUT_HASH), count).slice(),
    forms: arena.f64(word(WALK_OUT_FORMS), 3 * C * count).slice(),
  };
}
