// The Ricci flow of activation clouds: a tiny set computed by hand, invariance to the order of the points,
// the sweep, disconnected layers and input errors.
import { describe, expect, it } from "vitest";
import { ricciFlowFromActivations, ricciSweepFromActivations, type ActivationCloud } from "../../../src/analyses/ricci/ricciFlow.js";
import { ricciFlowReference } from "../../../src/reference/ricci.js";
import { arenaExecutor, sourceRanges, type RicciExecutor } from "../../../src/analyses/ricci/executor.js";
import { Arena } from "../../../src/engine/arena.js";
import { mulberry32 } from "../../../src/random.js";
import { NonFiniteError, OptionError, ShapeError } from "../../../src/errors.js";

// Four points, k = 1. With union edges: path 0-1-2-3 (P4), star centred at 0 (S), two pairs {0,1}, {2,3} (PP).
const P4: ActivationCloud = { data: new Float32Array([0, 1, 3, 6]), dim: 1 };
const S: ActivationCloud = { data: new Float32Array([0, 0, 1, 0, -0.5, 0.9, -0.5, -0.9]), dim: 2 };
const PP: ActivationCloud = { data: new Float32Array([0, 1, 10, 11]), dim: 1 };
const OUT: ActivationCloud = { data: new Float32Array([0, 0.1, 0.2, 0.3]), dim: 1 };
const tiny = [P4, S, PP, P4, S, PP, OUT]; // input, 5 layers, output (dropped)

