// TEMPORARY (graphcore branch): a straightforward scalar generic conv2d with the exported names and
// signatures of the convpool helper's assembly/graph/conv.ts (conv2dForwardF32/F64, conv2dTransposeF32/F64
// with a scratch pointer, conv2dTransposeScratchBytesF32/F64), only so that the graph drivers' tests run
// before those kernels land. The lead takes the convpool helper's file when merging.
// NHWC, kernel kh×kw×(c/groups)×oc row-major; output channel o belongs to group ⌊o/(oc/groups)⌋.

/** out (count×oh·ow·oc) = conv(x) + bias (bias == 0: none). Overwritten. */
function conv2dForward<T>(
  count: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padT: i32, padL: i32,
  oh: i32, ow: i32, groups: i32, x: usize, kernel: usize, bias: usize, out: usize,
): void {
  const t = sizeof<T>();
  const cg = c / groups, fg = oc / groups;
  for (let p = 0; p < count; p++) {
    const xp = x + <usize>(p * h * w * c) * t, op = out + <usize>(p * oh * ow * oc) * t;
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++)
        for (let o = 0; o < oc; o++) {
          const g = o / fg;
          let s: T = bias ? load<T>(bias + <usize>o * t) : <T>0;
          for (let i = 0; i < kh; i++) {
            const iy = y * sh + i * dh - padT;
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < kw; j++) {
              const ix = xo * sw + j * dw - padL;
              if (ix < 0 || ix >= w) continue;
              for (let ci = 0; ci < cg; ci++)
                s += load<T>(xp + <usize>((iy * w + ix) * c + g * cg + ci) * t) * load<T>(kernel + <usize>(((i * kw + j) * cg + ci) * oc + o) * t);
            }
          }
          store<T>(op + <usize>((y * ow + xo) * oc + o) * t, s);
        }
  }
}

/** gIn (rows×h·w·c) += transpose of the convolution's linear part applied to gOut (rows×oh·ow·oc). ACCUMULATES. */
function conv2dTranspose<T>(
  rows: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padT: i32, padL: i32,
  oh: i32, ow: i32, groups: i32, gOut: usize, kernel: usize, gIn: usize,
): void {
  const t = sizeof<T>();
  const cg = c / groups, fg = oc / groups;
  for (let r = 0; r < rows; r++) {
    const gp = gOut + <usize>(r * oh * ow * oc) * t, ip = gIn + <usize>(r * h * w * c) * t;
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++)
        for (let o = 0; o < oc; o++) {
          const g = o / fg;
          const go = load<T>(gp + <usize>((y * ow + xo) * oc + o) * t);
          for (let i = 0; i < kh; i++) {
            const iy = y * sh + i * dh - padT;
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < kw; j++) {
              const ix = xo * sw + j * dw - padL;
              if (ix < 0 || ix >= w) continue;
              for (let ci = 0; ci < cg; ci++) {
                const at = ip + <usize>((iy * w + ix) * c + g * cg + ci) * t;
                store<T>(at, load<T>(at) + go * load<T>(kernel + <usize>(((i * kw + j) * cg + ci) * oc + o) * t));
              }
            }
          }
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
/** gIn += transpose(gOut); `scratch` unused here (the convpool kernels take conv2dTransposeScratchBytes bytes). */
export function conv2dTransposeF32(
  rows: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, groups: i32, gOut: usize, kernel: usize, gIn: usize, scratch: usize,
): void {
  conv2dTranspose<f32>(rows, h, w, c, oc, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, groups, gOut, kernel, gIn);
}
export function conv2dTransposeF64(
  rows: i32, h: i32, w: i32, c: i32, oc: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, groups: i32, gOut: usize, kernel: usize, gIn: usize, scratch: usize,
): void {
  conv2dTranspose<f64>(rows, h, w, c, oc, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, groups, gOut, kernel, gIn);
}
export function conv2dTransposeScratchBytesF32(c: i32, oc: i32, kh: i32, kw: i32, oh: i32, ow: i32, groups: i32): i32 {
  return 0;
}
export function conv2dTransposeScratchBytesF64(c: i32, oc: i32, kh: i32, kw: i32, oh: i32, ow: i32, groups: i32): i32 {
  return 0;
}
