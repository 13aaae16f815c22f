import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileNetwork, NOT_MATERIALIZED, nodeField, valueBlock } from "../../src/model/compile.js";
import * as O from "../../src/model/opcodes.js";
import { referenceForward } from "../../src/reference/forward.js";
import { graphForward } from "../../src/reference/graph.js";
import { normalizeSpec } from "../../src/model/graph.js";
import { randomGraph, randomInput } from "../support/graphs.js";
import type { LooseModelSpec } from "../../src/model/types.js";

const relDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-300);
};

describe("opcodes", () => {
  it("TS and assembly define the same constants", () => {
    const src = readFileSync(new URL("../../assembly/graph/opcodes.ts", import.meta.url), "utf8");
    const asm = new Map([...src.matchAll(/^export const ([A-Z0-9_]+): i32 = (-?\d+);/gm)].map((m) => [m[1], Number(m[2])]));
    const ts = Object.entries(O).filter(([, v]) => typeof v === "number");
    expect(ts.length).toBeGreaterThan(50);
    expect(asm.size).toBe(ts.length);
    for (const [k, v] of ts) expect([k, asm.get(k)]).toEqual([k, v]);
    // the activation kernels' codes are the same numbers
    const act = readFileSync(new URL("../../assembly/activation.ts", import.meta.url), "utf8");
    for (const m of act.matchAll(/^export const (ACT_[A-Z]+): i32 = (-?\d+);/gm)) expect(Number(m[2])).toBe((O as Record<string, unknown>)[m[1]]);
  });
});

describe("compileNetwork", () => {
  const chain: LooseModelSpec = {
    inputShape: [4, 4, 1],
    head: "softmax",
    layers: [
      { type: "conv2d", filters: 2, kernelSize: [3, 3], strides: [1, 1], padding: "valid", kernel: new Float64Array(18).fill(0.1), bias: new Float64Array(2), activation: "linear" },
      { type: "activation", activation: "relu" },
      { type: "flatten" },
      { type: "dense", units: 3, kernel: new Float64Array(24).fill(0.2), bias: new Float64Array(3), activation: "tanh" },
      { type: "activation", activation: "linear" },
      { type: "dense", units: 2, kernel: new Float64Array(6).fill(0.3), bias: new Float64Array(2), activation: "linear" },
    ],
  };

  it("fuses activations, aliases flatten and identity, and lays out blocks in order", () => {
    const net = compileNetwork(chain);
    expect(net.nodeCount).toBe(3);
    expect(Array.from(net.sourceToCompiled)).toEqual([NOT_MATERIALIZED, 0, 0, 1, 1, 2]);
    expect(net.sources).toEqual([["conv2d_0", "relu_1"], ["dense_3"], ["dense_5"]]);
    expect([nodeField(net, 0, O.F_OP), nodeField(net, 0, O.F_ACT), nodeField(net, 1, O.F_ACT)]).toEqual([O.OP_CONV, O.ACT_RELU, O.ACT_TANH]);
    expect(nodeField(net, 1, O.F_INPUT0)).toBe(0);
    expect([valueBlock(net, -1), valueBlock(net, 0), valueBlock(net, 1), valueBlock(net, 2)]).toEqual([
      { offset: 0, size: 16 }, { offset: 16, size: 8 }, { offset: 24, size: 3 }, { offset: 27, size: 2 }]);
    expect([net.valueSize, net.preSize, net.patternBits, net.patternWords, net.outputNode, net.outputSize]).toEqual([29, 11, 8, 1, 2, 2]);
    expect([nodeField(net, 0, O.F_PATTERN_OFFSET), nodeField(net, 1, O.F_PATTERN_OFFSET), nodeField(net, 2, O.F_PRE_OFFSET)]).toEqual([0, -1, -1]);
    // dense: [in, out] and the transpose [out, in]
    const w = nodeField(net, 1, O.F_WEIGHT_OFFSET), wt = nodeField(net, 1, O.F_WEIGHT_T_OFFSET);
    expect(Array.from(net.params.subarray(w, w + 24))).toEqual(new Array(24).fill(0.2));
    expect(Array.from(net.params.subarray(wt, wt + 24))).toEqual(new Array(24).fill(0.2));
  });

  it("keep materializes a node that fusion would hide", () => {
    const net = compileNetwork(chain, { keep: [0] });
    expect(net.nodeCount).toBe(4);
    expect(Array.from(net.sourceToCompiled)).toEqual([0, 1, 1, 2, 2, 3]);
    expect(nodeField(net, 1, O.F_OP)).toBe(O.OP_ACT);
  });

  it("a producer with two consumers is neither folded nor fused", () => {
    const spec: LooseModelSpec = {
      inputShape: [3], head: "none",
      layers: [
        { type: "dense", units: 2, kernel: Float64Array.of(1, 2, 3, 4, 5, 6), bias: Float64Array.of(0.1, 0.2), activation: "linear" },
        { type: "activation", activation: "relu" },
        { type: "batchNorm", inputs: [0], gamma: Float64Array.of(1, 2), beta: Float64Array.of(0, 1), mean: Float64Array.of(0.5, 0), variance: Float64Array.of(1, 4), epsilon: 0 },
        { type: "add", inputs: [1, 2], activation: "linear" },
      ],
    };
    const net = compileNetwork(spec);
    expect(Array.from({ length: net.nodeCount }, (_, k) => nodeField(net, k, O.F_OP))).toEqual([O.OP_DENSE, O.OP_ACT, O.OP_AFFINE, O.OP_ADD]);
  });

  it("batchNorm folding equals the unfolded graph within 1e-12 (every source node that stays materialized)", () => {
    for (let seed = 1; seed <= 8; seed++) {
      const spec = randomGraph(seed);
      const { spec: full } = normalizeSpec(spec);
      const x = randomInput(100 + seed, full.inputShape.reduce((a, b) => a * b, 1));
      const ref = referenceForward(spec, x);
      for (const foldBatchNorm of [true, false]) {
        const net = compileNetwork(spec, { foldBatchNorm });
        const ops = Array.from({ length: net.nodeCount }, (_, k) => nodeField(net, k, O.F_OP));
        const bns = full.layers.filter((l) => l.type === "batchNorm").length;
        expect(ops.filter((o) => o === O.OP_AFFINE).length).toBe(foldBatchNorm ? 1 : bns); // only the BN after the max pool (which has two consumers) stays affine
        const st = graphForward(net, x);
        let checked = 0;
        full.layers.forEach((_, i) => {
          const c = net.sourceToCompiled[i];
          if (c === NOT_MATERIALIZED) return;
          const b = valueBlock(net, c);
          expect(relDiff(st.values.subarray(b.offset, b.offset + b.size), ref.layerOutputs[i])).toBeLessThan(1e-12);
          checked++;
        });
        expect(checked).toBeGreaterThan(10);
        const out = valueBlock(net, net.outputNode);
        expect(relDiff(st.values.subarray(out.offset, out.offset + out.size), ref.output)).toBeLessThan(1e-12);
      }
    }
  });
});
