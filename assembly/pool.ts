// NHWC pooling over windows ph×pw with strides sh, sw and leading padding padT, padL (tfjs conventions):
// padded cells are ignored (max) or excluded from the divisor (average). Input H×W×C, output OH×OW×C.

/**
 * Max pooling of `count` images: out (count×OH·OW·C) and argmax (count×OH·OW·C i32, the flat input index
 * (iy·W + ix)·C + c within its image of the chosen cell; the first maximum in window scan order wins).
 */
export function maxPoolF32(
  count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32,
  oh: i32, ow: i32, x: usize, out: usize, argmax: usize,
): void {
  const inSize = h * w * c;
  const outSize = oh * ow * c;
  for (let p = 0; p < count; p++) {
    const xp = x + (<usize>(p * inSize) << 2);
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let ch = 0; ch < c; ch++) {
          let best: f32 = -Infinity;
          let at: i32 = -1;
          for (let i = 0; i < ph; i++) {
            const iy = y * sh - padT + i;
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < pw; j++) {
              const ix = xo * sw - padL + j;
              if (ix < 0 || ix >= w) continue;
              const idx = (iy * w + ix) * c + ch;
              const v = load<f32>(xp + (<usize>idx << 2));
              if (at < 0 || v > best) {
                best = v;
                at = idx;
              }
            }
          }
          const o = p * outSize + (y * ow + xo) * c + ch;
          store<f32>(out + (<usize>o << 2), best);
          store<i32>(argmax + (<usize>o << 2), at);
        }
      }
    }
  }
}

/**
 * Route `rows` vectors through the max-pool's linear part (for the fixed argmax of one point).
 * transpose == 0 (forward mode): dst (rows×outSize)[o] = src (rows×inSize)[argmax[o]].
 * transpose != 0 (VJP): dst (rows×inSize) = 0, then dst[argmax[o]] += src (rows×outSize)[o].
 */
export function maxPoolRouteF32(rows: i32, inSize: i32, outSize: i32, argmax: usize, src: usize, dst: usize, transpose: i32): void {
  if (transpose) memory.fill(dst, 0, <usize>(rows * inSize) << 2);
  for (let r = 0; r < rows; r++) {
    const s = src + (<usize>(r * (transpose ? outSize : inSize)) << 2);
    const d = dst + (<usize>(r * (transpose ? inSize : outSize)) << 2);
    for (let o = 0; o < outSize; o++) {
      const at = <usize>load<i32>(argmax + (<usize>o << 2)) << 2;
      if (transpose) store<f32>(d + at, load<f32>(d + at) + load<f32>(s + (<usize>o << 2)));
      else store<f32>(d + (<usize>o << 2), load<f32>(s + at));
    }
  }
}

/**
 * Average pooling, forward (transpose == 0: dst count×outSize from src count×inSize) or its transpose
 * (transpose != 0: dst count×inSize, overwritten, from src count×outSize). The map is linear, so the forward
 * form also pushes tangents.
 */
export function avgPoolF32(
  count: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32,
  oh: i32, ow: i32, src: usize, dst: usize, transpose: i32,
): void {
  const inSize = h * w * c;
  const outSize = oh * ow * c;
  if (transpose) memory.fill(dst, 0, <usize>(count * inSize) << 2);
  for (let p = 0; p < count; p++) {
    const inBase = (transpose ? dst : src) + (<usize>(p * inSize) << 2);
    const outBase = (transpose ? src : dst) + (<usize>(p * outSize) << 2);
    for (let y = 0; y < oh; y++) {
      const y0 = max(y * sh - padT, 0);
      const y1 = min(y * sh - padT + ph, h);
      for (let xo = 0; xo < ow; xo++) {
        const x0 = max(xo * sw - padL, 0);
        const x1 = min(xo * sw - padL + pw, w);
        const inv: f32 = 1.0 / <f32>((y1 - y0) * (x1 - x0));
        for (let ch = 0; ch < c; ch++) {
          const op = outBase + (<usize>((y * ow + xo) * c + ch) << 2);
          if (transpose) {
            const g = load<f32>(op) * inv;
            for (let iy = y0; iy < y1; iy++)
              for (let ix = x0; ix < x1; ix++) {
                const ip = inBase + (<usize>((iy * w + ix) * c + ch) << 2);
                store<f32>(ip, load<f32>(ip) + g);
              }
          } else {
            let s: f32 = 0;
            for (let iy = y0; iy < y1; iy++)
              for (let ix = x0; ix < x1; ix++) s += load<f32>(inBase + (<usize>((iy * w + ix) * c + ch) << 2));
            store<f32>(op, s * inv);
          }
        }
      }
    }
  }
}
