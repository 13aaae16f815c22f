import { describe, expect, it } from "vitest";
import { compileNetwork, NOT_MATERIALIZED, valueBlock, type CompiledNetwork } from "../../src/model/compile.js";
import { normalizeSpec } from "../../src/model/graph.js";
import { referenceForward } from "../../src/reference/forward.js";
import { graphCrossing, graphForward, graphJvp, graphRegionHash, graphVjp, type GraphState } from "../../src/reference/graph.js";
import { randomGraph, randomInput } from "../support/graphs.js";

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const block = (net: CompiledNetwork, v: Float64Array, k: number) => {
  const b = valueBlock(net, k);
  return v.subarray(b.offset, b.offset + b.size);
};

describe("float64 twin of the graph kernels", () => {
  for (let seed = 1; seed <= 6; seed++) {
    const spec = randomGraph(seed);
    const { spec: full } = normalizeSpec(spec);
    const d = full.inputShape.reduce((a, b) => a * b, 1);

    it(`seed ${seed}: JVP of every materialized node equals central differences of referenceForward`, () => {
      const net = compileNetwork(spec, { foldBatchNorm: seed % 2 === 0 });
      const x = randomInput(10 + seed, d), v = randomInput(20 + seed, d);
      const st = graphForward(net, x);
      const h = 1e-6;
      // the segment [x − hv, x + hv] stays in x's linear region (both directions' first crossing is further)
      const vNeg = v.map((a) => -a);
      expect(Math.min(graphCrossing(net, st, v, 1).t, graphCrossing(net, st, vNeg, 1).t)).toBeGreaterThan(10 * h);
      const { tan } = graphJvp(net, st, v, 1);
      const plus = referenceForward(spec, x.map((a, i) => a + h * v[i]));
      const minus = referenceForward(spec, x.map((a, i) => a - h * v[i]));
      full.layers.forEach((_, i) => {
        const c = net.sourceToCompiled[i];
        if (c === NOT_MATERIALIZED) return;
        const t = block(net, tan, c);
        const fd = plus.layerOutputs[i].map((a, k) => (a - minus.layerOutputs[i][k]) / (2 * h));
        const scale = Math.max(1e-3, ...Array.from(fd, Math.abs));
        for (let k = 0; k < t.length; k++) expect(Math.abs(t[k] - fd[k]) / scale).toBeLessThan(1e-6);
      });
    });

    it(`seed ${seed}: VJP is the transpose of JVP (⟨u, J v⟩ both ways, every node as target)`, () => {
      const net = compileNetwork(spec);
      const x = randomInput(30 + seed, d);
      const st = graphForward(net, x);
      const rows = 3;
      const V = randomInput(40 + seed, rows * d);
      const { tan } = graphJvp(net, st, V, rows);
      for (let target = 0; target < net.nodeCount; target++) {
        const m = valueBlock(net, target).size;
        const U = randomInput(50 + seed + target, rows * m);
        const G = graphVjp(net, st, target, U, rows);
        for (let r = 0; r < rows; r++) {
          const jv = block(net, tan.subarray(r * net.valueSize, (r + 1) * net.valueSize), target);
          const a = dot(U.subarray(r * m, (r + 1) * m), jv);
          const b = dot(G.subarray(r * d, (r + 1) * d), V.subarray(r * d, (r + 1) * d));
          expect(Math.abs(a - b)).toBeLessThan(1e-12 * (Math.abs(a) + 1));
        }
      }
    });

    it(`seed ${seed}: the crossing is where the activation pattern or a max-pool choice first changes (bisection)`, () => {
      // piecewise-linear activations only: then every pre-activation is affine in t inside a region
      const net = compileNetwork(randomGraph(seed, { activations: ["relu", "leakyRelu", "linear"] }));
      const x = randomInput(60 + seed, d), v = randomInput(70 + seed, d);
      const at = (t: number): GraphState => graphForward(net, x.map((a, i) => a + t * v[i]));
      const h0 = graphRegionHash(net, at(0));
      const tmax = 2;
      const { t, node, unit } = graphCrossing(net, at(0), v, tmax);
      // first change on a grid, then bisection inside it
      const steps = 400;
      let lo = 0, hi = Infinity;
      for (let s = 1; s <= steps; s++) {
        const ts = (s / steps) * tmax;
        if (graphRegionHash(net, at(ts)) !== h0) {
          hi = ts;
          break;
        }
        lo = ts;
      }
      if (hi === Infinity) {
        expect(t).toBe(Infinity);
        return;
      }
      while (hi - lo > 1e-13 * hi) {
        const mid = (lo + hi) / 2;
        if (graphRegionHash(net, at(mid)) === h0) lo = mid;
        else hi = mid;
      }
      expect(node).toBeGreaterThanOrEqual(0);
      expect(unit).toBeGreaterThanOrEqual(0);
      expect(Math.abs(t - hi)).toBeLessThan(1e-9 * hi);
    });
  }
});

describe("twin crossing on max pooling alone", () => {
  it("finds where a window's maximum changes hands (vs bisection on the argmax)", async () => {
    const { OP_MAXPOOL, F_OP } = await import("../../src/model/opcodes.js");
    const { nodeField } = await import("../../src/model/compile.js");
    const spec = {
      inputShape: [5, 5, 2], head: "none" as const,
      layers: [
        { type: "maxPool2d" as const, poolSize: [2, 2] as [number, number], strides: [2, 2] as [number, number], pads: [1, 1, 1, 1] as [number, number, number, number], ceilMode: true },
        { type: "flatten" as const },
      ],
    };
    const net = compileNetwork(spec);
    let found = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const x = randomInput(seed, 50), v = randomInput(100 + seed, 50);
      const at = (t: number) => graphForward(net, x.map((a, i) => a + t * v[i]));
      const { t, node } = graphCrossing(net, at(0), v, 5);
      expect(nodeField(net, node, F_OP)).toBe(OP_MAXPOOL);
      const h0 = graphRegionHash(net, at(0));
      expect(graphRegionHash(net, at(t * (1 - 1e-9)))).toBe(h0);
      expect(graphRegionHash(net, at(t * (1 + 1e-9)))).not.toBe(h0);
      found++;
    }
    expect(found).toBe(10);
  });
});