describe("ricciFlowFromActivations on a tiny set computed by hand", () => {
  it("union mode: Ric, g, η, components, ρ, p, z and a local coefficient", async () => {
    const r = await ricciFlowFromActivations(tiny, { k: 1, mode: "union", disconnected: "reachable" });
    // Ric: P4 = (4−1−2)+(4−2−2)+(4−2−1) = 2; S = 3·(4−3−1) = 0; PP = 2·(4−1−1) = 4
    expect(Array.from(r.ric)).toEqual([2, 0, 4, 2, 0, 4]);
    // g: P4 = 3·1 + 2·2 + 1·3 = 10; S = 3·1 + 3·2 = 9; PP = 1 + 1 over reachable pairs = 2
    expect(Array.from(r.g)).toEqual([10, 9, 2, 10, 9, 2]);
    expect(Array.from(r.eta)).toEqual([-1, -7, 8, -1, -7]);
    expect(Array.from(r.components)).toEqual([1, 1, 2, 1, 1, 2]);
    expect(Array.from(r.unreachablePairs)).toEqual([0, 0, 4, 0, 0, 4]);
    expect(r.disconnected).toBe(true);
    expect(r.layers).toBe(5);
    // ρ over (Ric_0..4, η_0..4) = ([2,0,4,2,0], [−1,−7,8,−1,−7]): means 1.6, −1.6
    const sxy = 0.4 * 0.6 + -1.6 * -5.4 + 2.4 * 9.6 + 0.4 * 0.6 + -1.6 * -5.4; // 40.8
    const sxx = 0.16 + 2.56 + 5.76 + 0.16 + 2.56; // 11.2
    const syy = 0.36 + 29.16 + 92.16 + 0.36 + 29.16; // 151.2
    const rho = sxy / Math.sqrt(sxx * syy);
    expect(r.rho).toBeCloseTo(rho, 14);
    expect(r.rhoReason).toBeNull();
    expect(r.pairs).toBe(5);
    // p-value, ν = 3: P(|T| ≥ t) = 1 − (2/π)(atan(t/√3) + (t/√3)/(1 + t²/3))
    const t = rho * Math.sqrt(3 / (1 - rho * rho));
    const u = t / Math.sqrt(3);
    expect(r.pValue).toBeCloseTo(1 - (2 / Math.PI) * (Math.atan(u) + u / (1 + u * u)), 12);
    expect(r.zFisher).toBeCloseTo(0.5 * Math.log((1 + rho) / (1 - rho)) * Math.sqrt(5 - 4), 12);
    expect(r.zAdjusted).toBeCloseTo(0.5 * Math.log((1 + rho) / (1 - rho)) / Math.sqrt(5 - 4), 12);
    // point 0: node curvature [1, 0, 2, 1, 0]; summed distances [6, 3, 1, 6, 3, 1] → changes [−3, −2, 5, −3, −2]
    expect(Array.from(r.nodeCurvature.filter((_, e) => e % 4 === 0))).toEqual([1, 0, 2, 1, 0, 2]);
    expect(Array.from(r.distanceSums.filter((_, e) => e % 4 === 0))).toEqual([6, 3, 1, 6, 3, 1]);
    const local0 = (0.2 * -2 + -0.8 * -1 + 1.2 * 6 + 0.2 * -2 + -0.8 * -1) / Math.sqrt((0.04 + 0.64 + 1.44 + 0.04 + 0.64) * (4 + 1 + 36 + 4 + 1));
    expect(r.local[0]).toBeCloseTo(local0, 14);
  });

  it("skipInput correlates over the hidden layers only (the R script's pairs)", async () => {
    const r = await ricciFlowFromActivations(tiny, { k: 1, mode: "union", disconnected: "reachable", skipInput: true });
    // (Ric_1..4, η_1..4) = ([0,4,2,0], [−7,8,−1,−7]): means 1.5, −1.75
    const sxy = -1.5 * -5.25 + 2.5 * 9.75 + 0.5 * 0.75 + -1.5 * -5.25; // 40.5
    const sxx = 2.25 + 6.25 + 0.25 + 2.25; // 11
    const syy = 27.5625 + 95.0625 + 0.5625 + 27.5625; // 150.75
    const rho = sxy / Math.sqrt(sxx * syy);
    expect(r.pairs).toBe(4);
    expect(r.rho).toBeCloseTo(rho, 14);
    // ν = 2: P(|T| ≥ t) = 1 − t/√(2 + t²)
    const t = rho * Math.sqrt(2 / (1 - rho * rho));
    expect(r.pValue).toBeCloseTo(1 - t / Math.sqrt(2 + t * t), 12);
    expect(r.zFisher).toBeCloseTo(Math.atanh(rho) * Math.sqrt(4 - 3), 12); // √(L−4) = √(pairs−3)
  });

  it("directed mode: deg = in + out, curvature over arcs", async () => {
    const r = await ricciFlowFromActivations(tiny, { k: 1, mode: "directed", disconnected: "reachable" });
    // P4 arcs 0→1, 1→0, 2→1, 3→2, deg [2,3,2,1]: −1 −1 −1 +1 = −2
    // S arcs 0→1, 1→0, 2→0, 3→0, deg [4,2,1,1]: −2 −2 −1 −1 = −6;  PP: four arcs between degree-2 nodes: 0
    expect(Array.from(r.ric)).toEqual([-2, -6, 0, -2, -6, 0]);
    expect(Array.from(r.g)).toEqual([10, 9, 2, 10, 9, 2]);
  });

  it("a disconnected layer makes ρ NaN by default, with the reason", async () => {
    const r = await ricciFlowFromActivations(tiny, { k: 1, mode: "union" });
    expect(r.rho).toBeNaN();
    expect(r.pValue).toBeNaN();
    expect(r.rhoReason).toMatch(/layer 2 is disconnected \(2 components, 4 unreachable pairs\)/);
    expect(Array.from(r.g)).toEqual([10, 9, 2, 10, 9, 2]); // still reported
    expect(r.local.every(Number.isNaN)).toBe(true);
  });

  it("includeOutput keeps the last cloud", async () => {
    const r = await ricciFlowFromActivations(tiny, { k: 1, mode: "union", includeOutput: true, disconnected: "reachable" });
    expect(r.layers).toBe(6);
    expect(r.ric[6]).toBe(2); // 0, 0.1, 0.2, 0.3: the nearest neighbours chain into a path
  });
});

function randomClouds(n: number, dims: number[], seed: number): ActivationCloud[] {
  const r = mulberry32(seed);
  return dims.map((dim) => ({ data: Float32Array.from({ length: n * dim }, () => r() * 2 - 1), dim }));
}

