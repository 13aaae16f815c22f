// A dense network in float64 for the leaf walks (assembly/leaf.ts): forward pass with the activation
// pattern, tangents, Jacobian and single-unit gradients at one point.
//
// Network table (`net`, L rows of 6 f64): nIn, nOut, activation code (0 linear, 1 relu, 2 leakyRelu,
// 3 sigmoid, 4 tanh, 5 softplus), byte pointer of W (nOut×nIn f64, row-major: row j = weights into unit j),
// byte pointer of the bias (nOut f64), alpha (leakyRelu slope). Unit values of all layers are stored
// concatenated (U = Σ nOut): z (pre-activations), a (outputs), s (activation derivatives).
// Pattern bits: one per relu/leakyRelu unit, in layer order, bit set = the unit is on (engine convention).

import { axpyF64, dotF64 } from "./vector64";

const ROW: usize = 6 * 8;

@inline export function lf(net: usize, l: i32, f: i32): f64 {
  return load<f64>(net + <usize>l * ROW + (<usize>f << 3));
}

@inline export function bitOf(bits: usize, b: i32): bool {
  return ((load<u32>(bits + (<usize>(b >>> 5) << 2)) >>> (b & 31)) & 1) != 0;
}

@inline export function flipBit(bits: usize, b: i32): void {
  const w = bits + (<usize>(b >>> 5) << 2);
  store<u32>(w, load<u32>(w) ^ (1 << (b & 31)));
}


/**
 * Forward pass at x (d f64). Writes z, a, s (U f64 each). With `frozen` = 0 the pattern bits (zeroed here)
 * are set from the signs (z > 0); with `frozen` = 1 they are read, and relu/leakyRelu units use them for
 * both their value and derivative (the network's affine extension of that region). Returns the byte
 * pointer of the last layer's outputs inside `a`.
 */
export function netForwardF64(net: usize, layers: i32, x: usize, z: usize, a: usize, s: usize, bits: usize, words: i32, frozen: i32): usize {
  if (!frozen) for (let w = 0; w < words; w++) store<u32>(bits + (<usize>w << 2), 0);
  let input = x;
  let unit = 0;
  let bit = 0;
  let last: usize = a;
  for (let l = 0; l < layers; l++) {
    const nIn = <i32>lf(net, l, 0), nOut = <i32>lf(net, l, 1), act = <i32>lf(net, l, 2);
    const W = <usize>lf(net, l, 3), B = <usize>lf(net, l, 4), alpha = lf(net, l, 5);
    const zl = z + (<usize>unit << 3), al = a + (<usize>unit << 3), sl = s + (<usize>unit << 3);
    for (let j = 0; j < nOut; j++) {
      const zj = load<f64>(B + (<usize>j << 3)) + dotF64(W + <usize>j * <usize>nIn * 8, input, nIn);
      store<f64>(zl + (<usize>j << 3), zj);
      let aj = zj, sj = 1.0;
      if (act == 1 || act == 2) {
        const slope = act == 1 ? 0.0 : alpha;
        let on: bool;
        if (frozen) on = bitOf(bits, bit + j);
        else {
          on = zj > 0;
          if (on) flipBit(bits, bit + j);
        }
        sj = on ? 1.0 : slope;
        aj = sj * zj;
      } else if (act == 3) {
        aj = 1 / (1 + Math.exp(-zj));
        sj = aj * (1 - aj);
      } else if (act == 4) {
        aj = Math.tanh(zj);
        sj = 1 - aj * aj;
      } else if (act == 5) {
        aj = zj > 30 ? zj : Math.log1p(Math.exp(zj));
        sj = 1 / (1 + Math.exp(-zj));
      }
      store<f64>(al + (<usize>j << 3), aj);
      store<f64>(sl + (<usize>j << 3), sj);
    }
    if (act == 1 || act == 2) bit += nOut;
    input = al;
    last = al;
    unit += nOut;
  }
  return last;
}

/**
 * Outputs and derivatives (a, s; U f64 each) from the pre-activations z and the frozen pattern bits,
 * O(U): the piecewise-linear network's values after z was moved along a segment (z ← z + t·dz).
 */
export function netApplyPatternF64(net: usize, layers: i32, z: usize, a: usize, s: usize, bits: usize): void {
  let unit = 0, bit = 0;
  for (let l = 0; l < layers; l++) {
    const nOut = <i32>lf(net, l, 1), act = <i32>lf(net, l, 2);
    const slope = act == 2 ? lf(net, l, 5) : 0.0;
    for (let j = 0; j < nOut; j++) {
      const o = <usize>(unit + j) << 3;
      let sj = 1.0;
      if (act == 1 || act == 2) sj = bitOf(bits, bit + j) ? 1.0 : slope;
      store<f64>(s + o, sj);
      store<f64>(a + o, sj * load<f64>(z + o));
    }
    if (act == 1 || act == 2) bit += nOut;
    unit += nOut;
  }
}

