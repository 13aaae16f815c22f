// Float64 dense networks for paths (SiMEC/SiMExp): forward pass keeping activation derivatives, and the
// exact input Jacobian by the masked product J = D_L W_L ⋯ D_1 W_1 (reverse order, m rows).
//
// A network is described by an i32 table `net` of NET_FIELDS ints per layer:
//   [nIn, nOut, act, kernel, kernelT, bias]
// with kernel = byte offset of the f64 [nIn, nOut] row-major matrix (y = x·K + b), kernelT of its transpose
// [nOut, nIn], bias of nOut f64. `alphas` holds one f64 per layer (leakyRelu slope; ignored otherwise).
// Activation codes are those of activation.ts.
import { gemmF64 } from "./gemm";
import { ACT_LEAKY, ACT_LINEAR, ACT_RELU, ACT_SIGMOID, ACT_SOFTPLUS, ACT_TANH } from "./activation";

/** i32 fields per layer in the network table. */
export const NET_FIELDS: i32 = 6;

@inline function field(net: usize, l: i32, f: i32): i32 {
  return load<i32>(net + (<usize>(l * NET_FIELDS + f) << 2));
}

/** Logistic function without overflow. */
@inline function sigmoid64(x: f64): f64 {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * Forward pass of one point x (d f64) through the L-layer network. Writes each layer's output a_l and the
 * derivative s_l = f'(z_l) of its activation at the pre-activation, concatenated: `acts` and `ders` each
 * hold Σ_l nOut_l f64 (layer 0 first). relu'(0) = 0, as in activation.ts.
 * Returns the byte offset of the last layer's output inside `acts`.
 */
export function denseForwardF64(net: usize, alphas: usize, layers: i32, x: usize, acts: usize, ders: usize): usize {
  let a = x;
  let off: usize = 0;
  for (let l = 0; l < layers; l++) {
    const nIn = field(net, l, 0), nOut = field(net, l, 1), act = field(net, l, 2);
    const k = <usize>field(net, l, 3), b = <usize>field(net, l, 5);
    const alpha = load<f64>(alphas + (<usize>l << 3));
    const z = acts + off;
    const s = ders + off;
    gemmF64(1, nOut, nIn, a, nIn, k, nOut, z, nOut, 0);
    for (let i = 0; i < nOut; i++) {
      const o = <usize>i << 3;
      const v = load<f64>(z + o) + load<f64>(b + o);
      let y: f64, dy: f64;
      if (act == ACT_LINEAR) { y = v; dy = 1; }
      else if (act == ACT_RELU) { y = v > 0 ? v : 0; dy = v > 0 ? 1 : 0; }
      else if (act == ACT_LEAKY) { dy = v > 0 ? 1 : alpha; y = v * dy; }
      else if (act == ACT_SIGMOID) { y = sigmoid64(v); dy = y * (1 - y); }
      else if (act == ACT_TANH) { y = Math.tanh(v); dy = 1 - y * y; }
      else { y = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))); dy = sigmoid64(v); } // softplus
      store<f64>(z + o, y);
      store<f64>(s + o, dy);
    }
    a = z;
    off += <usize>nOut << 3;
  }
  return a;
}

/**
 * Input Jacobian J (m×d f64, row-major, overwritten) of the last layer's output at the point whose
 * derivatives `ders` denseForwardF64 left. Reverse order: R = D_L W_L, then R ← (R D_l) W_l for l = L−1..1,
 * each product a gemmF64 against the transposed kernel. `work`: 2·m·maxWidth f64 (maxWidth over the layers'
 * inputs and outputs).
 */
export function denseJacobianF64(net: usize, layers: i32, ders: usize, jac: usize, work: usize): void {
  let off: usize = 0;
  for (let l = 0; l < layers - 1; l++) off += <usize>field(net, l, 1) << 3;
  const m = field(net, layers - 1, 1);
  let nIn = field(net, layers - 1, 0);
  let maxW = 0;
  for (let l = 0; l < layers; l++) maxW = max(maxW, max(field(net, l, 0), field(net, l, 1)));
  let r = layers == 1 ? jac : work;
  let spare = work + (<usize>(m * maxW) << 3);
  // R = D_L W_L: row i = s_L[i] · (row i of Kᵀ_L).
  const kt = <usize>field(net, layers - 1, 4);
  for (let i = 0; i < m; i++) {
    const si = load<f64>(ders + off + (<usize>i << 3));
    for (let j = 0; j < nIn; j++) store<f64>(r + (<usize>(i * nIn + j) << 3), si * load<f64>(kt + (<usize>(i * nIn + j) << 3)));
  }
  for (let l = layers - 2; l >= 0; l--) {
    const nOut = nIn; // layer l's outputs are layer l+1's inputs
    nIn = field(net, l, 0);
    off -= <usize>nOut << 3;
    for (let i = 0; i < m; i++) {
      const row = r + (<usize>(i * nOut) << 3);
      for (let j = 0; j < nOut; j++) store<f64>(row + (<usize>j << 3), load<f64>(row + (<usize>j << 3)) * load<f64>(ders + off + (<usize>j << 3)));
    }
    const dst = l == 0 ? jac : spare;
    gemmF64(m, nIn, nOut, r, nOut, <usize>field(net, l, 4), nIn, dst, nIn, 0);
    spare = r;
    r = dst;
  }
}
