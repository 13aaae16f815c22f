// TEMPORARY (graphcore branch): straightforward scalar generic pooling kernels with the exact signatures of
// GRAPH-DESIGN.md, only so that the graph drivers' tests run before the convpool helper's kernels land.
// The lead takes the convpool helper's assembly/graph/pool.ts when merging.
// NHWC; padded cells never win a max; a window overhanging the input (ceil mode) takes its valid part.

/** Max pooling of `count` images: out and argmax (i32, flat NHWC index in its image; first maximum wins). */
export function maxPool2dForward<T>(
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
export function maxPool2dRoute<T>(rows: i32, inSize: i32, outSize: i32, argmax: usize, src: usize, dst: usize, transpose: i32): void {
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
export function avgPool2dForward<T>(
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
export function avgPool2dTranspose<T>(
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
export function globalAvgPoolForward<T>(count: i32, h: i32, w: i32, c: i32, x: usize, out: usize): void {
  const t = sizeof<T>();
  for (let p = 0; p < count; p++)
    for (let ch = 0; ch < c; ch++) {
      let s: T = <T>0;
      for (let q = 0; q < h * w; q++) s += load<T>(x + <usize>((p * h * w + q) * c + ch) * t);
      store<T>(out + <usize>(p * c + ch) * t, s / <T>(h * w));
    }
}

/** gIn (rows×h·w·c) += gOut (rows×c) / (h·w) broadcast over pixels. ACCUMULATES. */
export function globalAvgPoolTranspose<T>(rows: i32, h: i32, w: i32, c: i32, gOut: usize, gIn: usize): void {
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
 * First t in (0, tmax] at which a window's chosen input a stops being its maximum along x + t·dx:
 * (x_a − x_b) + t(dx_a − dx_b) = 0 for another valid cell b. Writes the pool output index to outUnit and
 * returns t, or Infinity (outUnit untouched) when no choice changes in (0, tmax].
 */
export function maxPool2dCrossing<T>(
  h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32,
  x: usize, dx: usize, argmax: usize, tmax: f64, outUnit: usize,
): f64 {
  const t = sizeof<T>();
  let best = Infinity;
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
            if (closing <= 0) continue;
            const tc = (xa - <f64>load<T>(x + <usize>b * t)) / closing;
            if (tc > 0 && tc <= tmax && tc < best) {
              best = tc;
              store<i32>(outUnit, o);
            }
          }
        }
      }
  return best;
}