/** Directional derivative of every pre-activation along u (d f64) with derivatives s: writes dz (U f64). */
export function netTangentF64(net: usize, layers: i32, u: usize, s: usize, dz: usize, da: usize): void {
  // da holds the previous layer's output derivative (U f64 scratch, same offsets as dz).
  let input = u;
  let unit = 0;
  for (let l = 0; l < layers; l++) {
    const nIn = <i32>lf(net, l, 0), nOut = <i32>lf(net, l, 1);
    const W = <usize>lf(net, l, 3);
    for (let j = 0; j < nOut; j++) {
      const v = dotF64(W + <usize>j * <usize>nIn * 8, input, nIn);
      const o = <usize>(unit + j) << 3;
      store<f64>(dz + o, v);
      store<f64>(da + o, v * load<f64>(s + o));
    }
    input = da + (<usize>unit << 3);
    unit += nOut;
  }
}

/**
 * Jacobian (m×d f64, row-major, m = nOut of layer `target`) of layer `target`'s output with respect to the
 * input, by reverse products with the derivatives s: G ← (G · diag s_l) · W_l from G = I. `g0`, `g1`:
 * scratch of m × (widest layer or input) f64 each. Returns the pointer (g0 or g1) holding J.
 */
export function netJacobianF64(net: usize, layers: i32, target: i32, s: usize, g0: usize, g1: usize): usize {
  const m = <i32>lf(net, target, 1);
  let unit = 0;
  for (let l = 0; l < target; l++) unit += <i32>lf(net, l, 1);
  let G = g0, H = g1;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) store<f64>(G + (<usize>(i * m + j) << 3), i == j ? 1.0 : 0.0);
  for (let l = target; l >= 0; l--) {
    const nIn = <i32>lf(net, l, 0), nOut = <i32>lf(net, l, 1), act = <i32>lf(net, l, 2);
    const W = <usize>lf(net, l, 3);
    const sl = s + (<usize>unit << 3);
    for (let i = 0; i < m; i++) {
      const gi = G + <usize>i * <usize>nOut * 8, hi = H + <usize>i * <usize>nIn * 8;
      for (let k = 0; k < nIn; k++) store<f64>(hi + (<usize>k << 3), 0);
      for (let o = 0; o < nOut; o++) {
        let c = load<f64>(gi + (<usize>o << 3));
        if (act != 0) c *= load<f64>(sl + (<usize>o << 3));
        if (c != 0) axpyF64(c, W + <usize>o * <usize>nIn * 8, hi, nIn);
      }
    }
    const t = G;
    G = H;
    H = t;
    if (l > 0) unit -= <i32>lf(net, l - 1, 1);
  }
  return G;
}

/** The layer holding the relu/leakyRelu unit with pattern bit `bit` (bits count those units in layer order), or −1. */
export function layerOfBit(net: usize, layers: i32, bit: i32): i32 {
  let b = 0;
  for (let l = 0; l < layers; l++) {
    const act = <i32>lf(net, l, 2);
    if (act != 1 && act != 2) continue;
    b += <i32>lf(net, l, 1);
    if (bit < b) return l;
  }
  return -1;
}

/** Units of the layers before `layer` (its first unit's index in z, a, s). */
export function unitsBefore(net: usize, layer: i32): i32 {
  let u = 0;
  for (let l = 0; l < layer; l++) u += <i32>lf(net, l, 1);
  return u;
}

/** Pattern bits of the relu/leakyRelu layers before `layer` (its first unit's bit). */
export function bitsBefore(net: usize, layer: i32): i32 {
  let b = 0;
  for (let l = 0; l < layer; l++) {
    const act = <i32>lf(net, l, 2);
    if (act == 1 || act == 2) b += <i32>lf(net, l, 1);
  }
  return b;
}

/**
 * Gradient (d f64, into `out`) of the pre-activation of the relu/leakyRelu unit with pattern bit `bit`,
 * with the derivatives s of the current region. `g`, `h`: scratch of the widest layer (f64 each).
 * Returns 0 when no unit has that bit.
 */
export function netUnitGradientF64(net: usize, layers: i32, bit: i32, s: usize, g: usize, h: usize, out: usize): i32 {
  const layer = layerOfBit(net, layers, bit);
  if (layer < 0) return 0;
  let unit = unitsBefore(net, layer);
  const j = bit - bitsBefore(net, layer);
  // Row j of W_layer, then back through the layers below: v ← (v ⊙ s_(l)) W_l.
  let nIn = <i32>lf(net, layer, 0);
  memory.copy(g, <usize>lf(net, layer, 3) + <usize>j * <usize>nIn * 8, <usize>nIn * 8);
  for (let l = layer - 1; l >= 0; l--) {
    const li = <i32>lf(net, l, 0), lo = <i32>lf(net, l, 1), act = <i32>lf(net, l, 2);
    const W = <usize>lf(net, l, 3);
    unit -= lo;
    for (let k = 0; k < li; k++) store<f64>(h + (<usize>k << 3), 0);
    for (let o = 0; o < lo; o++) {
      let c = load<f64>(g + (<usize>o << 3));
      if (act != 0) c *= load<f64>(s + (<usize>(unit + o) << 3));
      if (c != 0) axpyF64(c, W + <usize>o * <usize>li * 8, h, li);
    }
    memory.copy(g, h, <usize>li * 8);
    nIn = li;
  }
  memory.copy(out, g, <usize>nIn * 8);
  return 1;
}