/** Fisher–Yates permutation of 0..n−1, seeded. */
function permutation(n: number, seed: number): Int32Array {
  const rand = mulberry32(seed);
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function permute(c: ActivationCloud, p: Int32Array): ActivationCloud {
  const n = p.length;
  const data = new Float32Array(n * c.dim);
  for (let i = 0; i < n; i++) data.set(c.data.subarray(p[i] * c.dim, (p[i] + 1) * c.dim), i * c.dim);
  return { data, dim: c.dim };
}

describe("ricci flow invariances and sweep", () => {
  const n = 120;
  const clouds = randomClouds(n, [3, 10, 10, 8, 6, 4, 1], 21);

  it("Ric, g, η, ρ are invariant to the order of the points; local follows the points", async () => {
    for (const mode of ["directed", "union"] as const) {
      const a = await ricciFlowFromActivations(clouds, { k: 8, mode });
      const p = permutation(n, 99);
      const b = await ricciFlowFromActivations(clouds.map((c) => permute(c, p)), { k: 8, mode });
      expect(Array.from(b.ric)).toEqual(Array.from(a.ric));
      expect(Array.from(b.g)).toEqual(Array.from(a.g));
      expect(Array.from(b.eta)).toEqual(Array.from(a.eta));
      expect(b.rho).toBe(a.rho);
      for (let i = 0; i < n; i++) expect(b.local[i]).toBe(a.local[p[i]]);
    }
  });

  it("Ric, g, η, ρ and local are invariant to the worker count (executor split into 1, 2, 3 and 7 ranges)", async () => {
    const arena = await Arena.create();
    const base = await ricciFlowFromActivations(clouds, { k: 9, mode: "union", arena, executor: arenaExecutor(arena, 1) });
    for (const parts of [2, 3, 7]) {
      const calls: [number, number][] = [];
      const inner = arenaExecutor(arena, parts);
      const ex: RicciExecutor = {
        parallelism: parts,
        knnRows: (p, n2, d, k, s0, s1) => (calls.push([s0, s1]), inner.knnRows(p, n2, d, k, s0, s1)),
        hopSums: (g, s0, s1, m) => inner.hopSums(g, s0, s1, m),
      };
      const r = await ricciFlowFromActivations(clouds, { k: 9, mode: "union", arena, executor: ex });
      expect(calls.length).toBe(parts * 6); // 6 clouds (output dropped), `parts` row ranges each
      expect(Array.from(r.ric)).toEqual(Array.from(base.ric));
      expect(Array.from(r.g)).toEqual(Array.from(base.g));
      expect(Array.from(r.eta)).toEqual(Array.from(base.eta));
      expect(Array.from(r.distanceSums)).toEqual(Array.from(base.distanceSums));
      expect(r.rho).toBe(base.rho);
    }
    expect(sourceRanges(10, 3)).toEqual([[0, 3], [3, 6], [6, 10]]);
    expect(sourceRanges(2, 5)).toEqual([[0, 1], [1, 2]]);
  });

  it("agrees with the plain TypeScript flow", async () => {
    const a = await ricciFlowFromActivations(clouds, { k: 10, mode: "union", includeOutput: true });
    const ref = ricciFlowReference(clouds, 10, "union");
    expect(Array.from(a.ric)).toEqual(Array.from(ref.ric));
    expect(Array.from(a.g)).toEqual(Array.from(ref.g));
    expect(a.rho).toBeCloseTo(ref.rho, 12);
  });

  it("the sweep equals one flow per k (kNN tables truncated from the largest k)", async () => {
    const s = await ricciSweepFromActivations(clouds, [5, 12, 30], "directed");
    for (const [i, k] of [5, 12, 30].entries()) {
      const one = await ricciFlowFromActivations(clouds, { k, mode: "directed" });
      expect(Array.from(s.flows[i].ric)).toEqual(Array.from(one.ric));
      expect(Array.from(s.flows[i].g)).toEqual(Array.from(one.g));
      expect(s.rho[i]).toBe(one.rho);
    }
  });

  it("rejects mismatched clouds, bad k and non-finite activations", async () => {
    await expect(ricciFlowFromActivations([P4], { k: 1 })).rejects.toThrow(ShapeError);
    await expect(ricciFlowFromActivations([P4, { data: new Float32Array(6), dim: 1 }, OUT], { k: 1 })).rejects.toThrow(ShapeError);
    await expect(ricciFlowFromActivations(tiny, { k: 4 })).rejects.toThrow(OptionError);
    await expect(ricciSweepFromActivations(tiny, [])).rejects.toThrow(OptionError);
    const bad = { data: new Float32Array([0, Infinity, 1, 2]), dim: 1 };
    await expect(ricciFlowFromActivations([P4, bad, OUT], { k: 1 })).rejects.toThrow(NonFiniteError);
  });
});
