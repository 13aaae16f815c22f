/**
 * Exact linear regions on network graphs (issue 11): regionsOnLine through a small ResNet (residual adds,
 * batchNorm, a strided block with a 1×1 projection shortcut, global average pooling, dense) against dense
 * float64 sampling of the reference forward pass's pattern with bisection of every change; regionsInPlane
 * through the report's shipped MNIST CNN (conv, max pool, dense) tiling its slice, with engine.forward's
 * region hash at sampled points.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../../src/api/engine.js";
import type { RegionsOnLineResult } from "../../../src/analyses/regions/line.js";
import type { RegionsInPlaneResult } from "../../../src/analyses/regions/plane.js";
import { loadDataset } from "../../../src/data/datasets.js";
import { Model } from "../../../src/model/model.js";
import type { LooseLayer } from "../../../src/model/types.js";
import { referenceForward } from "../../../src/reference/forward.js";
import { graphForward, graphRegionHash } from "../../../src/reference/graph.js";
import { compileNetwork } from "../../../src/model/compile.js";
import { mulberry32 } from "../../../src/random.js";
import { expectTiling, patternOf } from "./patterns.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

/** A small CIFAR-style ResNet on 8×8×3 images: stem, one identity block, one strided block with projection, GAP, dense 5. */
function smallResNet(seed: number): Model {
  const rnd = mulberry32(seed);
  const w = (n: number, s: number) => Float64Array.from({ length: n }, () => (2 * rnd() - 1) * s);
  const pos = (n: number) => Float64Array.from({ length: n }, () => 0.5 + rnd());
  const layers: LooseLayer[] = [];
  const node = (l: LooseLayer) => layers.push(l) - 1;
  const conv = (name: string, from: number, cin: number, cout: number, k: number, s: number) =>
    node({ type: "conv2d", name, inputs: [from], filters: cout, kernelSize: [k, k], strides: [s, s], pads: k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0], kernel: w(k * k * cin * cout, 1.2 / Math.sqrt(k * k * cin)), bias: w(cout, 0.2), activation: "linear" });
  const bn = (name: string, from: number, c: number) => node({ type: "batchNorm", name, inputs: [from], gamma: pos(c), beta: w(c, 0.2), mean: w(c, 0.2), variance: pos(c), epsilon: 1e-5 });
  const relu = (name: string, from: number) => node({ type: "activation", name, inputs: [from], activation: "relu" });
  const stem = relu("stem.relu", bn("stem.bn", conv("stem.conv", -1, 3, 4, 3, 1), 4));
  const a1 = relu("b1.relu1", bn("b1.bn1", conv("b1.conv1", stem, 4, 4, 3, 1), 4));
  const a2 = bn("b1.bn2", conv("b1.conv2", a1, 4, 4, 3, 1), 4);
  const b1 = node({ type: "add", name: "b1.add", inputs: [a2, stem], activation: "relu" });
  const c1 = relu("b2.relu1", bn("b2.bn1", conv("b2.conv1", b1, 4, 6, 3, 2), 6));
  const c2 = bn("b2.bn2", conv("b2.conv2", c1, 6, 6, 3, 1), 6);
  const proj = bn("b2.proj.bn", conv("b2.proj", b1, 4, 6, 1, 2), 6);
  const b2 = node({ type: "add", name: "b2.add", inputs: [c2, proj], activation: "relu" });
  const gap = node({ type: "globalAvgPool2d", name: "gap", inputs: [b2] });
  node({ type: "dense", name: "fc", inputs: [gap], units: 5, kernel: w(30, 0.8), bias: w(5, 0.1), activation: "linear" });
  return new Model({ inputShape: [8, 8, 3], head: "softmax", layers });
}

