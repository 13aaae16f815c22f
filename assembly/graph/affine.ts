// Affine node (an unfolded batchNorm): y = x·scale + shift per channel (the last, fastest NHWC axis), over
// rows×size values with row strides, generic over T.

/** y (rows×size, stride ldy) = x (stride ldx) · scale[c] + shift[c], c = i mod channels; shift == 0: none (the JVP). */
export function affineForward<T>(rows: i32, size: i32, channels: i32, x: usize, ldx: i32, scale: usize, shift: usize, y: usize, ldy: i32): void {
  const t = sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * <usize>ldx * t, yr = y + <usize>r * <usize>ldy * t;
    for (let i = 0; i < size; i++) {
      const c = <usize>(i % channels) * t;
      store<T>(yr + <usize>i * t, load<T>(xr + <usize>i * t) * load<T>(scale + c) + (shift ? load<T>(shift + c) : <T>0));
    }
  }
}

/** gIn (rows×size, stride ldgi) (+)= g (stride ldg) · scale[c]: the transpose (a diagonal map). */
export function affineTranspose<T>(rows: i32, size: i32, channels: i32, g: usize, ldg: i32, scale: usize, gIn: usize, ldgi: i32, accumulate: i32): void {
  const t = sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const gr = g + <usize>r * <usize>ldg * t, ir = gIn + <usize>r * <usize>ldgi * t;
    for (let i = 0; i < size; i++) {
      const v = load<T>(gr + <usize>i * t) * load<T>(scale + <usize>(i % channels) * t);
      const o = ir + <usize>i * t;
      store<T>(o, accumulate ? load<T>(o) + v : v);
    }
  }
}
