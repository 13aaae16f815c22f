// The memory of one SiMEC / SiMExp walk (assembly/simec.ts), as the host writes and reads it
// (src/analyses/simec.ts mirrors every number here):
// - the walk descriptor: SW_SLOTS f64, slots SW_* (pointers and integers stored exactly as f64);
// - the state block: x (d f64), the previous direction (d f64), then SIMEC_STATE_EXTRA f64 scalars S_*;
// - the stop codes written to the state's S_STOP slot;
// - the scratch regions R_*, in order from the descriptor's work pointer, each 16-byte aligned; matrices
//   row-major f64 unless stated.
import { F_VALUE_OFFSET, NET_ARG_SIZE, NET_INPUT_SIZE, NET_OUTPUT_NODE, NET_OUTPUT_SIZE, NET_PRE_SIZE, NET_TABLE, NET_VALUE_SIZE, NODE_STRIDE } from "./graph/opcodes";
import { netVjpWorkBytes } from "./graph/network";

// Scalars of the f64 state block (after x and the previous direction, 2d values).
export const S_ENERGY: i32 = 0;
export const S_LENGTH: i32 = 1;
export const S_PSEUDO: i32 = 2;
/** The seeded generator's u32 (assembly/random.ts). */
export const S_RNG: i32 = 3;
export const S_HASPREV: i32 = 4;
export const S_STOP: i32 = 5;
export const S_SIGN: i32 = 6;
/** f64 values of the state block after its 2d vector part. */
export const SIMEC_STATE_EXTRA: i32 = 8;

// Stop reasons (shared with src/analyses/simec.ts STOP_REASONS).
export const STOP_STEPS: i32 = 0;
export const STOP_TARGET: i32 = 1;
export const STOP_BOUNDARY: i32 = 2;
export const STOP_NO_DIRECTION: i32 = 3;
export const STOP_NON_FINITE: i32 = 4;
export const STOP_EIGEN: i32 = 5;

// Slots of the walk descriptor (f64 each; mirrored by SW in src/analyses/simec.ts).
/** Pointer to the f64 network descriptor (src/engine/network.ts uploadNetwork). */
export const SW_NET: i32 = 0;
/** != 0: the output node gives logits; the metric is the Fisher metric; recorded outputs are probabilities. */
export const SW_SOFTMAX: i32 = 1;
/** 0 SiMEC, 1 SiMExp. */
export const SW_MODE: i32 = 2;
/** 0: d×d metric; 1: through the m×m matrix B Bᵀ (low-rank, d > m). */
export const SW_ROUTE: i32 = 3;
/** 0: the smallest (SiMEC) or largest (SiMExp) eigenvector; 1: a seeded random one among the null / non-null. */
export const SW_SELECT: i32 = 4;
/** ≥ 0 (SiMExp): the output whose change orients each step; < 0: continuity with the previous step. */
export const SW_ORIENT: i32 = 5;
export const SW_STEPS: i32 = 6;
export const SW_DELTA: i32 = 7;
export const SW_NULL_TOL: i32 = 8;
/** Box bounds (d f64 each) or 0: none. */
export const SW_LO: i32 = 9;
export const SW_HI: i32 = 10;
/** 0 clamp, 1 stop, 2 slide. */
export const SW_BOX_MODE: i32 = 11;
/** > 0: stop once ‖y − y0‖₂ ≥ target. */
export const SW_TARGET: i32 = 12;
/** y0 (m f64): the reference output of the target test; may be SW_START itself (filled before it is read). */
export const SW_Y0: i32 = 13;
/** The state block (x, previous direction, SIMEC_STATE_EXTRA scalars; read and updated). */
export const SW_STATE: i32 = 14;
/** steps×d f64: the points after each step. */
export const SW_POINTS: i32 = 15;
/** steps×m f64: their outputs. */
export const SW_OUTPUTS: i32 = 16;
/** m f64: the output at the chunk's starting x. */
export const SW_START: i32 = 17;
/** simecWorkBytes(net, route) bytes of scratch. */
export const SW_WORK: i32 = 18;
export const SW_SLOTS: i32 = 19;

