// The transpose (VJP) of a conv2d node for a BATCH of cotangents of one point, skipping what its frozen
// pattern zeroes on both sides: output units whose cotangent is 0 in every row (inactive ReLUs after the
// activation derivative was applied, max-pool cells that were not chosen) are never read, and input units
// whose own ReLU is inactive (their cotangent is multiplied by 0 next) are never computed. float32.
//
// Layout (as conv.ts): NHWC, row-major, byte-offset pointers; gOut is rows × OH·OW·OC, gIn rows × H·W·C
// (row r of each at r·size), the kernel kh×kw×C×OC ([kh, kw, inC, outC]); groups = 1 (the caller routes grouped
// and depthwise convolutions to conv2dTranspose). Output pixel (oy, ox), kernel cell (i, j) reads input pixel
// (oy·sh − padT + i·dh, ox·sw − padL + j·dw).
//
// Method: implicit GEMM over the window with the cotangents as the narrow SIMD dimension. For a block of up
// to 12 rows, every output pixel's active filters are packed once (their cotangents as 1 – 3 f32x4 vectors
// over the rows, zero-padded); then each input pixel gathers, over its valid kernel cells and the active
// filters of the output pixel each cell comes from,
//   gIn[r][p][ci] += Σ_cell Σ_o gOut[r][q(p, cell)][o] · K[cell][ci][o]
// for its active input channels only, three channels at a time: a register tile of (row vectors ≤ 3) ×
// (channels ≤ 3) accumulators (≤ 9 + 3 cotangent vectors + 1 broadcast weight: within V8's 15 xmm
// registers), each step one packed cotangent load per row vector and one broadcast weight per channel. The
// weights are read in place: K[cell][ci][o] for a tile's three channels are three runs over the active o,
// so one tile touches 9 cells × 3 channels × OC weights (≤ 7 KB for OC = 64): L1-resident. Each input pixel's
// (cell, active filter) steps are listed once as pointer pairs and shared by its channel tiles; the valid
// (cell, output) pairs of every input row and column are computed once per call (no division per pixel).
// Measured (the authors' conv2, 26×26×32 → 24×24×64, 10 rows, half the units active on each side, one
// thread, loaded machine): ≈ 2.4 – 3.8 ms against 5.8 – 8.4 ms for conv2dTranspose's dense GEMM + col2im.
// The loop is bound by its 18 f32x4 multiplies and adds per step (no FMA in Wasm SIMD).
// Work per point: rows · Σ_p |active ci at p| · Σ_cells |active o at q| multiply-adds (a quarter of the dense
// transpose's when half the units on each side are active), in lanes of 4 rows.
// Accumulation order per output value: cells in (i, j) order, filters ascending — independent of `rows`.

/** Row block: at most 12 cotangent rows (3 f32x4 vectors) per packing pass. */
const BLOCK: i32 = 12;

// @ts-ignore: decorator
@inline function align16(n: usize): usize {
  return (n + 15) & ~15;
}

/** Bytes of scratch conv2dTransposeSparseF32 needs (16-byte aligned pieces). */
export function conv2dTransposeSparseScratchBytes(h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, oh: i32, ow: i32): usize {
  const pixels = <usize>(oh * ow);
  const units = pixels * <usize>oc;
  return align16((pixels + 1) << 2) // start of each output pixel's packed filters
    + align16(units << 2) // byte offset 4·o of each packed filter o
    + align16((units + 4) * <usize>(BLOCK << 2)) // packed cotangents, ≤ 3 vectors per filter (+ 4 being packed)
    + align16(<usize>(2 * c) << 2) // active input channels of one input pixel: weight offsets ci·OC·4, then ci·4
    + align16(<usize>((h + w) * (1 + 2 * max(kh, kw))) << 2) // per input row / column: its valid (cell, output) pairs
    + align16(<usize>(2 * kh * kw * oc) << 2) // one input pixel's steps: (packed cotangents, weights) pointers
    + 3 * 3 * 16; // one tile's accumulators, spilled for the lane-wise store
}

