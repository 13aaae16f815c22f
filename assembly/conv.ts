// NHWC 2-D convolution: forward (also the forward-mode tangent map, with no bias) and its transpose (VJP).
// Geometry for one image: input H×W×C, kernel kh×kw×C×OC (row-major [kh, kw, inC, outC]), strides sh, sw,
// leading padding padT, padL, output OH×OW×OC. Cells outside the input are zero.

/**
 * out[p] = conv(x[p]) + bias for `count` images: x is count×(H·W·C), out is count×(OH·OW·OC), f32 row-major.
 * bias == 0 means no bias (the linear part alone: used for tangents). SIMD over output channels.
 */
export function conv2dF32(
  count: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, padT: i32, padL: i32,
  oh: i32, ow: i32, oc: i32, x: usize, k: usize, bias: usize, out: usize,
): void {
  const inSize = h * w * c;
  const outSize = oh * ow * oc;
  for (let p = 0; p < count; p++) {
    const xp = x + (<usize>(p * inSize) << 2);
    const op = out + (<usize>(p * outSize) << 2);
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        const orow = op + (<usize>((y * ow + xo) * oc) << 2);
        if (bias) memory.copy(orow, bias, <usize>oc << 2);
        else memory.fill(orow, 0, <usize>oc << 2);
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - padT + i;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = xo * sw - padL + j;
            if (ix < 0 || ix >= w) continue;
            const xin = xp + (<usize>((iy * w + ix) * c) << 2);
            const kij = k + (<usize>((i * kw + j) * c * oc) << 2);
            for (let ci = 0; ci < c; ci++) {
              const xv = load<f32>(xin + (<usize>ci << 2));
              if (xv == 0) continue;
              const krow = kij + (<usize>(ci * oc) << 2);
              const vx = f32x4.splat(xv);
              let o = 0;
              for (; o + 4 <= oc; o += 4) {
                const off = <usize>o << 2;
                v128.store(orow + off, f32x4.add(v128.load(orow + off), f32x4.mul(vx, v128.load(krow + off))));
              }
              for (; o < oc; o++) {
                const off = <usize>o << 2;
                store<f32>(orow + off, load<f32>(orow + off) + xv * load<f32>(krow + off));
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Transpose of the convolution's linear part, applied to `rows` cotangents: gIn (rows×(H·W·C)) =
 * gOut (rows×(OH·OW·OC)) · ∂conv/∂x. gIn is overwritten. SIMD dot products over output channels.
 */
export function conv2dVjpF32(
  rows: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, sh: i32, sw: i32, padT: i32, padL: i32,
  oh: i32, ow: i32, oc: i32, gOut: usize, k: usize, gIn: usize,
): void {
  const inSize = h * w * c;
  const outSize = oh * ow * oc;
  memory.fill(gIn, 0, <usize>(rows * inSize) << 2);
  for (let r = 0; r < rows; r++) {
    const gp = gOut + (<usize>(r * outSize) << 2);
    const ip = gIn + (<usize>(r * inSize) << 2);
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        const grow = gp + (<usize>((y * ow + xo) * oc) << 2);
        for (let i = 0; i < kh; i++) {
          const iy = y * sh - padT + i;
          if (iy < 0 || iy >= h) continue;
          for (let j = 0; j < kw; j++) {
            const ix = xo * sw - padL + j;
            if (ix < 0 || ix >= w) continue;
            const gin = ip + (<usize>((iy * w + ix) * c) << 2);
            const kij = k + (<usize>((i * kw + j) * c * oc) << 2);
            for (let ci = 0; ci < c; ci++) {
              const krow = kij + (<usize>(ci * oc) << 2);
              let acc = f32x4.splat(0);
              let o = 0;
              for (; o + 4 <= oc; o += 4) {
                const off = <usize>o << 2;
                acc = f32x4.add(acc, f32x4.mul(v128.load(grow + off), v128.load(krow + off)));
              }
              let sum: f32 = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
              for (; o < oc; o++) {
                const off = <usize>o << 2;
                sum += load<f32>(grow + off) * load<f32>(krow + off);
              }
              const dst = gin + (<usize>ci << 2);
              store<f32>(dst, load<f32>(dst) + sum);
            }
          }
        }
      }
    }
  }
}
