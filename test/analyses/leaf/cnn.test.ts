// Issue 11: leaves, geodesics and singular points on CNNs and residual graphs (the compiled network).
// Independent checks: the float64 reference forward over the source graph (src/reference/forward.ts) at every
// vertex, and the float64 TS twin of the compiled network's VJP (src/reference/graph.ts) for each region's
// Jacobian, itself checked against central differences of the reference forward along the segment.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../../src/index.js";
import { Model } from "../../../src/model/model.js";
import { compileNetwork } from "../../../src/model/compile.js";
import { loadDataset } from "../../../src/data/datasets.js";
import { referenceForward, softmax } from "../../../src/reference/forward.js";
import { graphForward, graphVjp } from "../../../src/reference/graph.js";
import { dataBasis, project } from "../../../src/reference/leaf.js";
import { Arena } from "../../../src/engine/arena.js";
import { allocateOutputs } from "../../../src/engine/job.js";
import { uploadNetwork } from "../../../src/engine/network.js";
import { pathNetwork } from "../../../src/analyses/pathNet.js";
import { leafJobOptions, leafLayout, runLeaves, splitPaths, type LeafPath } from "../../../src/analyses/leaf.js";
import { randomGraph } from "../../support/graphs.js";
import { randomWeights } from "../../support/models.js";
import type { ModelSpec } from "../../../src/model/types.js";

const MNIST_CNN = new URL("../../../data/models/mnist-cnn-c8-c16-d64-e4-b64-lr0.001-s1-n8000.foliate.json.gz", import.meta.url);
const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, a) => s + a * a, 0));
const row = (p: LeafPath, i: number) => Float64Array.from(p.points.subarray(i * p.d, (i + 1) * p.d));

let engine: Engine;
beforeAll(async () => { engine = await createEngine({ workers: 0 }); });
afterAll(async () => { await engine.close(); });

/**
 * The boundary a leaf vertex claims to lie on, measured with the reference forward at the vertex: a relu unit's
 * pre-activation relative to its layer's largest, or (max pool) the gap between the window's two largest inputs
 * relative to the largest. Crossing codes: pattern bits of the relu layers in order, then patternBits + the
 * pool output index (one pool here).
 */
function boundaryGap(spec: ModelSpec, x: ArrayLike<number>, code: number): number {
  const f = referenceForward(spec, x);
  const relu = spec.layers.map((l, i) => [l, i] as const).filter(([l]) => "activation" in l && (l.activation === "relu" || l.activation === "leakyRelu") && l.type !== "activation");
  let at = code;
  for (const [, i] of relu) {
    const z = f.preActivations[i];
    if (at < z.length) return Math.abs(z[at]) / Math.max(1, ...Array.from(z, Math.abs));
    at -= z.length;
  }
  const p = spec.layers.findIndex((l) => l.type === "maxPool2d");
  const pool = spec.layers[p] as Extract<ModelSpec["layers"][number], { type: "maxPool2d" }>;
  const input = f.layerOutputs[p - 1];
  const [, w, c] = [24, 24, 16];
  const [, ow] = [12, 12];
  const ch = at % c, cell = Math.floor(at / c), y = Math.floor(cell / ow), xw = cell % ow;
  const vals: number[] = [];
  for (let i = 0; i < pool.poolSize[0]; i++) for (let j = 0; j < pool.poolSize[1]; j++) vals.push(input[((y * 2 + i) * w + xw * 2 + j) * c + ch]);
  vals.sort((a, b) => b - a);
  return (vals[0] - vals[1]) / Math.max(1, Math.abs(vals[0]));
}

/** The segment a→b's unit direction: its component outside Im D (data) or inside Im D (kernel), D from the twin's VJP at the midpoint. */
function distributionResidual(spec: ModelSpec, a: Float64Array, b: Float64Array, kernel: boolean): { residual: number; fdCheck: number } {
  const net = compileNetwork(spec);
  const u = b.map((v, i) => v - a[i]);
  const un = u.map((v) => v / norm(u));
  const mid = a.map((v, i) => (v + b[i]) / 2);
  const st = graphForward(net, mid);
  const C = net.outputSize, d = net.inputSize;
  const eye = new Float64Array(C * C);
  for (let c = 0; c < C; c++) eye[c * C + c] = 1;
  const J = graphVjp(net, st, net.outputNode, eye, C); // C×d
  const rows = Array.from({ length: C }, (_, c) => Array.from(J.subarray(c * d, (c + 1) * d)));
  // The twin's J along u against central differences of the reference forward inside the segment's region
  // (the network is affine along the segment, so a step of 0.45 × its length is exact up to round-off).
  const h = 0.45 * norm(u);
  const fp = referenceForward(spec, mid.map((v, i) => v + h * un[i])).output, fm = referenceForward(spec, mid.map((v, i) => v - h * un[i])).output;
  let fd = 0;
  for (let c = 0; c < C; c++) fd = Math.max(fd, Math.abs((fp[c] - fm[c]) / (2 * h) - rows[c].reduce((s, v, i) => s + v * un[i], 0)));
  const Q = dataBasis(rows);
  const inside = project(Q, un, false);
  const residual = kernel ? norm(inside) : norm(un.map((v, i) => v - inside[i]));
  return { residual, fdCheck: fd };
}

