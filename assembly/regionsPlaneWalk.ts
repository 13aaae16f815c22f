// The depth-first walk of the exact plane partition (src/analyses/regions/plane.ts) on the compiled network, in
// one call: pop a polygon, push the forms of its slice coordinates through the nodes under its frozen pattern
// (netAffineFrozen, from the kink node that made it to the next one), split it by every unit or window of that
// node (splitRegionsByUnitsF64, splitRegionsByWindowsF64 on the polygon store), push the pieces; a polygon past
// the last kink node is a region: its vertices, pattern words, hash and output forms are appended to the output.
// The host only grows buffers when the walk asks for room; everything per polygon stays in Wasm.
//
// Why depth-first: a polygon popped right after its parent's split finds the forms of every node up to that
// split still in the shared buffers (buf, pre), so it resumes the affine pass there; memory holds one 3-row form
// buffer and the pending polygons, never a form per polygon.
import { netAffineFrozen } from "./graph/frozen";
import { ACT_LINEAR, F_ACT, F_ARG_OFFSET, F_OP, F_OUT_SIZE, F_PATTERN_OFFSET, F_VALUE_OFFSET, NET_ARG_SIZE, NET_NODES, NET_OUTPUT_NODE, NET_PATTERN_WORDS, NET_VALUE_SIZE, OP_MAXPOOL } from "./graph/opcodes";
import { netWord, nodeField } from "./graph/table";
import {
  fnv64Rows, poolWord, setPoolWord, slotWord, splitRegionsByUnitsF64,
  POOL_AT, POOL_CAP_SLOTS, POOL_CAP_VERTS, POOL_END, POOL_LIST, POOL_LIVE, POOL_NEXT, POOL_NVERTS, POOL_ROWS, POOL_SLOTS, POOL_VCOUNT, POOL_VERTS, POOL_VSTART,
} from "./regionsPlane";
import { splitRegionsByWindowsF64 } from "./regionsPlanePool";

// The walk's descriptor: WALK_WORDS i32 (pointers are byte offsets). The host fills the inputs and the
// capacities, zeroes the counters and the phase, and pushes the first polygon (the unit square) on the stack.
export const WALK_NET = 0; // the compiled network's f64 descriptor
export const WALK_BUF = 1; // 3×valueSize f64: ∂/∂σ, ∂/∂τ and constant rows of every node (the input block set by the host)
export const WALK_PRE = 2; // 3×preSize f64: the same for the pre-activations
export const WALK_POOL = 3; // the polygon store's descriptor (regionsPlane.ts POOL_*), rows of maxWords u32 per slot
export const WALK_SCRATCH = 4; // two buffers of capScratch (σ, τ) f64 pairs (the window splitter's clipping)
export const WALK_CAP_SCRATCH = 5;
export const WALK_CELLS = 6; // kh·kw i32 for the largest max-pool window
export const WALK_ROW = 7; // rowWords u32: the popped polygon's row (pattern words, then argmax words)
export const WALK_STACK = 8; // the pending polygons (entry layout: pushEntry)
export const WALK_STACK_CAP = 9; // bytes
export const WALK_STACK_TOP = 10; // bytes used
export const WALK_PHASE = 11; // PHASE_*: where a call resumes
export const WALK_NODE = 12; // the kink node the popped polygon is being split by
export const WALK_OUT_START = 13; // capOut + 1 i32: region r has vertices OUT_START[r] ≤ i < OUT_START[r + 1]
export const WALK_OUT_VERTS = 14; // capOutVerts (σ, τ) f64 pairs, counter-clockwise per region
export const WALK_OUT_BITS = 15; // capOut × patternWords u32
export const WALK_OUT_HASH = 16; // capOut u64: FNV-1a 64 of the row (engine.forward's region hash)
export const WALK_OUT_FORMS = 17; // capOut × 3 × C f64: the output's ∂/∂σ, ∂/∂τ and constant rows
export const WALK_CAP_OUT = 18;
export const WALK_CAP_OUT_VERTS = 19;
export const WALK_OUT_COUNT = 20; // regions written
export const WALK_OUT_NVERTS = 21; // vertices written
export const WALK_WORDS = 22;

const PHASE_POP = 0; // pop the next polygon
const PHASE_SPLIT = 1; // the popped polygon is in the store, being split by WALK_NODE (resumable)
const PHASE_PUSH = 2; // the store's live polygons are the pieces, to be pushed

/** Returned when the walk needs more room: the host grows that buffer (keeping its contents) and calls again. */
export const WALK_GROW_POOL = -1;
export const WALK_GROW_SCRATCH = -2;
export const WALK_GROW_STACK = -3;
export const WALK_GROW_OUT = -4;

// @ts-ignore: decorator
@inline function w(walk: usize, f: i32): i32 {
  return load<i32>(walk + (<usize>f << 2));
}
// @ts-ignore: decorator
@inline function setW(walk: usize, f: i32, v: i32): void {
  store<i32>(walk + (<usize>f << 2), v);
}

