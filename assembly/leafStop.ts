// Why a leaf walk stopped (leafExactF64, leafSmoothF64): the codes of STOP_REASONS in src/analyses/leaf.ts.
export const STOP_LENGTH = 0;
export const STOP_TARGET = 1;
export const STOP_BOX = 2;
export const STOP_ORTHOGONAL = 3;
export const STOP_TRAPPED = 4;
export const STOP_VERTICES = 5;
export const STOP_NONFINITE = 6;

// The walk descriptor: LW_SLOTS f64 written by the host (src/analyses/leafWalk.ts mirrors these slots), one
// pointer for leafExactF64 and leafSmoothF64. Pointers (byte offsets) and counts are stored as f64 (exact).
export const LW_NET = 0; // the compiled network's float64 descriptor (assembly/graph/opcodes.ts NET_*)
export const LW_TARGET = 1; // compiled node whose Jacobian defines the distribution (the output node: the DIM)
export const LW_KERNEL = 2; // 1: ker (I − QᵀQ), 0: Im (QᵀQ)
export const LW_CENTRE = 3; // 1: centre the Jacobian's rows (the DIM)
export const LW_RANK_TOL = 4;
export const LW_X0 = 5; // d f64
export const LW_DIR = 6; // d f64: the walking direction
export const LW_TGT = 7; // d f64 or 0: walk towards this point
export const LW_MAX_LENGTH = 8;
export const LW_LO = 9; // d f64 or 0: the box
export const LW_HI = 10;
export const LW_MAX_FLIPS = 11; // consecutive zero-length crossings before "trapped"
export const LW_MAX_VERTICES = 12;
export const LW_POINTS = 13; // out: maxVertices×d f64
export const LW_PARAMS = 14; // out: maxVertices f64 (arc length)
export const LW_OUTS = 15; // out: maxVertices×outputSize f64
export const LW_RANKS = 16; // out: maxVertices i32
export const LW_HASHES = 17; // out: maxVertices u64
export const LW_CROSS = 18; // out: maxVertices i32 (code of the unit crossed to reach the vertex, −1)
export const LW_STATUS = 19; // out: 3 f64: stop reason, length, folds
export const LW_WORK = 20; // scratch: leafWorkBytes(net, m) bytes
export const LW_STEP = 21; // RK4: first step
export const LW_TOL = 22; // RK4: accepted local error
export const LW_SLOTS = 23;
