// Dense matrix product C = A·B (or C += A·B), row-major, in f32 and f64, with a register-tiled SIMD
// micro-kernel written once, generically over the element type T (f32: f32x4, f64: f64x2).
//
// Tiling: C is cut into tiles of up to MR rows × NV vectors (NV·LANES columns). A tile keeps its MR·NV
// accumulators in registers for the whole k loop; each k step loads NV vectors of one B row and
// broadcasts one A element per tile row (v128.load_splat), then does MR·NV multiply-adds. With MR = 4 and
// NV = 2, V8 (which issues all four broadcasts up front) needs 8 accumulators + 2 B vectors + 4 broadcasts
// + 1 product = 15 xmm registers, exactly what it allocates on x64 (xmm15 is its scratch); 5 or 6 rows, or
// a k loop unrolled by 2, spill and run at half speed (measured). The remainder rows are spread over the
// tiles (panel), column edges use one vector (LANES columns) and then a scalar routine for the last
// < LANES columns. No packing: B is read in place with stride ldb (the engine's panels stay in L1/L2);
// packing A into an interleaved panel, a 2×16 tile and relaxed-SIMD FMA were measured and gave no gain here.
// Two access modes share the tiles, chosen at compile time by the type parameter M (Plain or Gathered):
// Gathered reads A transposed (k×m) and B's rows through a list of byte offsets (gemmRowsF32).
// Memory safety: every address is inside the operands the caller declares (m, n, k, strides, row offsets).

/** Access-mode markers (compile-time): B rows in place and A row-major, or gathered B rows and Aᵀ. */
type Plain = u8;
type Gathered = u16;

// @ts-ignore: decorator
@inline function isGathered<M>(): bool {
  return sizeof<M>() == 2;
}

/** Rows per register tile. */
const MR: i32 = 4;

/** a·b + c, fused (relaxed SIMD, compile-time choice) or as multiply then add. */
// @ts-ignore: decorator
@inline function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  return v128.add<T>(v128.mul<T>(a, b), c);
}

/** Store one accumulator vector to C at `p`, adding the old value when `accumulate`. */
// @ts-ignore: decorator
@inline function storeVec<T>(p: usize, acc: v128, accumulate: bool): void {
  v128.store(p, accumulate ? v128.add<T>(v128.load(p), acc) : acc);
}

/**
 * One register tile: C[0..rows) × [0..nv·LANES) (+)= A[0..rows) × [0..k) · B[0..k) × [0..nv·LANES).
 * `rows` (1..4) and `nv` (1..2) are compile-time constants at every call site, so after inlining the
 * unused accumulators and branches vanish. Pointers are byte offsets of the tile's first element;
 * strides in bytes. Bounds: the caller guarantees rows ≤ m − i and nv·LANES ≤ n − j for the tile's (i, j).
 */
