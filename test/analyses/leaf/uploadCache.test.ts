// Issue 11, item 2: the path jobs (leaf, leafRank, geodesic) run on the network their kernel instance uploaded
// once (src/engine/compute.ts), keyed by the compile options they declare; a chunk's scratch holds points and
// paths, never a copy of the weights. Checked on one kernel instance: after a warm-up call, a second call adds
// nothing to the cache (the arena's top stays) and its scratch high-water mark stays below the upload's size.
import { describe, expect, it } from "vitest";
import "../../../src/analyses/jobs.js";
import { Compute } from "../../../src/engine/compute.js";
import { indexBatch, leafJobOptions } from "../../../src/analyses/leaf.js";
import { rankJobOptions } from "../../../src/analyses/singularPoints.js";
import { geodesicJobOptions } from "../../../src/analyses/geodesic.js";
import { pathCompileOptions } from "../../../src/analyses/pathNet.js";
import { randomMlp, randomWeights } from "../../support/models.js";

const model = randomMlp([784, 256, 8, 10], 3) // pullbacks of node 1 (8 units) and the DIM: small Jacobians, large weights;
const d = 784;
const X = Float64Array.from(randomWeights(5, 2 * d, 1));

/** Scratch bytes (above the cached uploads) of `call`, and whether it added an upload. */
function scratchOf(c: Compute, call: () => void): { scratch: number; grew: boolean } {
  const base = (c.arena.exports.heapBase as () => number)();
  const top = c.arena.mark();
  c.arena.peak = 0;
  call();
  return { scratch: c.arena.peak - (top - base), grew: c.arena.mark() !== top };
}

describe("path jobs use the kernel instance's cached upload", () => {
  const cases: [string, () => { job: string; opts: Record<string, unknown>; n: number; layer: number }][] = [
    ["leaf (data)", () => ({ job: "leaf", opts: leafJobOptions(model, X, { maxLength: 0.1, maxVertices: 16 }) as never, n: 2, layer: -1 })],
    ["leaf (pullback of node 1: compiled with it kept)", () => ({ job: "leaf", opts: leafJobOptions(model, X, { distribution: { metric: "pullback", layer: 1 }, maxLength: 0.1, maxVertices: 16 }) as never, n: 2, layer: 1 })],
    ["leafRank (pullback of node 1)", () => ({ job: "leafRank", opts: rankJobOptions(model, X, { distribution: { metric: "pullback", layer: 1 } }) as never, n: 2, layer: 1 })],
    ["geodesic", () => ({ job: "geodesic", opts: geodesicJobOptions(model, X.subarray(0, d), X.subarray(d), { maxLength: 1e-3, maxVertices: 16 }) as never, n: 1, layer: -1 })],
  ];
  for (const [name, make] of cases) {
    it(name, async () => {
      const c = await Compute.create();
      c.register(model.id, model);
      const { job, opts, n, layer } = make();
      const run = () => c.run(job, model.id, indexBatch(n, d), n, opts);
      const first = run(); // uploads the network compiled as the job asks
      const cachedTop = c.arena.mark();
      const up = c.network(model.id, pathCompileOptions(layer)); // the job's own cache entry: no new upload
      expect(c.arena.mark()).toBe(cachedTop);
      const again = scratchOf(c, () => {
        const second = run();
        for (const [k, v] of Object.entries(first)) expect(second[k]).toEqual(v);
      });
      expect(again.grew).toBe(false);
      expect(up.bytes).toBeGreaterThan(2.4e6); // f32 + f64 params of 203 k weights
      expect(again.scratch).toBeLessThan(up.bytes / 4);
    });
  }
});
