// The batch analyses on network graphs (residual adds, fan-out, concat, batchNorm, every pooling kind): the
// engine's float32 results against the float64 twin over the compiled graph and against referenceForward.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEngine, Model, type Engine } from "../../src/index.js";
import { compileNetwork, valueBlock } from "../../src/model/compile.js";
import { finiteDifferenceJacobian, referenceForward, softmax } from "../../src/reference/forward.js";
import { graphForward, graphVjp } from "../../src/reference/graph.js";
import { randomGraph, randomInput } from "../support/graphs.js";

let engines: Engine[];
beforeAll(async () => {
  engines = [await createEngine({ workers: 0 }), await createEngine({ workers: 1, chunkSize: 3 }), await createEngine({ workers: 2, chunkSize: 3 })];
});
afterAll(async () => {
  for (const e of engines) await e.close();
});

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

describe("batch analyses on network graphs", () => {
  const n = 7;
  for (const seed of [3, 4]) {
    const model = new Model(randomGraph(seed));
    const d = model.inputSize;
    const X = Float32Array.from(randomInput(seed, n * d));
    const xs = (i: number) => Float64Array.from(X.subarray(i * d, (i + 1) * d));

    test(`seed ${seed}: forward (logits, probs, every node's activations) against referenceForward`, async () => {
      const f = await engines[0].forward(model, X, { activations: true });
      for (let i = 0; i < n; i++) {
        const ref = referenceForward(model, xs(i));
        expect(relErr(f.logits.subarray(i * f.m, (i + 1) * f.m), ref.output)).toBeLessThan(1e-4);
        expect(relErr(f.probs.subarray(i * f.m, (i + 1) * f.m), softmax(ref.output))).toBeLessThan(1e-4);
        f.activations!.forEach((a, l) => {
          const size = ref.layerOutputs[l].length;
          expect(relErr(a.data.subarray(i * size, (i + 1) * size), ref.layerOutputs[l])).toBeLessThan(1e-4);
        });
      }
      // the patterns of the folded/fused compile equal those of the unfused one (activations asked)
      const plain = await engines[0].forward(model, X);
      expect(Array.from(plain.regionHash)).toEqual(Array.from(f.regionHash));
    });

    test(`seed ${seed}: Jacobians of logits, logprobs, probs and of named nodes (folded and fused ones too) against the float64 twin`, async () => {
      const net = compileNetwork(model);
      for (const output of ["logits", "logprobs", "probs"] as const) {
        const J = await engines[0].jacobian(model, X, { output });
        const [, m] = J.shape;
        for (let i = 0; i < n; i++) {
          const st = graphForward(net, xs(i));
          const eye = new Float64Array(m * m).map((_, k) => (k % (m + 1) === 0 ? 1 : 0));
          let ref = graphVjp(net, st, net.outputNode, eye, m);
          if (output !== "logits") {
            const b = valueBlock(net, net.outputNode);
            const p = softmax(st.values.subarray(b.offset, b.offset + b.size));
            const mean = new Float64Array(d);
            for (let r = 0; r < m; r++) for (let t = 0; t < d; t++) mean[t] += p[r] * ref[r * d + t];
            ref = ref.map((v, k) => (output === "probs" ? p[Math.floor(k / d)] : 1) * (v - mean[k % d]));
          }
          expect(relErr(J.data.subarray(i * m * d, (i + 1) * m * d), ref)).toBeLessThan(1e-4);
        }
      }
      // a conv whose batchNorm folds away and a dense whose activation fuses: their own outputs, by name
      const spec = model.layers;
      for (const name of [spec[0].name, spec.find((l) => l.type === "dense")!.name, spec.find((l) => l.type === "add")!.name]) {
        const l = spec.findIndex((x) => x.name === name);
        const J = await engines[0].jacobian(model, X.subarray(0, d), { output: { layer: name } });
        const fd = finiteDifferenceJacobian((x) => referenceForward(model, x).layerOutputs[l], xs(0));
        expect(J.shape[1]).toBe(referenceForward(model, xs(0)).layerOutputs[l].length);
        expect(relErr(J.data, fd)).toBeLessThan(1e-3);
      }
    });

    test(`seed ${seed}: 0, 1 and 2 workers give bit-identical forward, Jacobian, DIM and pullback results`, async () => {
      const results = await Promise.all(
        engines.map(async (e) => [await e.forward(model, X), await e.jacobian(model, X, { output: "probs" }), await e.dim(model, X), await e.pullbackMetric(model, X, { layer: model.layers[3].name })] as const),
      );
      for (const [f, j, dm, pb] of results.slice(1)) {
        expect(Array.from(f.regionHash)).toEqual(Array.from(results[0][0].regionHash));
        expect(Buffer.from(j.data.buffer).equals(Buffer.from(results[0][1].data.buffer))).toBe(true);
        expect(Buffer.from(dm.eigenvalues.buffer).equals(Buffer.from(results[0][2].eigenvalues.buffer))).toBe(true);
        expect(Buffer.from(pb.eigenvalues.buffer).equals(Buffer.from(results[0][3].eigenvalues.buffer))).toBe(true);
      }
    });
  }
});
