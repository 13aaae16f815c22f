// Pointwise activations, generic over T ∈ {f32, f64}. Kind codes: the ACT_* constants of graph/opcodes.ts
// (linear 0, relu 1, leakyRelu 2, sigmoid 3, tanh 4, softplus 5), mirrored from src/model/opcodes.ts.
// Piecewise-linear kinds run in SIMD (f32x4 / f64x2); smooth kinds evaluate in f64 (one formula each).
import { ACT_LEAKY, ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_SOFTPLUS, ACT_TANH } from "./graph/opcodes";

export { ACT_LEAKY, ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_SOFTPLUS };

// @ts-ignore: decorator
@inline function sigmoid(x: f64): f64 {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** f(x) of a smooth kind (sigmoid, tanh, softplus = max(x, 0) + log1p(e^−|x|)). */
// @ts-ignore: decorator
@inline function smooth(kind: i32, x: f64): f64 {
  if (kind == ACT_SIGMOID) return sigmoid(x);
  if (kind == ACT_TANH) return Math.tanh(x);
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** f'(x) of a smooth kind (softplus' = sigmoid). */
// @ts-ignore: decorator
@inline function smoothDerivative(kind: i32, x: f64): f64 {
  if (kind == ACT_SIGMOID) {
    const y = sigmoid(x);
    return y * (1 - y);
  }
  if (kind == ACT_TANH) {
    const y = Math.tanh(x);
    return 1 - y * y;
  }
  return sigmoid(x);
}

/** Slope below zero of a piecewise-linear kind: relu 0, leakyRelu alpha, linear 1. */
// @ts-ignore: decorator
@inline function lowSlope(kind: i32, alpha: f64): f64 {
  return kind == ACT_RELU ? 0 : kind == ACT_LEAKY ? alpha : 1;
}

/** f'(z) at one value (relu: 1 if z > 0 else 0, so inactive units are exactly 0). */
// @ts-ignore: decorator
@inline export function activationDerivativeAt(kind: i32, alpha: f64, z: f64): f64 {
  if (kind <= ACT_LEAKY) return z > 0 ? 1 : lowSlope(kind, alpha);
  return smoothDerivative(kind, z);
}

/**
 * dst[i] = f'(z[i]) · src[i] over len T values (src == 0: dst[i] = f'(z[i]), the derivative itself). dst may
 * alias src or z. The JVP/VJP step through an activation under a frozen pattern.
 */
export function activationScale<T>(kind: i32, alpha: f64, z: usize, src: usize, dst: usize, len: i32): void {
  const size = sizeof<T>();
  if (kind <= ACT_LEAKY) {
    const one = v128.splat<T>(<T>1);
    const vlo = v128.splat<T>(<T>lowSlope(kind, alpha));
    const zero = v128.splat<T>(<T>0);
    const lanes = 16 / <i32>size;
    let i = 0;
    for (; i + lanes <= len; i += lanes) {
      const o = <usize>i * size;
      const s = v128.bitselect(one, vlo, v128.gt<T>(v128.load(z + o), zero));
      v128.store(dst + o, src ? v128.mul<T>(s, v128.load(src + o)) : s);
    }
    for (; i < len; i++) {
      const o = <usize>i * size;
      const s = <T>(load<T>(z + o) > <T>0 ? 1 : lowSlope(kind, alpha));
      store<T>(dst + o, src ? s * load<T>(src + o) : s);
    }
    return;
  }
  for (let i = 0; i < len; i++) {
    const o = <usize>i * size;
    const s = smoothDerivative(kind, <f64>load<T>(z + o));
    store<T>(dst + o, <T>(src ? s * <f64>load<T>(src + o) : s));
  }
}

/** a[i] = f(z[i]) over len T values (a may alias z). */
export function activationForward<T>(kind: i32, alpha: f64, z: usize, a: usize, len: i32): void {
  const size = sizeof<T>();
  if (kind <= ACT_LEAKY) {
    const one = v128.splat<T>(<T>1);
    const vlo = v128.splat<T>(<T>lowSlope(kind, alpha));
    const zero = v128.splat<T>(<T>0);
    const lanes = 16 / <i32>size;
    let i = 0;
    for (; i + lanes <= len; i += lanes) {
      const o = <usize>i * size;
      const vz = v128.load(z + o);
      v128.store(a + o, v128.mul<T>(vz, v128.bitselect(one, vlo, v128.gt<T>(vz, zero))));
    }
    for (; i < len; i++) {
      const o = <usize>i * size;
      const x = load<T>(z + o);
      store<T>(a + o, x > <T>0 ? x : <T>(<f64>x * lowSlope(kind, alpha)));
    }
    return;
  }
  for (let i = 0; i < len; i++) {
    const o = <usize>i * size;
    store<T>(a + o, <T>smooth(kind, <f64>load<T>(z + o)));
  }
}
