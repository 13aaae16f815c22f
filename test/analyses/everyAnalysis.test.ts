// Issue 11 acceptance: every analysis of the README's API tables runs, through createEngine({ workers: 1 }),
// on the report's MNIST CNN (data/models: conv, conv, max pool, dense, dense) and on the PyTorch CIFAR ResNet
// (test/fixtures/onnx-graphs/resnet_cifar.onnx: stem conv, 3 stages × 2 BasicBlocks of widths 16/32/64 with
// stride-2 projection shortcuts, batchNorm, global average pooling, dense 10; its logits under a softmax
// head), each with one cheap independent check. The references: PyTorch's float64 outputs and Jacobians
// (the ResNet's fixture points), central differences of the float64 reference forward over the source graph
// (src/reference/forward.ts), and the float64 TypeScript twin of the compiled network (src/reference/graph.ts:
// pre-activations, max-pool choices and region hashes at a point), never the Wasm kernels under test.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { OptionError, ShapeError, UnsupportedLayerError } from "../../src/errors.js";
import { loadDataset } from "../../src/data/datasets.js";
import { Model } from "../../src/model/model.js";
import { compileNetwork, valueBlock, type CompiledNetwork } from "../../src/model/compile.js";
import { referenceForward, softmax } from "../../src/reference/forward.js";
import { graphForward, graphNodes, graphRegionHash, type GraphState } from "../../src/reference/graph.js";
import { ricciFlowReference } from "../../src/reference/ricci.js";
import { mulberry32 } from "../../src/random.js";
import { loadGraphCase, maxRelativeError } from "../model/pytorch-fixtures.js";

const CNN = new URL("../../data/models/mnist-cnn-c8-c16-d64-e4-b64-lr0.001-s1-n8000.foliate.json.gz", import.meta.url);

interface Case {
  name: string;
  model: Model;
  /** Two points, 2×d. */
  X: Float64Array;
  /** A named hidden node (narrow: its pullback metric takes the low-rank route). */
  node: string;
  /** Two named nodes whose outputs are Ricci clouds. */
  clouds: [string, string];
  /** PyTorch's float64 logits and Jacobians at X (ResNet), m and m×d per point. */
  pytorch?: { outputs: Float64Array[]; logits: Float64Array[]; logprobs: Float64Array[] };
}

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, a) => s + a * a, 0));
const unit = (d: number, seed: number) => {
  const r = mulberry32(seed);
  const v = Float64Array.from({ length: d }, () => r() - 0.5);
  const n = norm(v);
  return v.map((x) => x / n);
};
const logSoftmax = (z: ArrayLike<number>) => Array.from(softmax(z), Math.log);

/** The twin's state, logits and hash at x (float64, the compiled network; independent of the Wasm kernels). */
function twin(net: CompiledNetwork, x: ArrayLike<number>): { st: GraphState; logits: Float64Array; hash: bigint } {
  const st = graphForward(net, x);
  const b = valueBlock(net, net.outputNode);
  return { st, logits: st.values.slice(b.offset, b.offset + b.size), hash: graphRegionHash(net, st) };
}

/**
 * How far x is from the boundary a leaf vertex names (crossedUnit), by the twin: a relu unit's pre-activation
 * relative to its node's largest, or the gap between the two largest inputs of the max-pool window relative
 * to the largest.
 */
