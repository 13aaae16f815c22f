// Concat node: inputs joined along the channel (last) axis of pixels × channels tensors, generic over T.
// One input at a time: input k with cIn channels fills channels [at, at + cIn) of the cOut output channels.

/**
 * Forward (transpose == 0): y[p, at + c] = x[p, c] for `rows` rows (x stride ldx, y stride ldy, in elements).
 * Transpose (transpose != 0): x[p, c] (+)= y[p, at + c] (accumulate when `accumulate`): the input's cotangent.
 */
export function concatSlice<T>(rows: i32, pixels: i32, cIn: i32, cOut: i32, at: i32, x: usize, ldx: i32, y: usize, ldy: i32, transpose: i32, accumulate: i32): void {
  const t = sizeof<T>();
  const bytes = <usize>cIn * t;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * <usize>ldx * t, yr = y + <usize>r * <usize>ldy * t;
    for (let p = 0; p < pixels; p++) {
      const xp = xr + <usize>(p * cIn) * t, yp = yr + <usize>(p * cOut + at) * t;
      if (!transpose) memory.copy(yp, xp, bytes);
      else if (!accumulate) memory.copy(xp, yp, bytes);
      else for (let c: usize = 0; c < bytes; c += t) store<T>(xp + c, load<T>(xp + c) + load<T>(yp + c));
    }
  }
}