/** Number of f64 slots of the walk descriptor (for the host's agreement test). */
export function simecSlots(): i32 {
  return SW_SLOTS;
}

/** Descriptor slot s as a number. */
@inline export function slot(desc: usize, s: i32): f64 {
  return load<f64>(desc + (<usize>s << 3));
}
/** Descriptor slot s as a pointer (0: absent). */
@inline export function slotPtr(desc: usize, s: i32): usize {
  return <usize>load<f64>(desc + (<usize>s << 3));
}
/** Word f of the network descriptor (assembly/graph/opcodes.ts NET_*). */
@inline export function netWord(net: usize, f: i32): i32 {
  return load<i32>(net + (<usize>f << 2));
}
@inline function align16(n: usize): usize {
  return (n + 15) & ~15;
}

/** Offset (elements) of the output node's block in a value block. */
export function outputOffset(net: usize): i32 {
  const k = netWord(net, NET_OUTPUT_NODE);
  return k < 0 ? 0 : load<i32>(<usize>netWord(net, NET_TABLE) + (<usize>(k * NODE_STRIDE + F_VALUE_OFFSET) << 2));
}

// The scratch regions of one walk, in order from `work` (each 16-byte aligned); sizes in regionBytes.
export const R_VALUES: i32 = 0; // valueSize f64: every node's output at x
export const R_PRE: i32 = 1; // preSize f64
export const R_ARGMAX: i32 = 2; // argSize i32
export const R_VJP: i32 = 3; // netVjpWorkBytes(net, m)
export const R_JAC: i32 = 4; // m×d: J
export const R_BMAT: i32 = 5; // m×d: B = Fᵀ J
export const R_FT: i32 = 6; // m×m: Fᵀ
export const R_P: i32 = 7; // m
export const R_Y: i32 = 8; // m
export const R_G: i32 = 9; // n×n metric (dense) or B Bᵀ (low-rank)
export const R_W: i32 = 10; // n eigenvalues
export const R_VECS: i32 = 11; // n×n eigenvectors (rows)
export const R_EWORK: i32 = 12; // 3n
export const R_U: i32 = 13; // m×d non-null directions (low-rank route)
export const R_V: i32 = 14; // d
export const R_XN: i32 = 15; // d
export const R_HELD: i32 = 16; // d: 1 = coordinate held on its face (boxMode 2)
const R_COUNT: i32 = 17;

/** Bytes of scratch region r (n = d on route 0, m on route 1). */
function regionBytes(net: usize, route: i32, r: i32): usize {
  const d = netWord(net, NET_INPUT_SIZE), m = netWord(net, NET_OUTPUT_SIZE);
  const n = route == 0 ? d : m;
  let f64s = 0;
  switch (r) {
    case R_VALUES: f64s = netWord(net, NET_VALUE_SIZE); break;
    case R_PRE: f64s = max(1, netWord(net, NET_PRE_SIZE)); break;
    case R_ARGMAX: return <usize>max(1, netWord(net, NET_ARG_SIZE)) << 2;
    case R_VJP: return netVjpWorkBytes<f64>(net, m);
    case R_JAC: case R_BMAT: case R_U: f64s = m * d; break;
    case R_FT: f64s = m * m; break;
    case R_P: case R_Y: f64s = m; break;
    case R_G: case R_VECS: f64s = n * n; break;
    case R_W: f64s = n; break;
    case R_EWORK: f64s = 3 * n; break;
    default: f64s = d; // R_V, R_XN, R_HELD
  }
  return <usize>f64s << 3;
}

/** Byte offset of scratch region r for a walk whose scratch starts at `work`. */
export function region(net: usize, route: i32, work: usize, r: i32): usize {
  let at = work;
  for (let j = 0; j < r; j++) at += align16(regionBytes(net, route, j));
  return at;
}

/** Bytes of scratch `simecStepsF64` needs for the network descriptor `net` and route (0 dense, 1 low-rank). */
export function simecWorkBytes(net: usize, route: i32): usize {
  return region(net, route, 0, R_COUNT);
}
