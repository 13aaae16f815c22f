// Pooling node kernels, generic over T ∈ {f32, f64} (one source, exported as …F32 and …F64): max pooling
// (forward with argmax, the route of its linear part under a frozen argmax, and the crossing along a
// tangent), average pooling (forward = JVP, and its transpose) and global average pooling.
//
// Layout (NHWC, row-major, byte-offset pointers): one image is H×W×C, its output OH×OW×C; `count`/`rows`
// images follow one another. Window (oy, ox) covers input rows oy·sh − padT + [0, ph) and columns
// ox·sw − padL + [0, pw). Cells outside the input (the padding, and, in ceil mode, a last window's overhang)
// never win a max; the average sums the cells inside the input and divides by their number, or with
// countIncludePad by the window's cells inside the padded input [−padT, H + padB) × [−padL, W + padR) (ONNX
// and PyTorch). Transposes ACCUMULATE into their destination (a node's input may have other consumers).

/**
 * Max pooling of `count` images: out (count × OH·OW·C) and argmax (count × OH·OW·C i32: the flat NHWC index
 * (iy·W + ix)·C + ch within its image of the chosen cell). The first maximum in window scan order (rows, then
 * columns) wins a tie. A window without an input cell (impossible for shapes src/model/shapes.ts accepts)
 * gives out = 0 and argmax = −1.
 */
export function maxPool2dForward<T>(
  count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32,
  x: usize, out: usize, argmax: usize,
): void {
  const S = <usize>sizeof<T>();
  const inSize = h * w * c;
  const outSize = oh * ow * c;
  for (let p = 0; p < count; p++) {
    const xp = x + <usize>p * <usize>inSize * S;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = max(oy * sh - padT, 0);
      const y1 = min(oy * sh - padT + ph, h);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = max(ox * sw - padL, 0);
        const x1 = min(ox * sw - padL + pw, w);
        for (let ch = 0; ch < c; ch++) {
          let best = <T>0;
          let at = -1;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const idx = (iy * w + ix) * c + ch;
              const v = load<T>(xp + <usize>idx * S);
              if (at < 0 || v > best) {
                best = v;
                at = idx;
              }
            }
          }
          const o = <usize>(p * outSize + (oy * ow + ox) * c + ch);
          store<T>(out + o * S, best);
          store<i32>(argmax + (o << 2), at);
        }
      }
    }
  }
}

/**
 * The max pool's linear part under ONE point's argmax (outSize i32), applied to `rows` vectors.
 * transpose == 0 (JVP): dst (rows × outSize)[o] = src (rows × inSize)[argmax[o]], overwritten.
 * transpose != 0 (VJP): dst (rows × inSize)[argmax[o]] += src (rows × outSize)[o], accumulated.
 * Negative argmax entries (windows without input) read as 0 and scatter nothing.
 */
export function maxPool2dRoute<T>(rows: i32, inSize: i32, outSize: i32, argmax: usize, src: usize, dst: usize, transpose: i32): void {
  const S = <usize>sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * <usize>(transpose ? outSize : inSize) * S;
    const d = dst + <usize>r * <usize>(transpose ? inSize : outSize) * S;
    for (let o = 0; o < outSize; o++) {
      const at = load<i32>(argmax + (<usize>o << 2));
      if (transpose) {
        if (at >= 0) {
          const q = d + <usize>at * S;
          store<T>(q, load<T>(q) + load<T>(s + <usize>o * S));
        }
      } else {
        store<T>(d + <usize>o * S, at >= 0 ? load<T>(s + <usize>at * S) : <T>0);
      }
    }
  }
}

/**
 * The first t ≥ 0, t ≤ tmax, at which a max-pool window's chosen input stops being its maximum along
 * x + t·dx (x: one point's pool input H×W×C, dx: its tangent, argmax: that point's OH·OW·C choices): for
 * the chosen cell a and another input cell b of the window, (x_a − x_b) + t·(dx_a − dx_b) reaches 0 while
 * falling. A tie at t = 0 that opens at once (a later cell b with a larger slope) gives t = 0, as a ReLU
 * crossing does on its boundary. Solved in float64. Returns +∞ when no window changes within tmax; writes
 * outUnit[0] = the output unit (flat NHWC index in OH×OW×C) and outUnit[1] = the competing input cell b
 * (flat NHWC index in H×W×C), both −1 when there is none. outUnit points to 2 i32.
 */
