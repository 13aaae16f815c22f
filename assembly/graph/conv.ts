// conv2d node kernels, generic over T ∈ {f32, f64} (one source, exported as …F32 and …F64): forward (+ bias),
// JVP (the forward with bias 0: the layer is affine, its tangent map is its linear part) and the transpose
// (VJP), accumulating into gIn.
//
// Layout (NHWC, row-major, byte-offset pointers): one image is H×W×C, its output OH×OW×OC; `count`/`rows`
// images follow one another. The kernel is kh×kw×(C/groups)×OC ([kh, kw, inC/groups, outC]); output channel
// o belongs to group ⌊o / (OC/groups)⌋ and reads input channels g·cg .. (g+1)·cg, cg = C/groups. Output pixel
// (oy, ox), kernel cell (i, j) reads input pixel (oy·sh − padT + i·dh, ox·sw − padL + j·dw); cells outside
// the input are zero (the trailing pads are implied by oh, ow).
//
// Speed: both passes are GEMMs on the register-tiled SIMD micro-kernel of assembly/gemm.ts.
// - Forward (implicit GEMM, no scratch): for one output row oy and one kernel row i, the output pixels whose
//   valid kernel columns are the same [j0, j1) form a run; for that run the product is C (run × OC) +=
//   A (run × k) · B (k × OC) with A's rows the input pixels (stride sw·C) and B the kernel's rows. With
//   groups = 1 and dw = 1 the cells j0..j1 are adjacent in memory in both A and B, so k = (j1 − j0)·C in one
//   call; otherwise one call per cell and group (k = C/groups).
// - Transpose (GEMM then col2im, scratch): per image and chunk of output pixels, the column matrix
//   col (pixels × kh·kw·cg) = gOut (pixels × OC/groups) · Kᵀ (OC/groups × kh·kw·cg) by the same GEMM, then
//   each column row is added into the input pixels it came from. Kᵀ is built once per call in scratch.
// - Depthwise (cg = 1 and OC = C): both passes are elementwise over channels (SIMD over C), no GEMM.
// - Sparse images (≤ 1/16 nonzero, e.g. the one-hot tangents of forward-mode input Jacobians): the forward
//   scatters each nonzero input through the kernel cells that reach an output pixel.
import { gemmF32, gemmF64, gemmRowsF32 } from "../gemm";

/** Output pixels per GEMM + col2im chunk of the transpose (its column buffer is CHUNK × kh·kw·cg). */
const CHUNK: i32 = 128;

// @ts-ignore: decorator
@inline function gemmT<T>(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, acc: i32): void {
  if (sizeof<T>() == 4) gemmF32(m, n, k, a, lda, b, ldb, c, ldc, acc);
  else gemmF64(m, n, k, a, lda, b, ldb, c, ldc, acc);
}