describe("regionsOnLine through a small ResNet", () => {
  const model = smallResNet(7);
  const d = 8 * 8 * 3;
  const rnd = mulberry32(8);
  const a = Array.from({ length: d }, () => 2 * rnd() - 1), b = Array.from({ length: d }, () => 2 * rnd() - 1);
  const at = (t: number) => a.map((ai, i) => ai + t * (b[i] - ai));
  const key = (t: number) => patternOf(model, at(t)).key;
  let r: RegionsOnLineResult;
  beforeAll(async () => {
    r = await engine.regionsOnLine(model, a, b);
  });

  it("equals dense float64 sampling with every change bisected to 1e-10: same breakpoints to 1e-9, one hash per sampled pattern", () => {
    const m = r.breakpoints.length;
    expect(m).toBeGreaterThan(30);
    const N = 4000;
    const grid = Array.from({ length: N + 1 }, (_, i) => i / N);
    const keys = grid.map(key);
    // Every change between neighbouring samples, bisected (recursively: all changes the halving separates).
    const changes: number[] = [];
    const find = (lo: number, klo: string, hi: number, khi: string) => {
      if (hi - lo < 1e-10) {
        changes.push(0.5 * (lo + hi));
        return;
      }
      const mid = 0.5 * (lo + hi), km = key(mid);
      if (km !== klo) find(lo, klo, mid, km);
      if (km !== khi) find(mid, km, hi, khi);
    };
    for (let i = 0; i < N; i++) if (keys[i] !== keys[i + 1]) find(grid[i], keys[i], grid[i + 1], keys[i + 1]);
    expect(changes.length).toBe(m);
    let worst = 0;
    changes.forEach((c, i) => (worst = Math.max(worst, Math.abs(c - r.breakpoints[i]))));
    expect(worst).toBeLessThan(1e-9);
    // The piece hashes and the sampled patterns correspond one to one.
    const piece = (t: number) => {
      let p = 0;
      while (p < m && r.breakpoints[p] < t) p++;
      return p;
    };
    const hashOf = new Map<string, bigint>(), keyOf = new Map<bigint, string>();
    grid.forEach((t, i) => {
      const h = r.patterns[piece(t)];
      expect(hashOf.get(keys[i]) ?? h).toBe(h);
      expect(keyOf.get(h) ?? keys[i]).toBe(keys[i]);
      hashOf.set(keys[i], h);
      keyOf.set(h, keys[i]);
    });
    console.log(`ResNet line: ${m} breakpoints, max |t_bisected − t_exact| = ${worst.toExponential(2)}`);
  });

  it("each piece's affine output map equals the float64 reference forward inside it", () => {
    const C = r.outputSize, ts = [0, ...r.breakpoints, 1];
    for (let p = 0; p < ts.length - 1; p += 3) {
      const t = 0.5 * (ts[p] + ts[p + 1]);
      const out = referenceForward(model, at(t)).output;
      for (let c = 0; c < C; c++) expect(r.maps[p * 2 * C + c] + t * r.maps[p * 2 * C + C + c]).toBeCloseTo(out[c], 9);
    }
  });
});