export function maxPool2dCrossing<T>(
  h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32,
  x: usize, dx: usize, argmax: usize, tmax: f64, outUnit: usize,
): f64 {
  const S = <usize>sizeof<T>();
  let tBest = Infinity;
  let unit = -1;
  let rival = -1;
  for (let oy = 0; oy < oh; oy++) {
    const y0 = max(oy * sh - padT, 0);
    const y1 = min(oy * sh - padT + ph, h);
    for (let ox = 0; ox < ow; ox++) {
      const x0 = max(ox * sw - padL, 0);
      const x1 = min(ox * sw - padL + pw, w);
      for (let ch = 0; ch < c; ch++) {
        const o = (oy * ow + ox) * c + ch;
        const a = load<i32>(argmax + (<usize>o << 2));
        if (a < 0) continue;
        const xa = <f64>load<T>(x + <usize>a * S);
        const da = <f64>load<T>(dx + <usize>a * S);
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const b = (iy * w + ix) * c + ch;
            if (b == a) continue;
            const slope = da - <f64>load<T>(dx + <usize>b * S); // d/dt of x_a − x_b
            if (!(slope < 0)) continue;
            const gap = xa - <f64>load<T>(x + <usize>b * S);
            const t = max(gap, 0) / -slope;
            if (t < tBest && t <= tmax) {
              tBest = t;
              unit = o;
              rival = b;
            }
          }
        }
      }
    }
  }
  store<i32>(outUnit, unit);
  store<i32>(outUnit, rival, 4);
  return tBest;
}

/**
 * The window's divisor: its cells inside the padded input (countIncludePad) or inside the input.
 */
// @ts-ignore: decorator
@inline function divisor(h: i32, w: i32, ph: i32, pw: i32, padB: i32, padR: i32, ys: i32, xs: i32, countIncludePad: i32): i32 {
  if (countIncludePad) return (min(ys + ph, h + padB) - ys) * (min(xs + pw, w + padR) - xs);
  return (min(ys + ph, h) - max(ys, 0)) * (min(xs + pw, w) - max(xs, 0));
}

/**
 * Average pooling in both directions on `count` images. transpose == 0: b (count × OH·OW·C) = avg(a
 * (count × H·W·C)), overwritten — the forward and, being linear, the JVP. transpose != 0: b (count × H·W·C)
 * += avgᵀ(a (count × OH·OW·C)), accumulated — the VJP.
 */
// @ts-ignore: decorator
@inline function avgPool2d<T>(
  count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32,
  oh: i32, ow: i32, countIncludePad: i32, a: usize, b: usize, transpose: bool,
): void {
  const S = <usize>sizeof<T>();
  const inSize = h * w * c;
  const outSize = oh * ow * c;
  for (let p = 0; p < count; p++) {
    const inBase = (transpose ? b : a) + <usize>p * <usize>inSize * S;
    const outBase = (transpose ? a : b) + <usize>p * <usize>outSize * S;
    for (let oy = 0; oy < oh; oy++) {
      const ys = oy * sh - padT;
      const y0 = max(ys, 0);
      const y1 = min(ys + ph, h);
      for (let ox = 0; ox < ow; ox++) {
        const xs = ox * sw - padL;
        const x0 = max(xs, 0);
        const x1 = min(xs + pw, w);
        const n = divisor(h, w, ph, pw, padB, padR, ys, xs, countIncludePad);
        const inv = n > 0 ? <T>1 / <T>n : <T>0;
        // channels in SIMD lanes (the same operations per channel as the scalar tail below)
        const lanes = 16 / <i32>S;
        const vinv = v128.splat<T>(inv);
        let ch0 = 0;
        for (; ch0 + lanes <= c; ch0 += lanes) {
          const op = outBase + <usize>((oy * ow + ox) * c + ch0) * S;
          if (transpose) {
            const g = v128.mul<T>(v128.load(op), vinv);
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) {
                const ip = inBase + <usize>((iy * w + ix) * c + ch0) * S;
                v128.store(ip, v128.add<T>(v128.load(ip), g));
              }
            }
          } else {
            let s = v128.splat<T>(<T>0);
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) s = v128.add<T>(s, v128.load(inBase + <usize>((iy * w + ix) * c + ch0) * S));
            }
            v128.store(op, v128.mul<T>(s, vinv));
          }
        }
        for (let ch = ch0; ch < c; ch++) {
          const op = outBase + <usize>((oy * ow + ox) * c + ch) * S;
          if (transpose) {
            const g = load<T>(op) * inv;
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) {
                const ip = inBase + <usize>((iy * w + ix) * c + ch) * S;
                store<T>(ip, load<T>(ip) + g);
              }
            }
          } else {
            let s = <T>0;
            for (let iy = y0; iy < y1; iy++) {
              for (let ix = x0; ix < x1; ix++) s += load<T>(inBase + <usize>((iy * w + ix) * c + ch) * S);
            }
            store<T>(op, s * inv);
          }
        }
      }
    }
  }
}