/** dst[0..n) += a[0..n) ⊙ b[0..n) (elementwise), SIMD over T lanes then a scalar tail. */
// @ts-ignore: decorator
@inline function addProduct<T>(n: i32, a: usize, b: usize, dst: usize): void {
  const lanes = 16 / sizeof<T>();
  let i = 0;
  for (; i + lanes <= n; i += lanes) {
    const o = <usize>i * sizeof<T>();
    v128.store(dst + o, v128.add<T>(v128.load(dst + o), v128.mul<T>(v128.load(a + o), v128.load(b + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i * sizeof<T>();
    store<T>(dst + o, load<T>(dst + o) + load<T>(a + o) * load<T>(b + o));
  }
}

/** dst[0..n) += src[0..n), SIMD over T lanes then a scalar tail. */
// @ts-ignore: decorator
@inline function addTo<T>(n: i32, src: usize, dst: usize): void {
  const lanes = 16 / sizeof<T>();
  let i = 0;
  for (; i + lanes <= n; i += lanes) {
    const o = <usize>i * sizeof<T>();
    v128.store(dst + o, v128.add<T>(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i * sizeof<T>();
    store<T>(dst + o, load<T>(dst + o) + load<T>(src + o));
  }
}

/** First kernel column j with 0 ≤ base + j·dw (base = ox·sw − padL), at most kw. */
// @ts-ignore: decorator
@inline function firstCell(base: i32, d: i32, k: i32): i32 {
  if (base >= 0) return 0;
  return min((-base + d - 1) / d, k);
}

/** One past the last kernel column j with base + j·dw ≤ size − 1 (0 when none). */
// @ts-ignore: decorator
@inline function endCell(base: i32, d: i32, k: i32, size: i32): i32 {
  if (base > size - 1) return 0;
  return min((size - 1 - base) / d + 1, k);
}

/** out[0..n) += s·v[0..n), SIMD over T lanes then a scalar tail. */
// @ts-ignore: decorator
@inline function axpy<T>(n: i32, s: T, v: usize, dst: usize): void {
  const lanes = 16 / sizeof<T>();
  const vs = v128.splat<T>(s);
  let i = 0;
  for (; i + lanes <= n; i += lanes) {
    const o = <usize>i * sizeof<T>();
    v128.store(dst + o, v128.add<T>(v128.load(dst + o), v128.mul<T>(vs, v128.load(v + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i * sizeof<T>();
    store<T>(dst + o, load<T>(dst + o) + s * load<T>(v + o));
  }
}

/** Nonzero values among n of x, stopping early once above `limit`. */
function nonzeros<T>(n: i32, x: usize, limit: i32): i32 {
  let nz = 0;
  for (let i = 0; i < n && nz <= limit; i++) if (load<T>(x + <usize>i * sizeof<T>()) != 0) nz++;
  return nz;
}

/**
 * One image, scattered from its nonzero inputs: out += Σ over x[pixel][ci] ≠ 0 and the kernel cells (i, j)
 * that reach an output pixel, x·kernel[i, j, ci − g·cg, g's filters]. O(nonzeros·kh·kw·OC/groups): the
 * forward-mode tangents of an input Jacobian are one-hot images.
 */
function scatterImage<T>(
  h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, groups: i32, xp: usize, kernel: usize, op: usize,
): void {
  const S = <usize>sizeof<T>();
  const cg = c / groups;
  const fg = oc / groups;
  for (let iy = 0; iy < h; iy++) {
    for (let ix = 0; ix < w; ix++) {
      for (let ch = 0; ch < c; ch++) {
        const v = load<T>(xp + <usize>((iy * w + ix) * c + ch) * S);
        if (v == 0) continue;
        const g = ch / cg;
        for (let i = 0; i < kh; i++) {
          const ty = iy + padT - i * dh; // = oy·sh
          if (ty < 0 || ty % sh != 0 || ty / sh >= oh) continue;
          for (let j = 0; j < kw; j++) {
            const tx = ix + padL - j * dw; // = ox·sw
            if (tx < 0 || tx % sw != 0 || tx / sw >= ow) continue;
            const dst = op + <usize>(((ty / sh) * ow + tx / sw) * oc + g * fg) * S;
            axpy<T>(fg, v, kernel + <usize>(((i * kw + j) * cg + ch - g * cg) * oc + g * fg) * S, dst);
          }
        }
      }
    }
  }
}

/**
 * out (count × OH·OW·OC) = conv(x (count × H·W·C)) + bias (OC values; bias == 0: none, the JVP). out is
 * overwritten and must not overlap x or kernel. kernel is kh×kw×(C/groups)×OC. No scratch. An image with
 * at most 1/16 of its values nonzero (a one-hot tangent) is scattered from its nonzeros instead.
 */
export function conv2dForward<T>(
  count: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, groups: i32, x: usize, kernel: usize, bias: usize, out: usize,
): void {
  const S = <usize>sizeof<T>();
  const cg = c / groups;
  const fg = oc / groups;
  const inSize = h * w * c;
  const outSize = oh * ow * oc;
  const depthwise = cg == 1 && fg == 1;
  const merged = groups == 1 && dw == 1; // cells j0..j1 of one kernel row are adjacent in x and in kernel
  for (let p = 0; p < count; p++) {
    const xp = x + <usize>p * <usize>inSize * S;
    const op = out + <usize>p * <usize>outSize * S;
    for (let q = 0; q < oh * ow; q++) {
      const row = op + <usize>(q * oc) * S;
      if (bias) memory.copy(row, bias, <usize>oc * S);
      else memory.fill(row, 0, <usize>oc * S);
    }
    if (nonzeros<T>(inSize, xp, inSize >> 4) <= inSize >> 4) {
      scatterImage<T>(h, w, c, oc, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, groups, xp, kernel, op);
      continue;
    }
    for (let oy = 0; oy < oh; oy++) {
      const orow = op + <usize>(oy * ow * oc) * S;
      for (let i = 0; i < kh; i++) {
        const iy = oy * sh - padT + i * dh;
        if (iy < 0 || iy >= h) continue;
        const xrow = xp + <usize>(iy * w * c) * S;
        const krow = kernel + <usize>(i * kw * cg * oc) * S;
        let ox = 0;
        while (ox < ow) {
          // The run [ox, end) of output pixels sharing the valid kernel columns [j0, j1).
          const base = ox * sw - padL;
          const j0 = firstCell(base, dw, kw);
          const j1 = endCell(base, dw, kw, w);
          let end = ox + 1;
          while (end < ow && firstCell(end * sw - padL, dw, kw) == j0 && endCell(end * sw - padL, dw, kw, w) == j1) end++;
          const m = end - ox;
          if (depthwise) {
            // out[pixel][ch] += Σ_j x[input pixel of cell j][ch] · kernel[i, j][ch], elementwise over the C
            // channels, one vector of channels at a time with the sum over the row's cells in a register.
            const lanes = 16 / sizeof<T>();
            for (let r = 0; r < m; r++) {
              const dst = orow + <usize>((ox + r) * oc) * S;
              const src = xrow + <usize>(((ox + r) * sw - padL) * c) * S;
              let ch = 0;
              for (; ch + lanes <= c; ch += lanes) {
                const o = <usize>ch * S;
                let acc = v128.load(dst + o);
                for (let j = j0; j < j1; j++) {
                  acc = v128.add<T>(acc, v128.mul<T>(v128.load(src + <usize>(j * dw * c) * S + o), v128.load(krow + <usize>(j * oc) * S + o)));
                }
                v128.store(dst + o, acc);
              }
              for (; ch < c; ch++) {
                const o = <usize>ch * S;
                let acc = load<T>(dst + o);
                for (let j = j0; j < j1; j++) acc += load<T>(src + <usize>(j * dw * c) * S + o) * load<T>(krow + <usize>(j * oc) * S + o);
                store<T>(dst + o, acc);
              }
            }
          } else if (merged && j1 > j0) {
            gemmT<T>(m, oc, (j1 - j0) * c, xrow + <usize>((base + j0) * c) * S, sw * c, krow + <usize>(j0 * c * oc) * S, oc, orow + <usize>(ox * oc) * S, oc, 1);
          } else {
            for (let j = j0; j < j1; j++) {
              const a = xrow + <usize>((base + j * dw) * c) * S;
              const b = krow + <usize>(j * cg * oc) * S;
              for (let g = 0; g < groups; g++) {
                gemmT<T>(m, fg, cg, a + <usize>(g * cg) * S, sw * c, b + <usize>(g * fg) * S, oc, orow + <usize>(ox * oc + g * fg) * S, oc, 1);
              }
            }
          }
          ox = end;
        }
      }
    }
  }
}

/**
 * col2im of one output pixel q = oy·OW + ox: its column row (kh·kw·cg values, cell-major) is added into the
 * input pixels its cells read, channels [0, cg) of `dst` (the image's gIn, offset to the group's channels).
 */
// @ts-ignore: decorator
@inline function col2imPixel<T>(
  q: i32, h: i32, w: i32, c: i32, cg: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, ow: i32, colRow: usize, dst: usize,
): void {
  const S = <usize>sizeof<T>();
  const oy = q / ow;
  const ox = q - oy * ow;
  const base = ox * sw - padL;
  const j0 = firstCell(base, dw, kw);
  const j1 = endCell(base, dw, kw, w);
  for (let i = 0; i < kh; i++) {
    const iy = oy * sh - padT + i * dh;
    if (iy < 0 || iy >= h) continue;
    for (let j = j0; j < j1; j++) {
      addTo<T>(cg, colRow + <usize>((i * kw + j) * cg) * S, dst + <usize>((iy * w + base + j * dw) * c) * S);
    }
  }
}

/**
 * Bytes of scratch conv2dTranspose needs: Kᵀ (OC × kh·kw·cg) and a column buffer (min(OH·OW, 128) ×
 * kh·kw·cg), in T; 0 for depthwise convolutions (cg = 1, OC = C).
 */
export function conv2dTransposeScratchBytes<T>(c: i32, oc: i32, kh: i32, kw: i32, oh: i32, ow: i32, groups: i32): i32 {
  const cg = c / groups;
  if (cg == 1 && oc == groups) return 0;
  const kk = kh * kw * cg;
  return (oc * kk + min(oh * ow, CHUNK) * kk) * sizeof<T>();
}

/**
 * gIn (rows × H·W·C) += gOut (rows × OH·OW·OC) · ∂conv/∂x: the transpose of the linear part (the VJP), added
 * to what gIn holds (a node's input may have other consumers). `scratch`: conv2dTransposeScratchBytes bytes
 * (16-byte aligned; unused for depthwise). gIn must not overlap gOut, kernel or scratch.
 */
export function conv2dTranspose<T>(
  rows: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, groups: i32, gOut: usize, kernel: usize, gIn: usize, scratch: usize,
): void {
  const S = <usize>sizeof<T>();
  const cg = c / groups;
  const fg = oc / groups;
  const inSize = h * w * c;
  const outSize = oh * ow * oc;
  const pixels = oh * ow;
  if (cg == 1 && fg == 1) {
    // Depthwise: gIn[input pixel][ch] += gOut[pixel][ch] · kernel[cell][ch].
    for (let r = 0; r < rows; r++) {
      const gp = gOut + <usize>r * <usize>outSize * S;
      const ip = gIn + <usize>r * <usize>inSize * S;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const src = gp + <usize>((oy * ow + ox) * oc) * S;
          for (let i = 0; i < kh; i++) {
            const iy = oy * sh - padT + i * dh;
            if (iy < 0 || iy >= h) continue;
            const base = ox * sw - padL;
            const j1 = endCell(base, dw, kw, w);
            for (let j = firstCell(base, dw, kw); j < j1; j++) {
              addProduct<T>(c, src, kernel + <usize>((i * kw + j) * oc) * S, ip + <usize>((iy * w + base + j * dw) * c) * S);
            }
          }
        }
      }
    }
    return;
  }
  // Kᵀ per group: kt[g][o][cell·cg + ci] = kernel[(cell·cg + ci)·OC + g·fg + o] (fg × kk blocks, row-major).
  const kk = kh * kw * cg;
  const kt = scratch;
  const col = scratch + <usize>(oc * kk) * S; // chunk × kk, row-major
  for (let e = 0; e < kk; e++) {
    for (let o = 0; o < oc; o++) {
      store<T>(kt + <usize>(o * kk + e) * S, load<T>(kernel + <usize>(e * oc + o) * S));
    }
  }
  for (let r = 0; r < rows; r++) {
    const gp = gOut + <usize>r * <usize>outSize * S;
    const ip = gIn + <usize>r * <usize>inSize * S;
    for (let g = 0; g < groups; g++) {
      for (let p0 = 0; p0 < pixels; p0 += CHUNK) {
        const mc = min(CHUNK, pixels - p0);
        gemmT<T>(mc, kk, fg, gp + <usize>(p0 * oc + g * fg) * S, oc, kt + <usize>(g * fg * kk) * S, kk, col, kk, 0);
        for (let q = 0; q < mc; q++) {
          col2imPixel<T>(p0 + q, h, w, c, cg, kh, kw, sh, sw, dh, dw, padT, padL, ow, col + <usize>(q * kk) * S, ip + <usize>(g * cg) * S);
        }
      }
    }
  }
}

/** Bytes of scratch conv2dTransposeActiveF32 needs for `rows` cotangent rows (f32). */
export function conv2dTransposeActiveScratchBytesF32(rows: i32, c: i32, oc: i32, kh: i32, kw: i32, oh: i32, ow: i32, groups: i32): i32 {
  const plain = conv2dTransposeScratchBytes<f32>(c, oc, kh, kw, oh, ow, groups);
  const kk = kh * kw * c;
  return max(plain, (oc * kk + oc * rows + oc + rows * kk) * 4);
}

/**
 * conv2dTransposeF32 for cotangents that an activation derivative has already scaled (a frozen ReLU pattern
 * of one point): `scale` (OH·OW·OC f32, that point's derivative) marks units with 0 as inactive, and they are
 * skipped: their gOut entries (zero after the scaling) are never read. Per output pixel, the column rows of all `rows` cotangents are
 * one product over the pixel's active filters only: (rows × active) · Kᵀ[active] (gemmRowsF32, gathering the
 * active rows of Kᵀ), then col2im. gIn (rows × H·W·C) is ACCUMULATED, as in conv2dTransposeF32. Grouped
 * convolutions (groups > 1) take the plain transpose, which reads every unit. Scratch: conv2dTransposeActiveScratchBytesF32 bytes.
 */
export function conv2dTransposeActiveF32(
  rows: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, groups: i32, gOut: usize, kernel: usize, gIn: usize, scratch: usize, scale: usize,
): void {
  if (groups != 1) {
    conv2dTranspose<f32>(rows, h, w, c, oc, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, groups, gOut, kernel, gIn, scratch);
    return;
  }
  const kk = kh * kw * c;
  const inSize = h * w * c;
  const outSize = oh * ow * oc;
  const kt = scratch; // oc × kk: Kᵀ, row o = filter o's weights
  const at = kt + (<usize>(oc * kk) << 2); // active × rows: the pixel's active cotangent columns, transposed
  const offsets = at + (<usize>(oc * rows) << 2); // active i32: byte offsets of the active rows of Kᵀ
  const col = offsets + (<usize>oc << 2); // rows × kk: the pixel's column rows
  for (let e = 0; e < kk; e++) {
    for (let o = 0; o < oc; o++) store<f32>(kt + (<usize>(o * kk + e) << 2), load<f32>(kernel + (<usize>(e * oc + o) << 2)));
  }
  for (let q = 0; q < oh * ow; q++) {
    let active = 0;
    for (let o = 0; o < oc; o++) {
      const u = q * oc + o;
      if (load<f32>(scale + (<usize>u << 2)) == 0) continue;
      store<i32>(offsets + (<usize>active << 2), o * kk * 4);
      const dst = at + (<usize>(active * rows) << 2);
      for (let r = 0; r < rows; r++) store<f32>(dst + (<usize>r << 2), load<f32>(gOut + (<usize>(r * outSize + u) << 2)));
      active++;
    }
    if (active == 0) continue;
    gemmRowsF32(rows, kk, active, at, rows, kt, offsets, col, kk);
    for (let r = 0; r < rows; r++) {
      col2imPixel<f32>(q, h, w, c, c, kh, kw, sh, sw, dh, dw, padT, padL, ow, col + (<usize>(r * kk) << 2), gIn + (<usize>(r * inSize) << 2));
    }
  }
}

export function conv2dForwardF32(
  count: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, groups: i32, x: usize, kernel: usize, bias: usize, out: usize,
): void {
  conv2dForward<f32>(count, h, w, c, oc, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, groups, x, kernel, bias, out);
}
export function conv2dForwardF64(
  count: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, groups: i32, x: usize, kernel: usize, bias: usize, out: usize,
): void {
  conv2dForward<f64>(count, h, w, c, oc, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, groups, x, kernel, bias, out);
}
export function conv2dTransposeF32(
  rows: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, groups: i32, gOut: usize, kernel: usize, gIn: usize, scratch: usize,
): void {
  conv2dTranspose<f32>(rows, h, w, c, oc, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, groups, gOut, kernel, gIn, scratch);
}
export function conv2dTransposeF64(
  rows: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, groups: i32, gOut: usize, kernel: usize, gIn: usize, scratch: usize,
): void {
  conv2dTranspose<f64>(rows, h, w, c, oc, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, groups, gOut, kernel, gIn, scratch);
}
export function conv2dTransposeScratchBytesF32(c: i32, oc: i32, kh: i32, kw: i32, oh: i32, ow: i32, groups: i32): i32 {
  return conv2dTransposeScratchBytes<f32>(c, oc, kh, kw, oh, ow, groups);
}
export function conv2dTransposeScratchBytesF64(c: i32, oc: i32, kh: i32, kw: i32, oh: i32, ow: i32, groups: i32): i32 {
  return conv2dTransposeScratchBytes<f64>(c, oc, kh, kw, oh, ow, groups);
}
