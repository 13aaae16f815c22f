// TEMPORARY (graphcore branch): straightforward scalar generic pooling kernels with the exported names and
// signatures of the convpool helper's assembly/graph/pool.ts (…F32/…F64 instances), only so that the graph
// drivers' tests run before those kernels land. The lead takes the convpool helper's file when merging.
// NHWC; padded cells never win a max; a window overhanging the input (ceil mode) takes its valid part.

/** Max pooling of `count` images: out and argmax (i32, flat NHWC index in its image; first maximum wins). */
function maxPool2dForward<T>(
  count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32, x: usize, out: usize, argmax: usize,
): void {
  const t = sizeof<T>();
  for (let p = 0; p < count; p++) {
    const xp = x + <usize>(p * h * w * c) * t;
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++)
        for (let ch = 0; ch < c; ch++) {
          let best: T = <T>0;
          let at = -1;
          for (let i = 0; i < ph; i++) {
            const iy = y * sh + i - padT;
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < pw; j++) {
              const ix = xo * sw + j - padL;
              if (ix < 0 || ix >= w) continue;
              const idx = (iy * w + ix) * c + ch;
              const v = load<T>(xp + <usize>idx * t);
              if (at < 0 || v > best) {
                best = v;
                at = idx;
              }
            }
          }
          const o = p * oh * ow * c + (y * ow + xo) * c + ch;
          store<T>(out + <usize>o * t, best);
          store<i32>(argmax + (<usize>o << 2), at);
        }
  }
}

/** transpose == 0: dst (rows×outSize)[o] = src[argmax[o]] (overwrite); else dst (rows×inSize)[argmax[o]] += src[o]. */
function maxPool2dRoute<T>(rows: i32, inSize: i32, outSize: i32, argmax: usize, src: usize, dst: usize, transpose: i32): void {
  const t = sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>(r * (transpose ? outSize : inSize)) * t;
    const d = dst + <usize>(r * (transpose ? inSize : outSize)) * t;
    for (let o = 0; o < outSize; o++) {
      const a = <usize>load<i32>(argmax + (<usize>o << 2)) * t;
      if (transpose) store<T>(d + a, load<T>(d + a) + load<T>(s + <usize>o * t));
      else store<T>(d + <usize>o * t, load<T>(s + a));
    }
  }
}

/** Valid window [y0, y1) × [x0, x1) and the divisor (valid cells, or cells inside the padded input). */
// @ts-ignore: decorator
@inline function divisor(y: i32, xo: i32, h: i32, w: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32, countIncludePad: i32): i32 {
  const a = y * sh - padT, b = xo * sw - padL;
  if (countIncludePad) return (min(a + ph, h + padB) - max(a, -padT)) * (min(b + pw, w + padR) - max(b, -padL));
  return (min(a + ph, h) - max(a, 0)) * (min(b + pw, w) - max(b, 0));
}

/** Average pooling of `count` images (also its JVP): out overwritten. */
function avgPool2dForward<T>(
  count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32,
  oh: i32, ow: i32, countIncludePad: i32, x: usize, out: usize,
): void {
  const t = sizeof<T>();
  for (let p = 0; p < count; p++) {
    const xp = x + <usize>(p * h * w * c) * t, op = out + <usize>(p * oh * ow * c) * t;
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++) {
        const div = <T>divisor(y, xo, h, w, ph, pw, sh, sw, padT, padL, padB, padR, countIncludePad);
        const y0 = max(y * sh - padT, 0), y1 = min(y * sh - padT + ph, h), x0 = max(xo * sw - padL, 0), x1 = min(xo * sw - padL + pw, w);
        for (let ch = 0; ch < c; ch++) {
          let s: T = <T>0;
          for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += load<T>(xp + <usize>((iy * w + ix) * c + ch) * t);
          store<T>(op + <usize>((y * ow + xo) * c + ch) * t, s / div);
        }
      }
  }
}

/** gIn (rows×h·w·c) += transpose of average pooling applied to gOut (rows×oh·ow·c). ACCUMULATES. */
function avgPool2dTranspose<T>(
  rows: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32,
  oh: i32, ow: i32, countIncludePad: i32, gOut: usize, gIn: usize,
): void {
  const t = sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const gp = gOut + <usize>(r * oh * ow * c) * t, ip = gIn + <usize>(r * h * w * c) * t;
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++) {
        const div = <T>divisor(y, xo, h, w, ph, pw, sh, sw, padT, padL, padB, padR, countIncludePad);
        const y0 = max(y * sh - padT, 0), y1 = min(y * sh - padT + ph, h), x0 = max(xo * sw - padL, 0), x1 = min(xo * sw - padL + pw, w);
        for (let ch = 0; ch < c; ch++) {
          const g = load<T>(gp + <usize>((y * ow + xo) * c + ch) * t) / div;
          for (let iy = y0; iy < y1; iy++)
            for (let ix = x0; ix < x1; ix++) {
              const a = ip + <usize>((iy * w + ix) * c + ch) * t;
              store<T>(a, load<T>(a) + g);
            }
        }
      }
  }
}

/** out (count×c) = mean over h, w of x (count×h·w·c). */
function globalAvgPoolForward<T>(count: i32, h: i32, w: i32, c: i32, x: usize, out: usize): void {
  const t = sizeof<T>();
  for (let p = 0; p < count; p++)
    for (let ch = 0; ch < c; ch++) {
      let s: T = <T>0;
      for (let q = 0; q < h * w; q++) s += load<T>(x + <usize>((p * h * w + q) * c + ch) * t);
      store<T>(out + <usize>(p * c + ch) * t, s / <T>(h * w));
    }
}