/**
 * Global average pooling: out (count × C)[ch] = mean over the H·W pixels of x (count × H·W·C), overwritten.
 * Linear, so also the JVP.
 */
export function globalAvgPoolForward<T>(count: i32, h: i32, w: i32, c: i32, x: usize, out: usize): void {
  const S = <usize>sizeof<T>();
  const n = h * w;
  const inv = <T>1 / <T>n;
  for (let p = 0; p < count; p++) {
    const xp = x + <usize>(p * n * c) * S;
    const op = out + <usize>(p * c) * S;
    for (let ch = 0; ch < c; ch++) {
      let s = <T>0;
      for (let q = 0; q < n; q++) s += load<T>(xp + <usize>(q * c + ch) * S);
      store<T>(op + <usize>ch * S, s * inv);
    }
  }
}

/** Transpose of global average pooling: gIn (rows × H·W·C)[pixel, ch] += gOut (rows × C)[ch] / (H·W), accumulated. */
export function globalAvgPoolTranspose<T>(rows: i32, h: i32, w: i32, c: i32, gOut: usize, gIn: usize): void {
  const S = <usize>sizeof<T>();
  const n = h * w;
  const inv = <T>1 / <T>n;
  for (let r = 0; r < rows; r++) {
    const gp = gOut + <usize>(r * c) * S;
    const ip = gIn + <usize>(r * n * c) * S;
    for (let q = 0; q < n; q++) {
      const row = ip + <usize>(q * c) * S;
      for (let ch = 0; ch < c; ch++) {
        const d = row + <usize>ch * S;
        store<T>(d, load<T>(d) + load<T>(gp + <usize>ch * S) * inv);
      }
    }
  }
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
  avgPool2d<f32>(count, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, x, out, false);
}
export function avgPool2dForwardF64(count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32, oh: i32, ow: i32, countIncludePad: i32, x: usize, out: usize): void {
  avgPool2d<f64>(count, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, x, out, false);
}
export function avgPool2dTransposeF32(rows: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32, oh: i32, ow: i32, countIncludePad: i32, gOut: usize, gIn: usize): void {
  avgPool2d<f32>(rows, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, gOut, gIn, true);
}
export function avgPool2dTransposeF64(rows: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32, oh: i32, ow: i32, countIncludePad: i32, gOut: usize, gIn: usize): void {
  avgPool2d<f64>(rows, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, gOut, gIn, true);
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

/** Generic forms for the graph driver (assembly/graph/network.ts): the forward (also the JVP) and the VJP. */
export function avgPool2dForward<T>(count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32, oh: i32, ow: i32, countIncludePad: i32, x: usize, out: usize): void {
  avgPool2d<T>(count, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, x, out, false);
}
export function avgPool2dTranspose<T>(rows: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, padB: i32, padR: i32, oh: i32, ow: i32, countIncludePad: i32, gOut: usize, gIn: usize): void {
  avgPool2d<T>(rows, h, w, c, ph, pw, sh, sw, padT, padL, padB, padR, oh, ow, countIncludePad, gOut, gIn, true);
}