/** The first kink node (relu/leakyRelu, or max pool) after node `from`, or the node count when none is left. */
function nextKink(net: usize, from: i32): i32 {
  const nodes = netWord(net, NET_NODES);
  for (let k = from + 1; k < nodes; k++) if (nodeField(net, k, F_ACT) != ACT_LINEAR || nodeField(net, k, F_OP) == OP_MAXPOOL) return k;
  return nodes;
}

/** First word and word count of kink node k's part of a region row: its pattern words, or its argmax words. */
// @ts-ignore: decorator
@inline function rowBase(net: usize, k: i32): i32 {
  if (nodeField(net, k, F_OP) == OP_MAXPOOL) return netWord(net, NET_PATTERN_WORDS) + nodeField(net, k, F_ARG_OFFSET);
  return nodeField(net, k, F_PATTERN_OFFSET) >>> 5;
}
// @ts-ignore: decorator
@inline function rowWordsOf(net: usize, k: i32): i32 {
  if (nodeField(net, k, F_OP) == OP_MAXPOOL) return nodeField(net, k, F_OUT_SIZE);
  const at = nodeField(net, k, F_PATTERN_OFFSET);
  return ((at + nodeField(net, k, F_OUT_SIZE) - 1) >>> 5) - (at >>> 5) + 1;
}

// A stack entry: 2·nv f64 vertices, `rowWords` u32 row (padded to 8 bytes), then i32 `from` (the kink node that
// made the polygon, −1: none yet) and i32 nv. The footer sits at the entry's end, so the top entry is read
// backwards from WALK_STACK_TOP.
// @ts-ignore: decorator
@inline function entryBytes(nv: i32, rowWords: i32): i32 {
  return 16 * nv + ((4 * rowWords + 7) & ~7) + 8;
}

/**
 * Push a polygon (nv vertices at `verts`, its row: `row` with words [base, base + words) taken from `part`)
 * onto the stack; the caller has checked the room.
 */
function pushEntry(walk: usize, rowWords: i32, verts: usize, nv: i32, row: usize, part: usize, base: i32, words: i32, from: i32): void {
  const at = <usize>w(walk, WALK_STACK) + <usize>w(walk, WALK_STACK_TOP);
  memory.copy(at, verts, <usize>(16 * nv));
  const r = at + <usize>(16 * nv);
  memory.copy(r, row, <usize>(4 * rowWords));
  memory.copy(r + (<usize>base << 2), part, <usize>words << 2);
  const footer = at + <usize>(entryBytes(nv, rowWords) - 8);
  store<i32>(footer, from);
  store<i32>(footer, nv, 4);
  setW(walk, WALK_STACK_TOP, w(walk, WALK_STACK_TOP) + entryBytes(nv, rowWords));
}

/** Append the popped polygon (vertices at `verts`) as a region: vertices, pattern words, hash, output forms. */
function emitRegion(walk: usize, net: usize, rowWords: i32, verts: usize, nv: i32): void {
  const r = w(walk, WALK_OUT_COUNT), nvOut = w(walk, WALK_OUT_NVERTS);
  const W = netWord(net, NET_PATTERN_WORDS), vs = netWord(net, NET_VALUE_SIZE);
  const outNode = netWord(net, NET_OUTPUT_NODE);
  const C = nodeField(net, outNode, F_OUT_SIZE), off = nodeField(net, outNode, F_VALUE_OFFSET);
  const row = <usize>w(walk, WALK_ROW);
  memory.copy(<usize>w(walk, WALK_OUT_VERTS) + (<usize>(2 * nvOut) << 3), verts, <usize>(16 * nv));
  store<i32>(<usize>w(walk, WALK_OUT_START) + (<usize>(r + 1) << 2), nvOut + nv);
  memory.copy(<usize>w(walk, WALK_OUT_BITS) + (<usize>(r * W) << 2), row, <usize>W << 2);
  fnv64Rows(1, rowWords, row, <usize>w(walk, WALK_OUT_HASH) + (<usize>r << 3));
  const forms = <usize>w(walk, WALK_OUT_FORMS) + (<usize>(3 * r * C) << 3), buf = <usize>w(walk, WALK_BUF);
  for (let q = 0; q < 3; q++) memory.copy(forms + (<usize>(q * C) << 3), buf + (<usize>(q * vs + off) << 3), <usize>C << 3);
  setW(walk, WALK_OUT_COUNT, r + 1);
  setW(walk, WALK_OUT_NVERTS, nvOut + nv);
}

/** Put one polygon (vertices at `verts`, row words [base, base + words) of `row`) in the store as its only live slot. */
function resetPool(pool: usize, verts: usize, nv: i32, row: usize, base: i32, words: i32): void {
  store<i32>(<usize>poolWord(pool, POOL_VSTART), 0);
  store<i32>(<usize>poolWord(pool, POOL_VCOUNT), nv);
  store<i32>(<usize>poolWord(pool, POOL_LIST), 0);
  memory.copy(<usize>poolWord(pool, POOL_VERTS), verts, <usize>(16 * nv));
  memory.copy(<usize>poolWord(pool, POOL_ROWS), row + (<usize>base << 2), <usize>words << 2);
  setPoolWord(pool, POOL_SLOTS, 1);
  setPoolWord(pool, POOL_NVERTS, nv);
  setPoolWord(pool, POOL_LIVE, 1);
  setPoolWord(pool, POOL_NEXT, 0);
  setPoolWord(pool, POOL_AT, 0);
  setPoolWord(pool, POOL_END, -1);
}