// @ts-ignore: decorator
@inline function tile<T, M>(rows: i32, nv: i32, k: i32, a: usize, sa: usize, b: usize, sb: usize, c: usize, sc: usize, accumulate: bool, gather: usize): void {
  const aT = isGathered<M>();
  const z = v128.splat<T>(<T>0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  // A is read along its rows (a0..a3 step one element), or, with aT, stored transposed (k×m, stride sa
  // between consecutive p): then the tile's rows are adjacent and one pointer with constant offsets serves all.
  let a0 = a;
  let a1 = a + sa;
  let a2 = a + 2 * sa;
  let a3 = a + 3 * sa;
  let pb = b;
  let pg = gather; // gathered rows: the byte offset of B's p-th row (relative to b) is load<i32>(pg)
  const aEnd = aT ? a + <usize>k * sa : a + <usize>k * sizeof<T>(); // a0 runs over k steps up to aEnd
  while (a0 < aEnd) {
    if (isGathered<M>()) pb = b + <usize>load<i32>(pg);
    const b0 = v128.load(pb);
    const b1 = nv > 1 ? v128.load(pb, 16) : z;
    let s = v128.load_splat<T>(a0);
    c00 = madd<T>(s, b0, c00);
    if (nv > 1) c01 = madd<T>(s, b1, c01);
    if (rows > 1) {
      s = aT ? v128.load_splat<T>(a0, sizeof<T>()) : v128.load_splat<T>(a1);
      c10 = madd<T>(s, b0, c10);
      if (nv > 1) c11 = madd<T>(s, b1, c11);
    }
    if (rows > 2) {
      s = aT ? v128.load_splat<T>(a0, 2 * sizeof<T>()) : v128.load_splat<T>(a2);
      c20 = madd<T>(s, b0, c20);
      if (nv > 1) c21 = madd<T>(s, b1, c21);
    }
    if (rows > 3) {
      s = aT ? v128.load_splat<T>(a0, 3 * sizeof<T>()) : v128.load_splat<T>(a3);
      c30 = madd<T>(s, b0, c30);
      if (nv > 1) c31 = madd<T>(s, b1, c31);
    }
    if (aT) {
      a0 += sa;
    } else {
      a0 += sizeof<T>();
      a1 += sizeof<T>();
      a2 += sizeof<T>();
      a3 += sizeof<T>();
    }
    pb += sb;
    pg += 4;
  }
  storeVec<T>(c, c00, accumulate);
  if (nv > 1) storeVec<T>(c + 16, c01, accumulate);
  if (rows > 1) {
    storeVec<T>(c + sc, c10, accumulate);
    if (nv > 1) storeVec<T>(c + sc + 16, c11, accumulate);
  }
  if (rows > 2) {
    storeVec<T>(c + 2 * sc, c20, accumulate);
    if (nv > 1) storeVec<T>(c + 2 * sc + 16, c21, accumulate);
  }
  if (rows > 3) {
    storeVec<T>(c + 3 * sc, c30, accumulate);
    if (nv > 1) storeVec<T>(c + 3 * sc + 16, c31, accumulate);
  }
}

/**
 * A column panel of width nv·LANES over all m rows, cut into ⌈m/MR⌉ tiles of as equal height as possible
 * (m = 10 → 4 + 3 + 3, not 4 + 4 + 2): a short tile has too few accumulators to hide the add latency, so
 * spreading the remainder keeps every tile near full speed.
 */
// @ts-ignore: decorator
@inline function panel<T, M>(nv: i32, m: i32, k: i32, a: usize, sa: usize, b: usize, sb: usize, c: usize, sc: usize, accumulate: bool, gather: usize): void {
  const rowStep = isGathered<M>() ? <usize>sizeof<T>() : sa; // bytes between A's consecutive rows
  const tiles = (m + MR - 1) / MR;
  const base = m / tiles; // ≤ MR
  const taller = m % tiles; // the first `taller` tiles get base + 1 ≤ MR rows
  let i = 0;
  for (let t = 0; t < tiles; t++) {
    const rows = base + (t < taller ? 1 : 0);
    const ai = a + <usize>i * rowStep;
    const ci = c + <usize>i * sc;
    if (rows == 4) tile<T, M>(4, nv, k, ai, sa, b, sb, ci, sc, accumulate, gather);
    else if (rows == 3) tile<T, M>(3, nv, k, ai, sa, b, sb, ci, sc, accumulate, gather);
    else if (rows == 2) tile<T, M>(2, nv, k, ai, sa, b, sb, ci, sc, accumulate, gather);
    else tile<T, M>(1, nv, k, ai, sa, b, sb, ci, sc, accumulate, gather);
    i += rows;
  }
}

/**
 * The panel routine instantiated for 2 and for 1 vector per tile row. Kept as real functions (too large to be
 * inlined): called once per column panel, V8 moves them to its optimizing tier early in the first call.
 */
function panelWide<T, M>(m: i32, k: i32, a: usize, sa: usize, b: usize, sb: usize, c: usize, sc: usize, accumulate: bool, gather: usize): void {
  panel<T, M>(2, m, k, a, sa, b, sb, c, sc, accumulate, gather);
}
function panelNarrow<T, M>(m: i32, k: i32, a: usize, sa: usize, b: usize, sb: usize, c: usize, sc: usize, accumulate: bool, gather: usize): void {
  panel<T, M>(1, m, k, a, sa, b, sb, c, sc, accumulate, gather);
}

/** Scalar edge: the last `cols` (< LANES) columns of C for all m rows, dot products accumulated in T. */
function scalarColumns<T, M>(m: i32, cols: i32, k: i32, a: usize, sa: usize, b: usize, sb: usize, c: usize, sc: usize, accumulate: bool, gather: usize): void {
  const aT = isGathered<M>();
  for (let i = 0; i < m; i++) {
    const ai = a + <usize>i * (aT ? <usize>sizeof<T>() : sa);
    const ci = c + <usize>i * sc;
    for (let j = 0; j < cols; j++) {
      let s = <T>0;
      let pb = b + <usize>j * sizeof<T>();
      for (let p = 0; p < k; p++) {
        const bp = aT ? b + <usize>load<i32>(gather + (<usize>p << 2)) + <usize>j * sizeof<T>() : pb;
        s += load<T>(ai + <usize>p * (aT ? sa : <usize>sizeof<T>())) * load<T>(bp);
        pb += sb;
      }
      const pc = ci + <usize>j * sizeof<T>();
      store<T>(pc, accumulate ? load<T>(pc) + s : s);
    }
  }
}

/** The whole product, generic in T and in the access mode M; see gemmF32 and gemmRowsF32 for the contracts. */
// @ts-ignore: decorator
@inline function gemm<T, M>(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, acc: i32, gather: usize): void {
  if (m <= 0 || n <= 0) return;
  const lanes = 16 / sizeof<T>();
  const sa = <usize>lda * sizeof<T>();
  const sb = <usize>ldb * sizeof<T>();
  const sc = <usize>ldc * sizeof<T>();
  const accumulate = acc != 0;
  // k ≤ 0: C = 0·(anything), i.e. cleared, or left alone when accumulating (the tiles do exactly that).
  const kk = k > 0 ? k : 0;
  let j = 0;
  for (; j + 2 * lanes <= n; j += 2 * lanes) {
    const bj = b + <usize>j * sizeof<T>();
    panelWide<T, M>(m, kk, a, sa, bj, sb, c + <usize>j * sizeof<T>(), sc, accumulate, gather);
  }
  if (j + lanes <= n) {
    panelNarrow<T, M>(m, kk, a, sa, b + <usize>j * sizeof<T>(), sb, c + <usize>j * sizeof<T>(), sc, accumulate, gather);
    j += lanes;
  }
  if (j < n) {
    scalarColumns<T, M>(m, n - j, kk, a, sa, b + <usize>j * sizeof<T>(), sb, c + <usize>j * sizeof<T>(), sc, accumulate, gather);
  }
}

/**
 * C (m×n) = A (m×k) · B (k×n), or C += A·B when `accumulate` != 0, in T (f32 or f64). Row-major; `a`, `b`,
 * `c` are byte offsets (any sizeof<T> alignment), `lda`, `ldb`, `ldc` row strides in elements (≥ k, n, n).
 * C must not overlap A or B. No scratch. Only the m×n window of C is written.
 */
export function gemmT<T>(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32): void {
  gemm<T, Plain>(m, n, k, a, lda, b, ldb, c, ldc, accumulate, 0);
}

/**
 * C (m×n) (+)= A · B[rows] in T: A is given TRANSPOSED, as Aᵀ (k×m, row-major, row stride ldat ≥ m: element
 * (i, p) of A at aT[p·ldat + i]), and B[rows] is the k×n matrix whose p-th row starts at byte offset
 * b + rowOffsets[p] (rowOffsets: k i32). C (stride ldc) is overwritten, or added to when `accumulate` != 0;
 * the same tiles as gemmT (each element of C accumulates over p in the same order whatever m is). Used to
 * skip inactive units: only the rows of active units are visited; Aᵀ keeps a tile's rows adjacent.
 */
export function gemmRowsT<T>(m: i32, n: i32, k: i32, at: usize, ldat: i32, b: usize, rowOffsets: usize, c: usize, ldc: i32, accumulate: i32): void {
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * <usize>ldc * sizeof<T>(), 0, <usize>n * sizeof<T>());
    return;
  }
  gemm<T, Gathered>(m, n, k, at, ldat, b, 0, c, ldc, accumulate, rowOffsets);
}

/** gemmT in float32 (f32x4 tiles of 4 rows × 8 columns). */
export function gemmF32(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32): void {
  gemmT<f32>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

/** gemmT in float64 (f64x2 tiles of 4 rows × 4 columns). */
export function gemmF64(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32): void {
  gemmT<f64>(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
}

/** gemmRowsT in float32, C overwritten. */
export function gemmRowsF32(m: i32, n: i32, k: i32, at: usize, ldat: i32, b: usize, rowOffsets: usize, c: usize, ldc: i32): void {
  gemmRowsT<f32>(m, n, k, at, ldat, b, rowOffsets, c, ldc, 0);
}