/**
 * One tile: channels at byte offsets cis[0..nc) (nc ≤ 3; offsets ci·OC·4 into a cell's weights) of one input
 * pixel for the block's rows (nr ≤ 3 vectors): Σ over the pixel's `steps` (cell, active filter) pairs, each
 * given as (byte pointer of the filter's packed cotangent vectors, byte pointer of the weights K[cell][0][o]).
 * `nr` and `nc` are compile-time constants at every call site (the unused accumulators vanish after inlining).
 * Writes the accumulators to `spill` (3 channels × 3 vectors, channel-major).
 */
// @ts-ignore: decorator
@inline function tile(nr: i32, nc: i32, steps: usize, end: usize, cis: usize, spill: usize): void {
  const z = f32x4.splat(0);
  let a00 = z, a01 = z, a02 = z, a10 = z, a11 = z, a12 = z, a20 = z, a21 = z, a22 = z; // a[channel][vector]
  const c0 = <usize>load<i32>(cis);
  const c1 = nc > 1 ? <usize>load<i32>(cis, 4) : 0;
  const c2 = nc > 2 ? <usize>load<i32>(cis, 8) : 0;
  let st = steps;
  while (st < end) {
    const pa = <usize>load<i32>(st);
    const row = <usize>load<i32>(st, 4);
    const g0 = v128.load(pa);
    const g1 = nr > 1 ? v128.load(pa, 16) : z;
    const g2 = nr > 2 ? v128.load(pa, 32) : z;
    let b = v128.load32_splat(row + c0);
    a00 = f32x4.add(a00, f32x4.mul(g0, b));
    if (nr > 1) a01 = f32x4.add(a01, f32x4.mul(g1, b));
    if (nr > 2) a02 = f32x4.add(a02, f32x4.mul(g2, b));
    if (nc > 1) {
      b = v128.load32_splat(row + c1);
      a10 = f32x4.add(a10, f32x4.mul(g0, b));
      if (nr > 1) a11 = f32x4.add(a11, f32x4.mul(g1, b));
      if (nr > 2) a12 = f32x4.add(a12, f32x4.mul(g2, b));
    }
    if (nc > 2) {
      b = v128.load32_splat(row + c2);
      a20 = f32x4.add(a20, f32x4.mul(g0, b));
      if (nr > 1) a21 = f32x4.add(a21, f32x4.mul(g1, b));
      if (nr > 2) a22 = f32x4.add(a22, f32x4.mul(g2, b));
    }
    st += 8;
  }
  v128.store(spill, a00);
  v128.store(spill, a01, 16);
  v128.store(spill, a02, 32);
  v128.store(spill, a10, 48);
  v128.store(spill, a11, 64);
  v128.store(spill, a12, 80);
  v128.store(spill, a20, 96);
  v128.store(spill, a21, 112);
  v128.store(spill, a22, 128);
}

/** The tile for nr row vectors and nc channels, both run-time values in 1..3, dispatched to constants. */
function tileAny(nr: i32, nc: i32, steps: usize, end: usize, cis: usize, spill: usize): void {
  if (nr == 3) {
    if (nc == 3) tile(3, 3, steps, end, cis, spill);
    else if (nc == 2) tile(3, 2, steps, end, cis, spill);
    else tile(3, 1, steps, end, cis, spill);
  } else if (nr == 2) {
    if (nc == 3) tile(2, 3, steps, end, cis, spill);
    else if (nc == 2) tile(2, 2, steps, end, cis, spill);
    else tile(2, 1, steps, end, cis, spill);
  } else {
    if (nc == 3) tile(1, 3, steps, end, cis, spill);
    else if (nc == 2) tile(1, 2, steps, end, cis, spill);
    else tile(1, 1, steps, end, cis, spill);
  }
}