function boundaryGap(net: CompiledNetwork, st: GraphState, code: number): number {
  for (const n of graphNodes(net)) {
    if (code < net.patternBits) {
      if (n.pattern < 0 || code < n.pattern || code >= n.pattern + n.outSize) continue;
      const z = st.pre.subarray(n.pre, n.pre + n.outSize);
      return Math.abs(z[code - n.pattern]) / Math.max(1, ...Array.from(z, Math.abs));
    }
    const a = code - net.patternBits;
    if (n.arg < 0 || a < n.arg || a >= n.arg + n.outSize) continue;
    const o = a - n.arg, ch = o % n.oc, cell = Math.floor(o / n.oc), y = Math.floor(cell / n.ow), xw = cell % n.ow;
    const input = valueBlock(net, n.inputs[0]).offset;
    const vals: number[] = [];
    for (let i = 0; i < n.kh; i++)
      for (let j = 0; j < n.kw; j++) {
        const iy = y * n.sh - n.padT + i * n.dh, ix = xw * n.sw - n.padL + j * n.dw;
        if (iy >= 0 && iy < n.h && ix >= 0 && ix < n.w) vals.push(st.values[input + (iy * n.w + ix) * n.c + ch]);
      }
    vals.sort((p, q) => q - p);
    return (vals[0] - vals[1]) / Math.max(1, Math.abs(vals[0]));
  }
  throw new Error(`crossedUnit ${code} names no unit`);
}

/** Central difference of f along v at x (step h). */
function directional(f: (x: Float64Array) => ArrayLike<number>, x: ArrayLike<number>, v: Float64Array, h: number): Float64Array {
  const plus = f(Float64Array.from(x, (a, i) => a + h * v[i])), minus = f(Float64Array.from(x, (a, i) => a - h * v[i]));
  return Float64Array.from(plus, (p, i) => (p - minus[i]) / (2 * h));
}

/** J·v for J: m×d row-major. */
function times(J: ArrayLike<number>, m: number, v: Float64Array): Float64Array {
  const d = v.length;
  return Float64Array.from({ length: m }, (_, r) => v.reduce((s, x, i) => s + J[r * d + i] * x, 0));
}

/** trace of D = Jᵀ(diag p − ppᵀ)J from J (C×d) and p: Σ p_c‖J_c‖² − ‖Σ p_c J_c‖². */
function dimTrace(J: ArrayLike<number>, p: ArrayLike<number>, d: number): number {
  const mean = new Float64Array(d);
  let s = 0;
  for (let c = 0; c < p.length; c++) for (let i = 0; i < d; i++) { s += p[c] * J[c * d + i] ** 2; mean[i] += p[c] * J[c * d + i]; }
  return s - mean.reduce((a, b) => a + b * b, 0);
}

let engine: Engine;
const cases: Case[] = [];
beforeAll(async () => {
  engine = await createEngine({ workers: 1 });
  const cnn = await Model.load(CNN);
  const images = (await loadDataset("mnist:test", { limit: 2 })).X;
  // moved off the exact ties of the images' blank areas (every max-pool window there is tied)
  cases.push({ name: "MNIST CNN", model: cnn, X: Float64Array.from(images, (v, i) => v + 1e-2 * Math.sin(1.7 * i)), node: "dense_4", clouds: ["maxPool2d_2", "dense_4"] });
  const g = loadGraphCase("resnet_cifar");
  const resnet = new Model({ inputShape: g.model.inputShape, layers: g.model.layers, head: "softmax" });
  const X = new Float64Array(2 * resnet.inputSize);
  X.set(g.inputs[0]);
  X.set(g.inputs[1], resnet.inputSize);
  cases.push({
    name: "CIFAR ResNet (PyTorch)", model: resnet, X, node: "pool", clouds: ["layer2.0.relu2", "pool"],
    pytorch: { outputs: g.outputs.slice(0, 2), logits: g.jacobianLogits.slice(0, 2), logprobs: g.jacobianLogprobs.slice(0, 2) },
  });
});
afterAll(async () => {
  await engine.close();
});