describe("regionsInPlane through the report's MNIST CNN", () => {
  let model: Model;
  let r: RegionsInPlaneResult;
  let at: (s: number, t: number) => number[];
  const e = 5e-4;
  beforeAll(async () => {
    model = await Model.load(new URL("../../../data/models/mnist-cnn-c8-c16-d64-e4-b64-lr0.001-s1-n8000.foliate.json.gz", import.meta.url).pathname);
    const test = await loadDataset("mnist:test", { limit: 3 });
    const img = (i: number) => Array.from(test.X.subarray(784 * i, 784 * (i + 1)));
    const [x0, x1, x2] = [img(0), img(1), img(2)];
    const u = x1.map((v, i) => v - x0[i]), v = x2.map((w, i) => w - x0[i]);
    at = (s, t) => x0.map((o, i) => o + s * u[i] + t * v[i]);
    const t0 = performance.now();
    // The slice [e, 3e]²: away from the image x0 itself, where the lines of every pool window over its blank
    // pixels meet in one point (exactly concurrent lines make float64 slivers of ~1e-30 area there).
    r = await engine.regionsInPlane(model, x0, u, v, [e, 3 * e, e, 3 * e]);
    console.log(`MNIST CNN slice [${e}, ${3 * e}]²: ${r.count} regions, ${r.classCells.count} class cells, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }, 300_000);

  it("tiles its slice: positive areas summing to the slice's area to 1e-9, one polygon per pattern, class cells too", () => {
    expect(r.count).toBeGreaterThan(100);
    expectTiling(r, 4 * e * e);
    let cells = 0;
    const cc = r.classCells;
    for (let c = 0; c < cc.count; c++) {
      let a = 0;
      for (let i = cc.vertexStart[c]; i < cc.vertexStart[c + 1]; i++) {
        const j = i + 1 < cc.vertexStart[c + 1] ? i + 1 : cc.vertexStart[c];
        a += (cc.vertices[2 * i] * cc.vertices[2 * j + 1] - cc.vertices[2 * j] * cc.vertices[2 * i + 1]) / 2;
      }
      cells += a;
    }
    expect(Math.abs(cells - 4 * e * e)).toBeLessThan(1e-9);
    console.log(`MNIST CNN slice: |Σ areas − area| = ${Math.abs(r.areas.reduce((x, y) => x + y, 0) - 4 * e * e).toExponential(2)} (area ${(4 * e * e).toExponential(2)}), class cells ${Math.abs(cells - 4 * e * e).toExponential(2)}`);
  });

  it("sampled points lie in exactly one polygon, whose hash is the float64 forward's region hash and whose maps are the float64 forward's", async () => {
    const rs = mulberry32(5);
    const pts: number[][] = [], owner: number[] = [], st: [number, number][] = [];
    for (let q = 0; q < 300; q++) {
      const s = e * (1 + 2 * rs()), t = e * (1 + 2 * rs());
      const x = at(s, t);
      // Some of the CNN's 14 000 relu units and pool windows sit within ~1e-8 of a boundary everywhere in this
      // slice: float64 decides them (the float32 engine.forward may not; counted below).
      if (patternOf(model, x).margin < 1e-10) continue;
      const inside: number[] = [];
      for (let p = 0; p < r.count; p++) {
        let ok = true;
        for (let i = r.vertexStart[p]; i < r.vertexStart[p + 1] && ok; i++) {
          const j = i + 1 < r.vertexStart[p + 1] ? i + 1 : r.vertexStart[p];
          const ex = r.vertices[2 * j] - r.vertices[2 * i], ey = r.vertices[2 * j + 1] - r.vertices[2 * i + 1];
          ok = ex * (t - r.vertices[2 * i + 1]) - ey * (s - r.vertices[2 * i]) >= -1e-12 * Math.hypot(ex, ey) * e;
        }
        if (ok) inside.push(p);
      }
      expect(inside.length).toBe(1);
      pts.push(x);
      owner.push(inside[0]);
      st.push([s, t]);
    }
    expect(pts.length).toBeGreaterThan(100);
    const net = compileNetwork(model);
    owner.forEach((p, i) => expect(graphRegionHash(net, graphForward(net, pts[i]))).toBe(r.patterns[p]));
    const f = await engine.forward(model, pts);
    const same = owner.filter((p, i) => f.regionHash[i] === r.patterns[p]).length;
    console.log(`MNIST CNN slice: ${pts.length} sampled points; float64 twin's hash = polygon's at all; float32 engine.forward's at ${same}`);
    for (let i = 0; i < pts.length; i += 5) {
      const out = referenceForward(model, pts[i]).output;
      const p = owner[i];
      for (let c = 0; c < 10; c++) {
        const m = (p * 10 + c) * 3;
        expect(r.maps[m] * st[i][0] + r.maps[m + 1] * st[i][1] + r.maps[m + 2]).toBeCloseTo(out[c], 8);
      }
    }
  });
});