async function mnistCnn(): Promise<Model> {
  return Model.fromJSON(gunzipSync(readFileSync(MNIST_CNN)).toString("utf8"));
}

describe("leaves through the report's MNIST CNN (conv, conv, max pool, dense)", () => {
  for (const distribution of ["data", "kernel"] as const) {
    it(`exact ${distribution} leaves from 10 test images: vertices on boundaries, segments in their distribution${distribution === "kernel" ? ", p constant" : ""}`, async () => {
      const model = await mnistCnn();
      const test = await loadDataset("mnist:test", { limit: 10 });
      // The raw images first: an image's blank area ties every max-pool window of an active channel there (equal
      // inputs with different gradients), a point on hundreds of boundaries at once where the leaf is not unique;
      // the exact walk is trapped there and starts again from x0 + δ·u (LeafOptions.nudge, δ = 1e-6·‖x0‖∞), the
      // region the direction moves into. A second set moved by 1e-2 noise reaches relu boundaries too.
      const paths = [];
      for (const scale of [0, 1e-2]) {
        const noise = randomWeights(77, test.X.length, scale);
        const X = Float64Array.from(test.X, (v, i) => v + (scale > 0 ? noise[i] : 0));
        const set = await engine.leaves(model, X, { distribution, maxLength: 2, maxVertices: 12, seed: 11 });
        if (scale === 0)
          for (const [i, p] of set.entries()) {
            expect(p.startNudge).toBeGreaterThan(0); // every raw image was trapped at its start
            const x0 = test.X.subarray(i * 784, (i + 1) * 784);
            const moved = norm(row(p, 0).map((v, k) => v - x0[k]));
            expect(Math.abs(moved - p.startNudge)).toBeLessThan(1e-12);
            expect(p.length).toBeGreaterThan(0);
          }
        else for (const p of set) expect(p.startNudge).toBe(0); // off the ties: walked from x0 itself
        paths.push(...set);
      }
      let worstGap = 0, worstResidual = 0, worstFd = 0, worstP = 0, vertices = 0, poolCrossings = 0;
      const patternBits = compileNetwork(model).patternBits;
      for (const p of paths) {
        expect(p.exact).toBe(true);
        if (!["maxVertices", "length"].includes(p.stopReason)) console.log(`stop ${p.stopReason} after ${p.vertices} vertices`);
        expect(["maxVertices", "length"]).toContain(p.stopReason);
        const p0 = softmax(referenceForward(model, row(p, 0)).output);
        for (let i = 1; i < p.vertices; i++) {
          const code = p.crossedUnit[i];
          if (code >= 0) {
            vertices++;
            if (code >= patternBits) poolCrossings++;
            worstGap = Math.max(worstGap, boundaryGap(model, row(p, i), code));
          }
          if (distribution === "kernel") {
            const pi = softmax(referenceForward(model, row(p, i)).output);
            for (let c = 0; c < 10; c++) worstP = Math.max(worstP, Math.abs(pi[c] - p0[c]));
          }
        }
        for (let i = 0; i + 1 < p.vertices; i++) {
          const a = row(p, i), b = row(p, i + 1);
          if (norm(b.map((v, k) => v - a[k])) < 1e-6) continue;
          const r = distributionResidual(model, a, b, distribution === "kernel");
          worstResidual = Math.max(worstResidual, r.residual);
          worstFd = Math.max(worstFd, r.fdCheck);
        }
      }
      console.log(`MNIST CNN ${distribution} leaves (20 paths): ${vertices} crossings (${poolCrossings} max-pool), worst boundary gap ${worstGap.toExponential(2)}, worst distribution residual ${worstResidual.toExponential(2)}, twin J·u vs central differences ${worstFd.toExponential(2)}${distribution === "kernel" ? `, worst |Δp| ${worstP.toExponential(2)}` : ""}`);
      expect(vertices).toBeGreaterThan(20);
      expect(poolCrossings).toBeGreaterThan(0);
      expect(vertices - poolCrossings).toBeGreaterThan(0); // relu crossings too
      expect(worstGap).toBeLessThan(1e-9);
      expect(worstResidual).toBeLessThan(1e-6);
      expect(worstFd).toBeLessThan(1e-6);
      if (distribution === "kernel") expect(worstP).toBeLessThan(1e-9);
    }, 120_000);
  }

  it("geodesics: constant DIM speed and great circles of the Fisher sphere in every region (the geodesic equation's solutions)", async () => {
    const model = await mnistCnn();
    const test = await loadDataset("mnist:test", { limit: 2 });
    let worstSpeed = 0, worstPlane = 0, crossings = 0, pieces = 0;
    for (let n = 0; n < 2; n++) {
      // A test image moved off its ties (its blank area ties every max-pool window there: a point on
      // thousands of boundaries at once, where the geodesic's region is not defined).
      const noise = randomWeights(40 + n, 784, 1e-3);
      const x0 = Float64Array.from(test.X.subarray(n * 784, (n + 1) * 784), (v, i) => v + noise[i]);
      const g = await engine.geodesic(model, x0, randomWeights(30 + n, 784, 1), { maxLength: 2e-4, step: 2e-6, maxVertices: 400 });
      crossings += g.crossings;
      console.log(`geodesic ${n}: ${g.vertices} vertices, ${g.crossings} crossings, stop ${g.stopReason}, length ${g.length}`);
      expect(["length", "degenerate", "maxVertices"]).toContain(g.stopReason);
      for (const s of g.speed2) if (s > 0) worstSpeed = Math.max(worstSpeed, Math.abs(s - 1));
      // Within one region the geodesic maps to a great circle of the sphere w = 2√p: w lies in the plane of
      // two of its points (the Fisher metric's geodesics), which is the geodesic equation's residual here.
      const w = (i: number) => Array.from(softmax(referenceForward(model, g.points.subarray(i * 784, (i + 1) * 784)).output), (p) => 2 * Math.sqrt(p));
      let start = 0;
      for (let i = 1; i <= g.vertices; i++) {
        if (i < g.vertices && g.regionHash[i] === g.regionHash[start]) continue;
        if (i - start >= 5) {
          pieces++;
          const a = w(start + 1), b = w(i - 1);
          const e1 = a.map((v) => v / norm(a));
          const t = b.map((v, j) => v - b.reduce((s, x, k) => s + x * e1[k], 0) * e1[j]);
          const e2 = t.map((v) => v / norm(t));
          for (let j = start + 1; j < i; j++) {
            const wj = w(j);
            const c1 = wj.reduce((s, x, k) => s + x * e1[k], 0), c2 = wj.reduce((s, x, k) => s + x * e2[k], 0);
            worstPlane = Math.max(worstPlane, norm(wj.map((v, k) => v - c1 * e1[k] - c2 * e2[k])));
          }
        }
        start = i;
      }
    }
    console.log(`MNIST CNN geodesics: ${crossings} crossings, ${pieces} region pieces checked, worst |speed² − 1| ${worstSpeed.toExponential(2)}, worst great-circle residual ${worstPlane.toExponential(2)}`);
    expect(crossings).toBeGreaterThan(2);
    expect(pieces).toBeGreaterThan(2);
    expect(worstSpeed).toBeLessThan(1e-6);
    expect(worstPlane).toBeLessThan(1e-6);
  }, 120_000);
});

