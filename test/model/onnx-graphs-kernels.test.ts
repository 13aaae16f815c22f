/**
 * The Wasm graph kernels (assembly/graph/network.ts: netForward, netVjp; float32 and float64 instances,
 * uploaded with src/engine/network.ts) on the imported PyTorch graphs of test/fixtures/onnx-graphs, against
 * PyTorch's float64 logits and Jacobians at all 32 points. This is the kernel layer the engine's forward and
 * jacobian are moving onto; until they do, it is how the ResNet's Jacobians are checked in Wasm. The
 * log-probability Jacobian is formed here from the kernel's logit Jacobian (J − 1·pᵀJ), as the engine's
 * softmax transform does.
 */
import { describe, expect, it } from "vitest";
import { Arena } from "../../src/engine/arena.js";
import { uploadNetwork, type GraphKernels } from "../../src/engine/network.js";
import { compileNetwork, valueBlock } from "../../src/model/compile.js";
import { softmax } from "../../src/reference/forward.js";
import { loadGraphCase, maxRelativeError, PYTORCH_GRAPHS } from "./pytorch-fixtures.js";

const measured: Record<string, Record<string, number>> = {};

describe.each(PYTORCH_GRAPHS)("Wasm graph kernels on the ONNX graph %s", (name) => {
  const c = loadGraphCase(name);
  for (const [precision, tolForward, tolJacobian] of [["f64", 1e-12, 1e-6], ["f32", 1e-4, 1e-3]] as const) {
    // f32 (the engine's bulk precision, the acceptance) at all 32 points; f64 on the ResNet at 8 (≈ 1 s a point today)
    const points = c.inputs.map((_, p) => p).slice(0, precision === "f64" && name === "resnet_cifar" ? 8 : 32);
    it(`${precision}: logits (${tolForward}) and Jacobians of logits and log-probabilities (${tolJacobian} relative) at ${points.length} points`, { timeout: 300_000 }, async () => {
      const arena = await Arena.create();
      const k = arena.kernels<GraphKernels>();
      const net = compileNetwork(c.model);
      const up = uploadNetwork(arena, net);
      const desc = up[precision];
      const bytes = precision === "f32" ? 4 : 8;
      const [forward, vjp, workBytes] = precision === "f32" ? [k.graphForwardF32, k.graphVjpF32, k.graphVjpWorkBytesF32] : [k.graphForwardF64, k.graphVjpF64, k.graphVjpWorkBytesF64];
      const view = (p: number, n: number) => (precision === "f32" ? arena.f32(p, n) : arena.f64(p, n));
      const m = net.outputSize;
      const out = valueBlock(net, net.outputNode); // the logits' place in a point's values
      const d = net.inputSize;
      const worst = { forward: 0, logits: 0, logprobs: 0 };
      for (const p of points) {
        arena.scoped(() => {
          const x = precision === "f32" ? arena.putF32(c.inputs[p]) : arena.putF64(c.inputs[p]);
          const values = arena.alloc(net.valueSize * bytes); // one point: valueSize
          const pre = arena.alloc(Math.max(1, net.preSize) * bytes);
          const argmax = arena.allocI32(Math.max(1, net.argSize));
          forward(desc, x, 1, values, pre, argmax);
          const gin = arena.alloc(m * d * bytes); // m×d: row i = ∂logit_i/∂x (identity cotangent: cot = 0)
          vjp(desc, values, pre, argmax, m, net.outputNode, 0, gin, arena.alloc(workBytes(desc, m)));
          const J = Float64Array.from(view(gin, m * d));
          const logits = Float64Array.from(view(values + out.offset * bytes, out.size));
          const prob = softmax(logits);
          const mean = new Float64Array(d); // pᵀJ
          for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) mean[j] += prob[i] * J[i * d + j];
          worst.forward = Math.max(worst.forward, maxRelativeError(logits, c.outputs[p]));
          worst.logits = Math.max(worst.logits, maxRelativeError(J, c.jacobianLogits[p]));
          worst.logprobs = Math.max(worst.logprobs, maxRelativeError(Float64Array.from(J, (v, q) => v - mean[q % d]), c.jacobianLogprobs[p]));
        });
      }
      Object.assign((measured[`${name} ${precision}`] ??= {}), worst);
      expect(worst.forward).toBeLessThan(tolForward);
      expect(worst.logits).toBeLessThan(tolJacobian);
      expect(worst.logprobs).toBeLessThan(tolJacobian);
    });
  }
});

it("report: Wasm graph kernels against PyTorch", () => {
  console.log(JSON.stringify(measured, null, 1));
  expect(Object.keys(measured)).toHaveLength(2 * PYTORCH_GRAPHS.length);
});