describe.each(["MNIST CNN", "CIFAR ResNet (PyTorch)"])("every analysis on the %s", (name) => {
  let c: Case, model: Model, net: CompiledNetwork, d: number, x0: Float64Array, nodeIndex: number;
  beforeAll(() => {
    c = cases.find((k) => k.name === name)!;
    model = c.model;
    net = compileNetwork(model);
    d = model.inputSize;
    x0 = c.X.slice(0, d);
    nodeIndex = model.nodeIndex(c.node, "node");
  });
  const point = (i: number) => c.X.subarray(i * d, (i + 1) * d);

  it("forward: logits (PyTorch's, or the float64 reference forward) and region hashes (the twin)", async () => {
    const f = await engine.forward(model, c.X);
    for (let i = 0; i < 2; i++) {
      const expected = c.pytorch ? c.pytorch.outputs[i] : referenceForward(model, point(i)).output;
      expect(maxRelativeError(f.logits.subarray(i * 10, (i + 1) * 10), expected)).toBeLessThan(1e-4);
    }
    expect(f.regionHash[0]).toBe(twin(net, Float32Array.from(x0)).hash);
  });

  it("jacobian of the logits and log-probabilities: PyTorch's float64 Jacobians, or central differences of the reference forward", async () => {
    for (const output of ["logits", "logprobs"] as const) {
      const J = await engine.jacobian(model, c.X, { output });
      expect(J.shape).toEqual([2, 10, d]);
      for (let i = 0; i < 2; i++) {
        const Ji = J.data.subarray(i * 10 * d, (i + 1) * 10 * d);
        if (c.pytorch) expect(maxRelativeError(Ji, c.pytorch[output][i])).toBeLessThan(1e-3);
        else {
          const f = (x: Float64Array) => (output === "logits" ? referenceForward(model, x).output : logSoftmax(referenceForward(model, x).output));
          for (const seed of [1, 2]) {
            const v = unit(d, seed + 10 * i);
            expect(maxRelativeError(times(Ji, 10, v), directional(f, point(i), v, 1e-6))).toBeLessThan(1e-3);
          }
        }
      }
    }
  });

  it("jacobian of a named node, and the pullback metric of that node (trace = ‖J‖²_F; rank by the twin's active units)", async () => {
    const J = await engine.jacobian(model, x0, { output: { layer: c.node } });
    const m = J.shape[1];
    const v = unit(d, 3);
    const fd = directional((x) => referenceForward(model, x).layerOutputs[nodeIndex], x0, v, 1e-6);
    expect(maxRelativeError(times(J.data, m, v), fd)).toBeLessThan(1e-3);
    const g = await engine.pullbackMetric(model, x0, { layer: c.node });
    expect(g.route).toBe("lowRank");
    const trace = g.eigenvalues.subarray(0, g.r).reduce((a, b) => a + b, 0);
    expect(Math.abs(trace - J.data.reduce((s, a) => s + a * a, 0)) / trace).toBeLessThan(1e-4);
    // the node's outputs that vary: a relu unit off (MNIST CNN's dense_4) or a channel pooled from dead units
    // adds nothing; every other output's gradient is independent here
    const out = referenceForward(model, x0).layerOutputs[nodeIndex];
    const live = out.filter((y) => y !== 0).length;
    expect(g.rank[0]).toBe(live);
    expect(g.kernelDim[0]).toBe(d - live);
  });

  it("dim and dimSpectrum: rank C − 1 and trace D = Σ p_c‖J_c‖² − ‖Σ p_c J_c‖² (PyTorch's J, or the engine's checked one)", async () => {
    const D = await engine.dim(model, c.X);
    const J = await engine.jacobian(model, c.X);
    const s = await engine.dimSpectrum(model, c.X);
    for (let i = 0; i < 2; i++) {
      expect(D.rank[i]).toBe(9);
      const Ji = c.pytorch ? c.pytorch.logits[i] : J.data.subarray(i * 10 * d, (i + 1) * 10 * d);
      const p = softmax(c.pytorch ? c.pytorch.outputs[i] : referenceForward(model, point(i)).output);
      const trace = dimTrace(Ji, p, d);
      const eig = D.eigenvalues.subarray(i * D.r, (i + 1) * D.r);
      expect(Math.abs(eig.reduce((a, b) => a + b, 0) - trace) / trace).toBeLessThan(1e-3);
      expect(Math.abs(s.trace[i] - trace) / trace).toBeLessThan(1e-3);
      expect(s.logEigenvalues[i * s.r]).toBeCloseTo(Math.log10(eig[0]), 4);
    }
  });

  it("leaves (data, kernel, ker g of the node): vertices on boundaries (twin); p kept on kernel leaves, the node's output on ker g", async () => {
    for (const distribution of ["data", "kernel", { metric: "pullback" as const, layer: c.node }]) {
      const path = await engine.leaf(model, x0, { distribution, maxLength: 0.05, maxVertices: c.pytorch ? 3 : 6, seed: 1 });
      expect(path.exact).toBe(true);
      expect(path.vertices).toBeGreaterThanOrEqual(2);
      const kept = typeof distribution === "object" ? compileNetwork(model, { keep: [nodeIndex] }) : net;
      const states = Array.from({ length: path.vertices }, (_, i) => twin(kept, path.points.subarray(i * d, (i + 1) * d)));
      // what the leaf keeps: p on kernel leaves, the node's output on ker g (nothing on data leaves)
      const tracked = (i: number): Float64Array => {
        if (distribution === "kernel") return softmax(states[i].logits);
        if (typeof distribution === "object") {
          const b = valueBlock(kept, kept.sourceToCompiled[nodeIndex]);
          return states[i].st.values.slice(b.offset, b.offset + b.size);
        }
        return new Float64Array(0);
      };
      let crossings = 0;
      for (let i = 0; i < path.vertices; i++) {
        expect(maxRelativeError(path.outputs.subarray(i * 10, (i + 1) * 10), states[i].logits)).toBeLessThan(1e-9);
        if (i === 0) continue;
        if (path.crossedUnit[i] >= 0) {
          crossings++;
          expect(boundaryGap(kept, states[i].st, path.crossedUnit[i])).toBeLessThan(1e-9);
        }
        expect(maxRelativeError(tracked(i), tracked(0))).toBeLessThan(1e-9);
      }
      console.log(`${name}, ${JSON.stringify(distribution)} leaf: ${path.vertices} vertices, ${crossings} crossings, stop ${path.stopReason}`);
      expect(crossings + (path.stopReason === "length" ? 1 : 0)).toBeGreaterThan(0);
    }
  }, 60_000);

  it("leaves of ker g of a node too wide for the 4 GiB Wasm memory are refused with an OptionError (ResNet: layer2.0.relu2, 8 192 outputs)", async () => {
    if (!c.pytorch) return;
    await expect(engine.leaf(model, x0, { distribution: { metric: "pullback", layer: "layer2.0.relu2" } })).rejects.toThrow(/GiB of float64 Jacobian work/);
    await expect(engine.singularPoints(model, x0, { distribution: { metric: "pullback", layer: "layer2.0.relu2" } })).rejects.toBeInstanceOf(OptionError);
  });

  it("geodesic: unit DIM speed, and its length equals the Fisher–Rao lengths of its pieces (great circles of the sphere 2√p)", async () => {
    const g = await engine.geodesic(model, x0, point(1), { maxLength: 4e-4, step: 5e-5, maxVertices: 64 });
    expect(g.stopReason).toBe("length");
    for (const s2 of g.speed2) expect(Math.abs(s2 - 1)).toBeLessThan(1e-6);
    // vertices: every step and every crossing; inside a region the piece is an arc of a great circle of radius 2
    let len = 0;
    for (let i = 0; i + 1 < g.vertices; i++) {
      const p = softmax(g.outputs.subarray(i * 10, (i + 1) * 10)), q = softmax(g.outputs.subarray((i + 1) * 10, (i + 2) * 10));
      len += 4 * Math.asin(norm(p.map((a, j) => Math.sqrt(a) - Math.sqrt(q[j]))) / 2);
    }
    expect(Math.abs(len - g.length) / g.length).toBeLessThan(1e-6);
    const last = g.points.subarray((g.vertices - 1) * d, g.vertices * d);
    expect(maxRelativeError(g.outputs.subarray((g.vertices - 1) * 10, g.vertices * 10), twin(net, last).logits)).toBeLessThan(1e-9);
  }, 60_000);

  it("singularPoints: none for the DIM at generic points; for the node's g, every point, with the twin's count of varying outputs as rank", async () => {
    const data = await engine.singularPoints(model, c.X);
    expect(data.genericRank).toBe(9);
    expect(data.count).toBe(0);
    const g = await engine.singularPoints(model, c.X, { distribution: { metric: "pullback", layer: c.node } });
    const m = referenceForward(model, x0).layerOutputs[nodeIndex].length;
    expect(g.genericRank).toBe(Math.min(m, d));
    for (let i = 0; i < g.count; i++) {
      const live = referenceForward(model, point(g.index[i])).layerOutputs[nodeIndex].filter((y) => y !== 0).length;
      expect(g.rankBefore[i]).toBe(live);
    }
    expect(g.count).toBe(Array.from({ length: 2 }, (_, i) => referenceForward(model, point(i)).layerOutputs[nodeIndex].filter((y) => y !== 0).length < m).filter(Boolean).length);
  });

  it("equivalenceClass (SiMEC) keeps p, explore (SiMExp) moves it by ε (the twin's probabilities)", async () => {
    const p0 = softmax(twin(net, x0).logits);
    const r = await engine.equivalenceClass(model, x0, { delta: 1e-3, steps: 5, bothDirections: false, seed: 1 });
    expect(r.k).toBe(6);
    const pEnd = softmax(twin(net, r.points.subarray(5 * d, 6 * d)).logits);
    expect(maxRelativeError(r.outputs.subarray(50, 60), pEnd)).toBeLessThan(1e-12);
    expect(Math.max(...pEnd.map((p, j) => Math.abs(p - p0[j])))).toBeLessThan(1e-6);
    const e = await engine.explore(model, x0, { delta: 1e-2, steps: 200, epsilon: 1e-3, seed: 2 });
    expect(e.stopReason).toBe("target");
    const pe = softmax(twin(net, e.points.subarray((e.k - 1) * d, e.k * d)).logits);
    expect(norm(pe.map((p, j) => p - p0[j]))).toBeGreaterThanOrEqual(1e-3);
  });

  it("intervalPreimage is for 2D → 1D regression networks: a ShapeError saying so, not UnsupportedLayerError", async () => {
    const err = await engine.intervalPreimage(model, x0, { epsilon: 0.1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShapeError);
    expect(err).not.toBeInstanceOf(UnsupportedLayerError);
    expect((err as Error).message).toMatch(/2D → 1D/);
  });

  it("regionsOnLine and regionsInPlane (a tiny window): hashes and affine maps of the pieces by the twin; the polygons tile the window", async () => {
    const u = unit(d, 4), v = unit(d, 5);
    const L = c.pytorch ? 2e-3 : 1e-2;
    const b = x0.map((a, i) => a + L * u[i]);
    const line = await engine.regionsOnLine(model, x0, b);
    const ts = [0, ...line.breakpoints, 1];
    expect(ts.length - 1).toBeGreaterThan(1);
    for (const k of [0, ts.length - 2]) {
      const t = (ts[k] + ts[k + 1]) / 2;
      const tw = twin(net, x0.map((a, i) => a + t * L * u[i]));
      expect(tw.hash).toBe(line.patterns[k]);
      const mapped = Array.from({ length: 10 }, (_, j) => line.maps[(k * 2) * 10 + j] + t * line.maps[(k * 2 + 1) * 10 + j]);
      expect(maxRelativeError(mapped, tw.logits)).toBeLessThan(1e-9);
    }
    const w = c.pytorch ? 1e-3 : 2e-3;
    const plane = await engine.regionsInPlane(model, x0, u, v, [0, w, 0, w]);
    expect(plane.count).toBeGreaterThan(1);
    expect(Math.abs(plane.areas.reduce((a, b2) => a + b2, 0) - w * w) / (w * w)).toBeLessThan(1e-9);
    for (const p of [0, plane.count - 1]) {
      let s = 0, t = 0;
      const from = plane.vertexStart[p], to = plane.vertexStart[p + 1];
      for (let i = from; i < to; i++) { s += plane.vertices[2 * i] / (to - from); t += plane.vertices[2 * i + 1] / (to - from); }
      const tw = twin(net, x0.map((a, i) => a + s * u[i] + t * v[i]));
      expect(tw.hash).toBe(plane.patterns[p]);
      const mapped = Array.from({ length: 10 }, (_, j) => plane.maps[(p * 10 + j) * 3] * s + plane.maps[(p * 10 + j) * 3 + 1] * t + plane.maps[(p * 10 + j) * 3 + 2]);
      expect(maxRelativeError(mapped, tw.logits)).toBeLessThan(1e-9);
    }
    console.log(`${name}: ${ts.length - 1} pieces on a segment of length ${L}, ${plane.count} regions in a ${w}×${w} window`);
  }, 60_000);

  it("countRegions: the distinct regions of the same uniform samples, redrawn here, by their twin hashes", async () => {
    const samples = c.pytorch ? 8 : 40, r0 = 1e-2;
    const lo = x0.map((a) => a - r0), hi = x0.map((a) => a + r0);
    const res = await engine.countRegions(model, { box: { lo, hi }, samples, seed: 3 });
    const rnd = mulberry32(3);
    const hashes = new Set<bigint>();
    for (let p = 0; p < samples; p++) hashes.add(twin(net, Float32Array.from({ length: d }, (_, i) => lo[i] + (hi[i] - lo[i]) * rnd())).hash);
    expect(res.samples).toBe(samples);
    expect(res.distinct).toBe(hashes.size);
  }, 60_000);

  it("ricciFlow and ricciSweep on the clouds of two named nodes equal the TypeScript reference flow over the twin's node outputs", async () => {
    const n = c.pytorch ? 6 : 10, k = 3;
    const names = c.clouds;
    const r = mulberry32(6);
    const Y = Float32Array.from({ length: n * d }, (_, i) => x0[i % d] + 0.2 * (r() - 0.5));
    const flow = await engine.ricciFlow(model, Y, { k, mode: "directed", layers: names });
    const kept = compileNetwork(model, { keep: names.map((s) => model.nodeIndex(s, "node")) });
    const clouds = [{ data: Float64Array.from(Y), dim: d }, ...names.map((s) => {
      const b = valueBlock(kept, kept.sourceToCompiled[model.nodeIndex(s, "node")]);
      const data = new Float64Array(n * b.size);
      for (let p = 0; p < n; p++) data.set(twin(kept, Y.subarray(p * d, (p + 1) * d)).st.values.subarray(b.offset, b.offset + b.size), p * b.size);
      return { data, dim: b.size };
    })];
    const ref = ricciFlowReference(clouds, k, "directed");
    expect(flow.layers).toBe(2);
    expect(Array.from(flow.ric)).toEqual(Array.from(ref.ric));
    expect(Array.from(flow.g)).toEqual(Array.from(ref.g));
    const sweep = await engine.ricciSweep(model, Y, [2, k], { layers: names });
    const ref2 = ricciFlowReference(clouds, 2, "directed");
    expect(Array.from(sweep.flows[0].ric)).toEqual(Array.from(ref2.ric));
    expect(Array.from(sweep.flows[0].g)).toEqual(Array.from(ref2.g));
    expect(Array.from(sweep.flows[1].ric)).toEqual(Array.from(ref.ric));
  }, 60_000);
});