describe("singular points on CNNs", () => {
  const conv = (seed: number, inC: number, outC: number) => ({
    type: "conv2d" as const, filters: outC, kernelSize: [3, 3] as [number, number], strides: [1, 1] as [number, number], padding: "valid" as const,
    kernel: randomWeights(seed, 9 * inC * outC, 0.5), bias: randomWeights(seed + 1, outC, 0.1), activation: "relu" as const,
  });
  const cnn = (width: number) => new Model({
    inputShape: [8, 8, 1], head: "softmax", layers: [
      conv(1, 1, 4), { type: "maxPool2d", poolSize: [2, 2], strides: [2, 2], padding: "valid" }, { type: "flatten" },
      { type: "dense", units: width, kernel: randomWeights(5, 36 * width, 0.3), bias: randomWeights(6, width, 0.1), activation: "relu" },
      { type: "dense", units: 6, kernel: randomWeights(7, width * 6, 0.5), bias: randomWeights(8, 6, 0.1), activation: "linear" },
    ],
  });
  const X = Float64Array.from({ length: 4 * 64 }, (_, i) => Math.sin(1.7 * i + 0.3));

  it("none at generic points of a CNN without a bottleneck; every point where a dense bottleneck of 3 units caps the rank", async () => {
    const wide = await engine.singularPoints(cnn(24), X);
    expect(wide.genericRank).toBe(5);
    expect(wide.count).toBe(0);
    const narrow = await engine.singularPoints(cnn(3), X);
    expect(narrow.count).toBe(4);
    for (let i = 0; i < 4; i++) expect(narrow.rankBefore[i]).toBeLessThanOrEqual(3);
    // The rank from the twin's Jacobian at the first point.
    const net = compileNetwork(cnn(3));
    const eye = new Float64Array(36);
    for (let c = 0; c < 6; c++) eye[c * 6 + c] = 1;
    const J = graphVjp(net, graphForward(net, X.subarray(0, 64)), net.outputNode, eye, 6);
    expect(narrow.rankBefore[0]).toBe(dataBasis(Array.from({ length: 6 }, (_, c) => Array.from(J.subarray(c * 64, (c + 1) * 64)))).length);
  });

  it("a constant image (every max-pool window tied) is regular on both sides of its ties, with the twin's ranks", async () => {
    const model = cnn(24);
    const x = new Float64Array(64).fill(0.8); // a constant image: each conv channel is constant, each 2×2 window's four inputs are equal
    const r = await engine.singularPoints(model, x, { boundaryTol: 1e-9 });
    const none = await engine.singularPoints(model, x, { boundaryTol: 0 });
    // The twin: the region where every tied window takes the first other cell of its window (the rule of the
    // engine's flip), its rank from the twin's Jacobian.
    const net = compileNetwork(model);
    const st = graphForward(net, x);
    const pool = net.table.subarray(1 * 34, 2 * 34); // compiled node 1: the max pool (conv 6×6×4 → 3×3×4)
    expect(pool[0]).toBe(3);
    const conv = st.values.subarray(64, 64 + 144);
    for (let o = 0; o < 36; o++) {
      const ch = o % 4, cell = Math.floor(o / 4), y = Math.floor(cell / 3), xw = cell % 3;
      const a = st.argmax[o];
      for (const [i, j] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
        const b = ((2 * y + i) * 6 + 2 * xw + j) * 4 + ch;
        if (b !== a && conv[a] - conv[b] <= 1e-9) { st.argmax[o] = b; break; }
      }
    }
    const eye = new Float64Array(36);
    for (let c = 0; c < 6; c++) eye[c * 6 + c] = 1;
    const rankOf = (J: Float64Array) => dataBasis(Array.from({ length: 6 }, (_, c) => Array.from(J.subarray(c * 64, (c + 1) * 64)))).length;
    const across = rankOf(graphVjp(net, st, net.outputNode, eye, 6));
    const here = rankOf(graphVjp(net, graphForward(net, x), net.outputNode, eye, 6));
    const rankBefore = r.count ? r.rankBefore[0] : here, rankAfter = r.count ? r.rankAfter[0] : across;
    console.log(`constant image: rank ${here} in its region, ${across} across the ties; singular points ${r.count}`);
    expect(rankBefore).toBe(here);
    expect(rankAfter).toBe(across);
    expect(r.count).toBe(Math.min(here, across) < 5 ? 1 : 0);
    expect(none.count).toBe(here < 5 ? 1 : 0);
  });
});

