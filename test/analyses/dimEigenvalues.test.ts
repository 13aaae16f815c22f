/**
 * engine.dim with `eigenvectors: false` (src/analyses/dimEigenvalues.ts: the eigenvalues without forming J)
 * against the float64 twin (src/reference/dim.ts: float64 forward and Jacobian on the compiled graph, K = Fᵀ J Jᵀ F,
 * cyclic Jacobi) and against engine.dim's J-based route: on a dense-first MLP (the per-model Gram route), a
 * widening MLP and conv-first CNNs (the input route), with saturated softmaxes, C = 2, a bottleneck, and 0, 1
 * and 2 workers.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEngine, Model, type Engine } from "../../src/index.js";
import { compileNetwork } from "../../src/model/compile.js";
import { referenceDimEigenvalues } from "../../src/reference/dim.js";
import { gramNode } from "../../src/analyses/dimEigenvalues.js";
import { randomWeights, randomCnn, randomMlp, randomPoints } from "../support/models.js";
import type { Layer } from "../../src/model/types.js";

let engines: Engine[];
beforeAll(async () => {
  engines = [await createEngine({ workers: 0 }), await createEngine({ workers: 1, chunkSize: 3 }), await createEngine({ workers: 2, chunkSize: 3 })];
});
afterAll(async () => {
  for (const e of engines) await e.close();
});

/** The model with its last (logit) layer scaled by s: the softmax saturates as s grows. */
function sharpened(model: Model, s: number): Model {
  const last = model.layers.length - 1;
  const layers = model.layers.map((l, i) =>
    i === last && l.type === "dense" ? { ...l, kernel: Float64Array.from(l.kernel as ArrayLike<number>, (v) => v * s), bias: Float64Array.from(l.bias as ArrayLike<number>, (v) => v * s) } : l);
  return new Model({ inputShape: model.inputShape, layers, head: model.head });
}

/** The DIM authors' MNIST CNN shape (conv 3×3 → relu → conv 3×3 → relu → avg pool 2 → dense relu → dense), scaled down. */
function authorsCnn(size: number, c1: number, c2: number, hidden: number, classes: number, seed: number): Model {
  const conv = (i: number, inC: number, outC: number): Layer => ({
    type: "conv2d", filters: outC, kernelSize: [3, 3], strides: [1, 1], padding: "valid",
    kernel: randomWeights(seed * 10 + i, 9 * inC * outC, Math.sqrt(2 / (9 * inC))), bias: randomWeights(seed * 10 + 5 + i, outC, 0.1), activation: "relu",
  });
  const flat = ((size - 4) / 2) ** 2 * c2;
  return new Model({
    inputShape: [size, size, 1], head: "softmax",
    layers: [conv(0, 1, c1), conv(1, c1, c2), { type: "avgPool2d", poolSize: [2, 2], strides: [2, 2], padding: "valid" }, { type: "flatten" },
      { type: "dense", units: hidden, kernel: randomWeights(seed * 10 + 2, flat * hidden, Math.sqrt(2 / flat)), bias: randomWeights(seed * 10 + 7, hidden, 0.1), activation: "relu" },
      { type: "dense", units: classes, kernel: randomWeights(seed * 10 + 3, hidden * classes, Math.sqrt(2 / hidden)), bias: new Float64Array(classes), activation: "linear" }],
  });
}

const CASES: [string, Model, number][] = [
  ["dense-first MLP 48-20-16-10 (Gram at node 0)", randomMlp([48, 20, 16, 10], 5), 0],
  ["dense-first MLP, saturated (logits × 12)", sharpened(randomMlp([48, 20, 16, 10], 5), 12), 0],
  ["leakyRelu MLP 30-12-10 (Gram, no skipped units)", randomMlp([30, 12, 10], 6, "leakyRelu", "softmax", 0.1), 0],
  ["widening MLP 12-32-32-10 (input route)", randomMlp([12, 32, 32, 10], 3), -1],
  ["CNN 12×12 conv-maxpool-conv-avgpool-dense (input route)", randomCnn(12, 12, 1, 10, 2), -1],
  ["authors' CNN shape 14×14, conv 6 → conv 8 → avgpool → dense 16 → 10 (input route)", authorsCnn(14, 6, 8, 16, 10, 4), -1],
  ["authors' CNN shape, saturated (logits × 10)", sharpened(authorsCnn(14, 6, 8, 16, 10, 4), 10), -1],
  ["C = 2, dense-first 10-6-2 (Gram)", randomMlp([10, 6, 2], 7), 0],
  ["C = 2, widening 4-8-2 (input route)", randomMlp([4, 8, 2], 8), -1],
  ["C = 2 saturated (logits × 40)", sharpened(randomMlp([10, 6, 2], 7), 40), 0],
  ["one dense layer 20 → 4 (the Gram is H itself: no node is transposed)", randomMlp([20, 4], 9), 0],
];