/** gIn (rows×h·w·c) += gOut (rows×c) / (h·w) broadcast over pixels. ACCUMULATES. */
function globalAvgPoolTranspose<T>(rows: i32, h: i32, w: i32, c: i32, gOut: usize, gIn: usize): void {
  const t = sizeof<T>();
  for (let r = 0; r < rows; r++)
    for (let ch = 0; ch < c; ch++) {
      const g = load<T>(gOut + <usize>(r * c + ch) * t) / <T>(h * w);
      for (let q = 0; q < h * w; q++) {
        const a = gIn + <usize>((r * h * w + q) * c + ch) * t;
        store<T>(a, load<T>(a) + g);
      }
    }
}

/**
 * First t ≥ 0, t ≤ tmax, at which a window's chosen input a stops being its maximum along x + t·dx:
 * (x_a − x_b) + t(dx_a − dx_b) reaches 0 while falling, for another valid cell b (a tie at t = 0 that opens
 * at once gives 0). Returns t, or Infinity when none; writes outUnit[0] = the pool output index and
 * outUnit[1] = the rival input cell b (both −1 when none). outUnit: 2 i32.
 */
function maxPool2dCrossing<T>(
  h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32,
  x: usize, dx: usize, argmax: usize, tmax: f64, outUnit: usize,
): f64 {
  const t = sizeof<T>();
  let best = Infinity;
  let unit = -1, rival = -1;
  for (let y = 0; y < oh; y++)
    for (let xo = 0; xo < ow; xo++)
      for (let ch = 0; ch < c; ch++) {
        const o = (y * ow + xo) * c + ch;
        const a = load<i32>(argmax + (<usize>o << 2));
        const xa = <f64>load<T>(x + <usize>a * t), da = <f64>load<T>(dx + <usize>a * t);
        for (let i = 0; i < ph; i++) {
          const iy = y * sh + i - padT;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < pw; j++) {
            const ix = xo * sw + j - padL;
            if (ix < 0 || ix >= w) continue;
            const b = (iy * w + ix) * c + ch;
            if (b == a) continue;
            const closing = <f64>load<T>(dx + <usize>b * t) - da;
            if (!(closing > 0)) continue;
            const tc = max(xa - <f64>load<T>(x + <usize>b * t), 0) / closing;
            if (tc < best && tc <= tmax) {
              best = tc;
              unit = o;
              rival = b;
            }
          }
        }
      }
  store<i32>(outUnit, unit);
  store<i32>(outUnit, rival, 4);
  return best;
}

export function maxPool2dForwardF32(count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32, x: usize, out: usize, argmax: usize): void {
  maxPool2dForward<f32>(count, h, w, c, ph, pw, sh, sw, padT, padL, oh, ow, x, out, argmax);
}
export function maxPool2dForwardF64(count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32, x: usize, out: usize, argmax: usize): void {
  maxPool2dForward<f64>(count, h, w, c, ph, pw, sh, sw, padT, padL, oh, ow, x, out, argmax);
}
export function maxPool2dRouteF32(rows: i32, inSize: i32, outSize: i32, argmax: usize, src: usize, dst: usize, transpose: i32): void {
  maxPool2dRoute<f32>(rows, inSize, outSize, argmax, src, dst, transpose);
}
export function maxPool2dRouteF64(rows: i32, inSize: i32, outSize: i32, argmax: usize, src: usize, dst: usize, transpose: i32): void {
  maxPool2dRoute<f64>(rows, inSize, outSize, argmax, src, dst, transpose);
}
export function maxPool2dCrossingF32(h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32, x: usize, dx: usize, argmax: usize, tmax: f64, outUnit: usize): f64 {
  return maxPool2dCrossing<f32>(h, w, c, ph, pw, sh, sw, padT, padL, oh, ow, x, dx, argmax, tmax, outUnit);
}
export function maxPool2dCrossingF64(h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32, x: usize, dx: usize, argmax: usize, tmax: f64, outUnit: usize): f64 {
  return maxPool2dCrossing<f64>(h, w, c, ph, pw, sh, sw, padT, padL, oh, ow, x, dx, argmax, tmax, outUnit);
}
export function avgPool2dForwardF32(count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32, oh: i32, ow: i32, countIncludePad: i32, x: usize, out: usize): void {
  avgPool2dForward<f32>(count, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, x, out);
}
export function avgPool2dForwardF64(count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32, oh: i32, ow: i32, countIncludePad: i32, x: usize, out: usize): void {
  avgPool2dForward<f64>(count, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, x, out);
}
export function avgPool2dTransposeF32(rows: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32, oh: i32, ow: i32, countIncludePad: i32, gOut: usize, gIn: usize): void {
  avgPool2dTranspose<f32>(rows, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, gOut, gIn);
}
export function avgPool2dTransposeF64(rows: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32, oh: i32, ow: i32, countIncludePad: i32, gOut: usize, gIn: usize): void {
  avgPool2dTranspose<f64>(rows, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, gOut, gIn);
}
export function globalAvgPoolForwardF32(count: i32, h: i32, w: i32, c: i32, x: usize, out: usize): void {
  globalAvgPoolForward<f32>(count, h, w, c, x, out);
}
export function globalAvgPoolForwardF64(count: i32, h: i32, w: i32, c: i32, x: usize, out: usize): void {
  globalAvgPoolForward<f64>(count, h, w, c, x, out);
}
export function globalAvgPoolTransposeF32(rows: i32, h: i32, w: i32, c: i32, gOut: usize, gIn: usize): void {
  globalAvgPoolTranspose<f32>(rows, h, w, c, gOut, gIn);
}
export function globalAvgPoolTransposeF64(rows: i32, h: i32, w: i32, c: i32, gOut: usize, gIn: usize): void {
  globalAvgPoolTranspose<f64>(rows, h, w, c, gOut, gIn);
}
