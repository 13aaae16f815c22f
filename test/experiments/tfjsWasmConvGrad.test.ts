import { describe, expect, test } from "vitest";
import { tf } from "../../src/tfjsQuiet.js";
import "@tensorflow/tfjs-backend-wasm";
import { registerWasmConv2dBackpropFilter } from "../../src/experiments/tfjsWasmConvGrad.js";

/** Filter gradient of Σ (conv2d(x, w) ⊙ g) on a backend: dW. */
async function filterGrad(backend: string, pad: "valid" | "same") {
  await tf.setBackend(backend);
  const x = tf.tensor4d(Array.from({ length: 2 * 6 * 5 * 3 }, (_, i) => Math.sin(i)), [2, 6, 5, 3]);
  const w = tf.tensor4d(Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i)), [3, 3, 3, 4]);
  const oh = pad === "same" ? 6 : 4, ow = pad === "same" ? 5 : 3;
  const g = tf.tensor4d(Array.from({ length: 2 * oh * ow * 4 }, (_, i) => Math.sin(0.7 * i + 1)), [2, oh, ow, 4]);
  const dw = tf.grad((ww: tf.Tensor4D) => tf.sum(tf.mul(tf.conv2d(x, ww, 1, pad), g)))(w);
  const out = Array.from(await dw.data());
  tf.dispose([x, w, g, dw]);
  return out;
}

describe("Conv2DBackpropFilter for the tfjs wasm backend", () => {
  test.each(["valid", "same"] as const)("equals the cpu backend's filter gradient (%s padding)", async (pad) => {
    registerWasmConv2dBackpropFilter(tf);
    const cpu = await filterGrad("cpu", pad);
    const wasm = await filterGrad("wasm", pad);
    expect(wasm.length).toBe(108);
    for (let i = 0; i < cpu.length; i++) expect(Math.abs(wasm[i] - cpu[i])).toBeLessThan(1e-4 * (1 + Math.abs(cpu[i])));
  });
});
