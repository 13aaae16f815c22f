// Pointwise activations. Kind codes (shared with src/engine/plan.ts):
// 0 linear, 1 relu, 2 leakyRelu, 3 sigmoid, 4 tanh, 5 softplus.

export const ACT_LINEAR: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_LEAKY: i32 = 2;
export const ACT_SIGMOID: i32 = 3;
export const ACT_TANH: i32 = 4;
export const ACT_SOFTPLUS: i32 = 5;

/**
 * a = f(z) and s = f'(z) elementwise over len f32 values (z, a, s may not alias each other except a == z).
 * s is the diagonal of the activation's Jacobian; for relu it is exactly 0 or 1, which the Jacobian kernels
 * use to skip inactive units. f'(0) is taken as 0 for relu (the unit is inactive at its kink).
 */
export function activationF32(kind: i32, alpha: f32, z: usize, a: usize, s: usize, len: i32): void {
  if (kind == ACT_RELU || kind == ACT_LEAKY || kind == ACT_LINEAR) {
    const lo: f32 = kind == ACT_RELU ? 0 : kind == ACT_LEAKY ? alpha : 1;
    const vlo = f32x4.splat(lo);
    const one = f32x4.splat(1);
    const zero = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      const vz = v128.load(z + o);
      const pos = f32x4.gt(vz, zero);
      const vs = v128.bitselect(one, vlo, pos);
      v128.store(s + o, vs);
      v128.store(a + o, f32x4.mul(vz, vs));
    }
    for (; i < len; i++) {
      const o = <usize>i << 2;
      const x = load<f32>(z + o);
      const d: f32 = x > 0 ? 1 : lo;
      store<f32>(s + o, d);
      store<f32>(a + o, x * d);
    }
    return;
  }
  for (let i = 0; i < len; i++) {
    const o = <usize>i << 2;
    const x = <f64>load<f32>(z + o);
    let y: f64, d: f64;
    if (kind == ACT_SIGMOID) {
      y = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
      d = y * (1 - y);
    } else if (kind == ACT_TANH) {
      y = Math.tanh(x);
      d = 1 - y * y;
    } else {
      // softplus: log(1 + e^x) = max(x, 0) + log1p(e^-|x|); derivative sigmoid(x)
      y = Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
      d = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
    store<f32>(a + o, <f32>y);
    store<f32>(s + o, <f32>d);
  }
}

/** Multiply each row of G (rows×len, stride ldg, f32) elementwise by s (len): G ← G · diag(s). */
export function scaleColumnsF32(rows: i32, len: i32, g: usize, ldg: i32, s: usize): void {
  for (let r = 0; r < rows; r++) {
    const row = g + (<usize>(r * ldg) << 2);
    let i = 0;
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      v128.store(row + o, f32x4.mul(v128.load(row + o), v128.load(s + o)));
    }
    for (; i < len; i++) {
      const o = <usize>i << 2;
      store<f32>(row + o, load<f32>(row + o) * load<f32>(s + o));
    }
  }
}

/** Fill each of m rows of C (stride ldc) with the vector bias (n f32): the start of C = X·W + b. */
export function broadcastRowsF32(m: i32, n: i32, bias: usize, c: usize, ldc: i32): void {
  for (let r = 0; r < m; r++) memory.copy(c + (<usize>(r * ldc) << 2), bias, <usize>n << 2);
}