describe("DIM eigenvalues without forming J", () => {
  test.each(CASES)("%s: equal to the float64 reference to 1e-5 relative where resolved; ranks and eigenvalues as engine.dim's", async (_name, model, node) => {
    const d = model.inputSize, n = 12;
    const net = compileNetwork(model);
    expect(gramNode(net)).toBe(node);
    const X = randomPoints(n, d, 31, 0, 1);
    const res = await engines[0].dim(model, X, { eigenvectors: false });
    const full = await engines[0].dim(model, X);
    const r = res.r;
    expect(r).toBe(full.r);
    expect(res.eigenvectors.length).toBe(0);
    let checked = 0;
    for (let i = 0; i < n; i++) {
      const ref = referenceDimEigenvalues(net, X.subarray(i * d, (i + 1) * d));
      const top = ref.eigenvalues[0];
      expect(res.rank[i]).toBe(full.rank[i]);
      for (let c = 0; c < res.C; c++) expect(res.probs[i * res.C + c]).toBe(full.probs[i * res.C + c]);
      for (let j = 0; j < r; j++) {
        const lam = res.eigenvalues[i * r + j];
        expect(lam).toBeGreaterThanOrEqual(0);
        // the J-based route's own float32 rounding bounds the agreement of the two routes
        expect(Math.abs(lam - full.eigenvalues[i * r + j])).toBeLessThanOrEqual(1e-5 * full.eigenvalues[i * r + j] + 1e-12 * top);
        // Resolved: counted by the rank (above its float32 floor) and ≥ 1e-8 λ₁ — forming K in float64 leaves an
        // absolute error of ~1e2·eps64·λ₁ on every eigenvalue, so no float64 route resolves smaller ones to 1e-5.
        if (j < res.rank[i] && ref.eigenvalues[j] >= 1e-8 * top) {
          expect(Math.abs(lam - ref.eigenvalues[j])).toBeLessThanOrEqual(1e-5 * ref.eigenvalues[j]);
          checked++;
        } else if (j < res.rank[i]) expect(Math.abs(lam - ref.eigenvalues[j])).toBeLessThanOrEqual(1e-5 * ref.eigenvalues[j] + 1e-13 * top);
        else expect(lam).toBeLessThan(1e-6 * top + 1e-300);
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  test("saturated softmax: the rank drops with the probabilities, as engine.dim's; exactly-0 probabilities drop out", async () => {
    const base = randomMlp([40, 16, 16, 10], 3);
    const X = randomPoints(30, 40, 5, 0, 1);
    let lower = 0;
    for (const s of [1, 30, 3000]) {
      const model = sharpened(base, s);
      const [a, b] = [await engines[0].dim(model, X, { eigenvectors: false }), await engines[0].dim(model, X)];
      expect(Array.from(a.rank)).toEqual(Array.from(b.rank));
      for (let i = 0; i < 30; i++) if (a.rank[i] < 9) lower++;
    }
    expect(lower).toBeGreaterThan(0);
  });

  test("a width-2 bottleneck behind a narrowing first layer: rank 2 on both routes", async () => {
    const model = randomMlp([12, 2, 16, 6], 8, "leakyRelu", "softmax", 0.2);
    expect(gramNode(compileNetwork(model))).toBe(0);
    const X = randomPoints(10, 12, 2);
    const res = await engines[0].dim(model, X, { eigenvectors: false });
    for (let i = 0; i < res.n; i++) {
      expect(res.rank[i]).toBe(2);
      expect(res.eigenvalues[i * 5 + 2]).toBeLessThan(1e-10 * res.eigenvalues[i * 5]);
    }
  });

  test("0, 1 and 2 workers give bit-identical eigenvalues, ranks and probabilities", async () => {
    for (const model of [randomMlp([48, 20, 16, 10], 5), authorsCnn(14, 6, 8, 16, 10, 4)]) {
      const X = randomPoints(11, model.inputSize, 17, 0, 1);
      const [a, b, c] = await Promise.all(engines.map((e) => e.dim(model, X, { eigenvectors: false })));
      for (const o of [b, c]) {
        expect(Array.from(o.eigenvalues)).toEqual(Array.from(a.eigenvalues));
        expect(Array.from(o.rank)).toEqual(Array.from(a.rank));
        expect(Array.from(o.probs)).toEqual(Array.from(a.probs));
      }
    }
  });

  test("dimSpectrum runs on this route: its eigenvalues are engine.dim's with eigenvectors: false", async () => {
    const model = randomMlp([48, 20, 16, 10], 5);
    const X = randomPoints(6, 48, 3, 0, 1);
    const [s, e] = [await engines[0].dimSpectrum(model, X), await engines[0].dim(model, X, { eigenvectors: false })];
    for (let i = 0; i < 6 * 9; i++) expect(s.logEigenvalues[i]).toBe(Math.max(-20, Math.log10(e.eigenvalues[i])));
    expect(Array.from(s.rank)).toEqual(Array.from(e.rank));
  });

  test("typed errors on bad input, as engine.dim", async () => {
    const model = randomMlp([8, 6, 3], 2);
    const X = randomPoints(2, 8, 1);
    await expect(engines[0].dim(model, X, { eigenvectors: "no" as unknown as boolean })).rejects.toThrow(/eigenvectors must be true or false/);
    await expect(engines[0].dim(model, X, { eigenvectors: false, rankTol: 2 })).rejects.toThrow(/rankTol/);
    await expect(engines[0].dim(randomMlp([8, 6, 1], 2, "relu", "none"), X, { eigenvectors: false })).rejects.toThrow(/at least 2 outputs/);
    await expect(engines[0].dim(model, new Float32Array(7), { eigenvectors: false })).rejects.toThrow();
    await expect(engines[1].dim(model, X, { eigenvectors: false, rankTol: -1 })).rejects.toThrow(/rankTol/);
  });
});

describe("the Gram kernels", () => {
  test("denseWeightGramF64 equals Wᵀ W (float64 twin); graphVjpTo + preactivationGramF32 and rowGramF32 give H = J Jᵀ of the twin", async () => {
    const { Arena } = await import("../../src/engine/arena.js");
    const { uploadNetwork } = await import("../../src/engine/network.js");
    const { referenceWeightGram } = await import("../../src/reference/dim.js");
    const arena = await Arena.create();
    type K = Record<string, (...a: number[]) => number>;
    const k = arena.exports as unknown as K;
    for (const [model, stop] of [[randomMlp([30, 12, 9, 5], 11), 0], [randomMlp([30, 12, 9, 5], 11), -1], [authorsCnn(14, 6, 8, 16, 10, 4), -1]] as [Model, number][]) {
      const net = compileNetwork(model);
      const up = uploadNetwork(arena, net);
      const C = net.outputSize, d = net.inputSize;
      const h = stop === 0 ? net.shapes[0][0] : d;
      let G = 0;
      if (stop === 0) {
        G = arena.allocF64(h * h);
        k.denseWeightGramF64(up.f64, 0, G);
        const ref = referenceWeightGram(net, 0), got = arena.f64(G, h * h);
        for (let e = 0; e < h * h; e++) expect(Math.abs(got[e] - ref[e])).toBeLessThanOrEqual(1e-12 * Math.abs(ref[e]) + 1e-14);
      }
      const X = randomPoints(4, d, 23, 0, 1);
      for (let i = 0; i < 4; i++) {
        const x = X.subarray(i * d, (i + 1) * d);
        const H = arena.scoped(() => {
          const values = arena.allocF32(net.valueSize), pre = arena.allocF32(Math.max(1, net.preSize)), am = arena.allocI32(Math.max(1, net.argSize));
          k.graphForwardF32(up.f32, arena.putF32(x), 1, values, pre, am);
          const gout = arena.allocF32(C * h), work = arena.alloc(k.graphVjpWorkBytesF32(up.f32, C)), Hp = arena.allocF64(C * C);
          k.graphVjpToF32(up.f32, values, pre, am, C, net.outputNode, stop, 0, gout, work);
          if (stop === 0) k.preactivationGramF32(C, h, gout, pre, 1, 0, G, Hp, arena.alloc(k.preactivationGramWorkBytes(C, h)));
          else k.rowGramF32(C, h, gout, Hp);
          return Float64Array.from(arena.f64(Hp, C * C));
        });
        const ref = referenceDimEigenvalues(net, x).gram;
        const scale = Math.max(...Array.from(ref, Math.abs));
        for (let e = 0; e < C * C; e++) expect(Math.abs(H[e] - ref[e])).toBeLessThanOrEqual(2e-6 * scale);
      }
    }
  });
});