/**
 * gIn (rows × H·W·C f32) += gOut (rows × OH·OW·OC f32) · ∂conv/∂x for one point's cotangent rows, groups = 1.
 * Output units whose gOut is 0 in every row are skipped. `inPre` (H·W·C f32, the pre-activations of the
 * node that produced this conv's input, when that node is a ReLU; 0: none) marks input units with
 * inPre ≤ 0 as inactive: their gIn is left as it was (the caller multiplies it by the ReLU's derivative 0).
 * gIn must not overlap gOut, kernel or scratch. scratch: conv2dTransposeSparseScratchBytes bytes, 16-aligned.
 */
export function conv2dTransposeSparseF32(
  rows: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, gOut: usize, kernel: usize, gIn: usize, inPre: usize, scratch: usize,
): void {
  const pixels = oh * ow;
  const units = <usize>pixels * <usize>oc;
  const inSize = h * w * c, outSize = pixels * oc;
  const start = scratch;
  const offs = start + align16(<usize>(pixels + 1) << 2);
  const pk = offs + align16(units << 2);
  const cis = pk + align16(units * <usize>(BLOCK << 2));
  const cio = cis + (<usize>c << 2);
  const axes = cis + align16(<usize>(2 * c) << 2); // rows then columns: [count, (cell, output) × count]
  const axisWords = 1 + 2 * max(kh, kw);
  const steps = axes + align16(<usize>((h + w) * axisWords) << 2);
  const spill = steps + align16(<usize>(2 * kh * kw * oc) << 2);
  // input row iy meets kernel row i at output row oy = (iy + padT − i·dh) / sh when that is whole and in range;
  // likewise for columns (no division in the per-pixel loops)
  for (let e = 0; e < h + w; e++) {
    const col = e >= h;
    const at = col ? e - h : e, pad = col ? padL : padT, k = col ? kw : kh, d = col ? dw : dh, st = col ? sw : sh, lim = col ? ow : oh;
    const list = axes + (<usize>(e * axisWords) << 2);
    let n = 0;
    for (let i = 0; i < k; i++) {
      const t = at + pad - i * d;
      if (t < 0 || t % st != 0 || t / st >= lim) continue;
      store<i32>(list + (<usize>(1 + 2 * n) << 2), i);
      store<i32>(list + (<usize>(2 + 2 * n) << 2), t / st);
      n++;
    }
    store<i32>(list, n);
  }
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const rb = min(BLOCK, rows - r0);
    const nr = (rb + 3) >> 2;
    const stride = <usize>(nr << 4);
    // pack the active filters of every output pixel: their rb cotangents, zero-padded to nr vectors
    let n = 0;
    const g = gOut + (<usize>(r0 * outSize) << 2);
    for (let q = 0; q < pixels; q++) {
      store<i32>(start + (<usize>q << 2), n);
      const u0 = g + (<usize>(q * oc) << 2);
      let o = 0;
      // four filters at a time: a 4×4 transpose per row vector turns the rows' runs of filters into the
      // filters' vectors of rows, written straight to the next free slots; the slot is kept if nonzero
      for (; o + 4 <= oc; o += 4) {
        const d0 = pk + <usize>n * stride;
        for (let v = 0; v < nr; v++) {
          const z = f32x4.splat(0);
          const src = u0 + (<usize>(o + 4 * v * outSize) << 2);
          const rowBytes = <usize>outSize << 2;
          const x0 = 4 * v < rb ? v128.load(src) : z;
          const x1 = 4 * v + 1 < rb ? v128.load(src + rowBytes) : z;
          const x2 = 4 * v + 2 < rb ? v128.load(src + 2 * rowBytes) : z;
          const x3 = 4 * v + 3 < rb ? v128.load(src + 3 * rowBytes) : z;
          const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5), t1 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
          const t2 = i32x4.shuffle(x2, x3, 0, 4, 1, 5), t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
          const at = d0 + (<usize>v << 4);
          v128.store(at, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
          v128.store(at + stride, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
          v128.store(at + 2 * stride, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
          v128.store(at + 3 * stride, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
        }
        for (let f = 0; f < 4; f++) {
          const src = d0 + <usize>f * stride;
          let bits = v128.load(src);
          if (nr > 1) bits = v128.or(bits, v128.load(src, 16));
          if (nr > 2) bits = v128.or(bits, v128.load(src, 32));
          if (!v128.any_true(f32x4.ne(bits, f32x4.splat(0)))) continue;
          const dst = pk + <usize>n * stride;
          if (dst != src) {
            v128.store(dst, v128.load(src));
            if (nr > 1) v128.store(dst, v128.load(src, 16), 16);
            if (nr > 2) v128.store(dst, v128.load(src, 32), 32);
          }
          store<i32>(offs + (<usize>n << 2), (o + f) << 2);
          n++;
        }
      }
      for (; o < oc; o++) {
        const u = u0 + (<usize>o << 2);
        let any = false;
        for (let r = 0; r < rb && !any; r++) any = load<f32>(u + (<usize>(r * outSize) << 2)) != 0;
        if (!any) continue;
        const dst = pk + <usize>n * stride;
        for (let r = 0; r < nr << 2; r++) store<f32>(dst + (<usize>r << 2), r < rb ? load<f32>(u + (<usize>(r * outSize) << 2)) : 0);
        store<i32>(offs + (<usize>n << 2), o << 2);
        n++;
      }
    }
    store<i32>(start + (<usize>pixels << 2), n);
    if (n == 0) continue;
    // gather into every input pixel's active channels
    for (let iy = 0; iy < h; iy++) {
      for (let ix = 0; ix < w; ix++) {
        const p = iy * w + ix;
        let na = 0;
        for (let ci = 0; ci < c; ci++) {
          if (inPre && load<f32>(inPre + (<usize>(p * c + ci) << 2)) <= 0) continue;
          store<i32>(cis + (<usize>na << 2), ci * oc * 4);
          store<i32>(cio + (<usize>na << 2), ci << 2);
          na++;
        }
        if (na == 0) continue;
        // the pixel's steps: every valid cell (i, j), in order, and the active filters of its output pixel
        let end = steps;
        const ys = axes + (<usize>(iy * axisWords) << 2), xs = axes + (<usize>((h + ix) * axisWords) << 2);
        const ny = load<i32>(ys), nx = load<i32>(xs);
        for (let a = 0; a < ny; a++) {
          const i = load<i32>(ys + (<usize>(1 + 2 * a) << 2)), oy = load<i32>(ys + (<usize>(2 + 2 * a) << 2));
          for (let b = 0; b < nx; b++) {
            const j = load<i32>(xs + (<usize>(1 + 2 * b) << 2)), ox = load<i32>(xs + (<usize>(2 + 2 * b) << 2));
            const q = oy * ow + ox;
            const cell = kernel + (<usize>((i * kw + j) * c * oc) << 2);
            const k1 = load<i32>(start + (<usize>q << 2), 4);
            for (let k = load<i32>(start + (<usize>q << 2)); k < k1; k++) {
              store<i32>(end, <i32>(pk + <usize>k * stride));
              store<i32>(end, <i32>(cell + <usize>load<i32>(offs + (<usize>k << 2))), 4);
              end += 8;
            }
          }
        }
        if (end == steps) continue;
        for (let t = 0; t < na; t += 3) {
          const nc = min(3, na - t);
          tileAny(nr, nc, steps, end, cis + (<usize>t << 2), spill);
          for (let s = 0; s < nc; s++) {
            const dst = gIn + (<usize>(r0 * inSize + p * c) << 2) + <usize>load<i32>(cio + (<usize>(t + s) << 2));
            const acc = spill + <usize>(s * 48);
            for (let r = 0; r < rb; r++) {
              const at = dst + (<usize>(r * inSize) << 2);
              store<f32>(at, load<f32>(at) + load<f32>(acc + (<usize>r << 2)));
            }
          }
        }
      }
    }
  }
}