/**
 * Runs the walk described by `walk` (WALK_*) until the stack is empty, splitting with the relative tolerance
 * `eps` (as splitPolygonsF64). Returns the number of regions written, or WALK_GROW_* when a buffer is too
 * small; the walk's state is then kept (the phase, the stack, the store with its resume point, buf and pre),
 * so the host grows that buffer, copying its contents, and calls again. Regions come out in depth-first order
 * with the pieces of each split in the store's live order, the order in which the host-side walk found them.
 */
export function regionsPlaneWalkF64(walk: usize, eps: f64): i32 {
  const net = <usize>w(walk, WALK_NET);
  const nodes = netWord(net, NET_NODES), W = netWord(net, NET_PATTERN_WORDS);
  const R = W + netWord(net, NET_ARG_SIZE);
  const row = <usize>w(walk, WALK_ROW), pool = <usize>w(walk, WALK_POOL);
  const buf = <usize>w(walk, WALK_BUF), pre = <usize>w(walk, WALK_PRE);
  while (w(walk, WALK_PHASE) != PHASE_POP || w(walk, WALK_STACK_TOP) > 0) {
    const phase = w(walk, WALK_PHASE);
    if (phase == PHASE_POP) {
      const top = w(walk, WALK_STACK_TOP);
      const footer = <usize>w(walk, WALK_STACK) + <usize>(top - 8);
      const from = load<i32>(footer), nv = load<i32>(footer, 4);
      const at = <usize>w(walk, WALK_STACK) + <usize>(top - entryBytes(nv, R));
      const to = nextKink(net, from);
      // Room first (the pop changes buf and pre, so it must not be repeated).
      if (to >= nodes) {
        if (w(walk, WALK_OUT_COUNT) + 1 > w(walk, WALK_CAP_OUT) || w(walk, WALK_OUT_NVERTS) + nv > w(walk, WALK_CAP_OUT_VERTS)) return WALK_GROW_OUT;
      } else if (poolWord(pool, POOL_CAP_SLOTS) < 1 || poolWord(pool, POOL_CAP_VERTS) < nv) return WALK_GROW_POOL;
      memory.copy(row, at + <usize>(16 * nv), <usize>(4 * R));
      setW(walk, WALK_STACK_TOP, top - entryBytes(nv, R));
      netAffineFrozen<f64>(net, 3, buf, pre, row, row + (<usize>W << 2), 2, from, to);
      if (to >= nodes) {
        emitRegion(walk, net, R, at, nv);
        continue;
      }
      // The popped entry's bytes stay intact until the next push, which comes after the store has its copy.
      resetPool(pool, at, nv, row, rowBase(net, to), rowWordsOf(net, to));
      setW(walk, WALK_NODE, to);
      setW(walk, WALK_PHASE, PHASE_SPLIT);
    } else if (phase == PHASE_SPLIT) {
      const k = w(walk, WALK_NODE);
      const live = nodeField(net, k, F_OP) == OP_MAXPOOL
        ? splitRegionsByWindowsF64(net, k, buf, eps, pool, <usize>w(walk, WALK_SCRATCH), w(walk, WALK_CAP_SCRATCH), <usize>w(walk, WALK_CELLS))
        : splitRegionsByUnitsF64(net, k, pre, eps, rowWordsOf(net, k), pool);
      if (live == -1) return WALK_GROW_POOL;
      if (live == -2) return WALK_GROW_SCRATCH;
      setW(walk, WALK_PHASE, PHASE_PUSH);
    } else {
      const k = w(walk, WALK_NODE);
      const base = rowBase(net, k), words = rowWordsOf(net, k);
      const live = poolWord(pool, POOL_LIVE), list = <usize>poolWord(pool, POOL_LIST);
      let need = 0;
      for (let c = 0; c < live; c++) need += entryBytes(slotWord(pool, POOL_VCOUNT, load<i32>(list + (<usize>c << 2))), R);
      if (w(walk, WALK_STACK_TOP) + need > w(walk, WALK_STACK_CAP)) return WALK_GROW_STACK;
      // Last piece first, so that the first piece is popped (and finished) first.
      const verts = <usize>poolWord(pool, POOL_VERTS), rows = <usize>poolWord(pool, POOL_ROWS);
      for (let c = live - 1; c >= 0; c--) {
        const q = load<i32>(list + (<usize>c << 2));
        const v = verts + (<usize>(2 * slotWord(pool, POOL_VSTART, q)) << 3);
        pushEntry(walk, R, v, slotWord(pool, POOL_VCOUNT, q), row, rows + (<usize>(q * words) << 2), base, words, k);
      }
      setW(walk, WALK_PHASE, PHASE_POP);
    }
  }
  return w(walk, WALK_OUT_COUNT);
}