describe("a leaf through a small residual network (residual add, batchNorm, global average pooling)", () => {
  it("runs on the compiled graph and every vertex lies on a boundary", async () => {
    const spec = new Model(randomGraph(3, { activations: ["relu", "leakyRelu", "linear"] }) as ModelSpec);
    expect(spec.layers.some((l) => l.type === "add")).toBe(true);
    expect(spec.layers.some((l) => l.type === "batchNorm")).toBe(true);
    expect(spec.layers.some((l) => l.type === "globalAvgPool2d")).toBe(true);
    const net = compileNetwork(spec);
    const d = net.inputSize;
    const x0 = Float64Array.from({ length: d }, (_, i) => Math.cos(0.7 * i));
    const o = leafJobOptions(spec, x0, { distribution: "data", maxLength: 30, maxVertices: 40, seed: 2 });
    const arena = await Arena.create();
    const out = allocateOutputs(leafLayout(o), 1);
    runLeaves(arena, uploadNetwork(arena, pathNetwork(spec, o.dist.layer)), o, () => 0, 1, out, 0);
    const [p] = splitPaths(out, o, 1);
    console.log(`residual graph leaf: ${p.vertices} vertices, stop ${p.stopReason}, ranks ${Array.from(p.rank).join(",")}`);
    expect(p.vertices).toBeGreaterThan(3);
    for (let i = 1; i < p.vertices; i++) {
      const code = p.crossedUnit[i];
      if (code < 0) continue;
      // The twin at the vertex: the crossed unit's pre-activation (or pool gap) vanishes.
      const st = graphForward(net, row(p, i));
      if (code < net.patternBits) {
        let at = code, z = NaN, scale = 1;
        for (let k = 0; k < net.nodeCount; k++) {
          const base = net.table[k * 34 + 27], pre = net.table[k * 34 + 26], size = net.table[k * 34 + 6];
          if (base >= 0 && at >= base && at < base + size) { z = st.pre[pre + at - base]; scale = Math.max(1, ...Array.from(st.pre.subarray(pre, pre + size), Math.abs)); }
        }
        expect(Math.abs(z) / scale).toBeLessThan(1e-9);
      }
    }
  }, 60_000);
});
