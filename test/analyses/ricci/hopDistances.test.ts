// Hop-distance sums and Forman curvature of kNN graphs against the float64 references; the queue and bitset
// kernels agree; splitting the sources into ranges (the worker split) changes nothing.
import { describe, expect, it } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import { knnGraphOn } from "../../../src/analyses/ricci/knnGraph.js";
import { formanCurvatureOn } from "../../../src/analyses/ricci/formanCurvature.js";
import { chooseHopMethod, hopDistanceMatrixOn, hopDistanceSumsOn, hopSumsRangeOn } from "../../../src/analyses/ricci/hopDistances.js";
import { formanReference, graphReference, hopSumsReference, knnReference } from "../../../src/reference/ricci.js";
import { mulberry32 } from "../../../src/random.js";

function cloud(n: number, dim: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n * dim }, () => r() * 2 - 1);
}

/** Floyd–Warshall on the adjacency lists: an independent all-pairs reference (small n). */
function floydWarshall(adjacency: number[][]): Float64Array {
  const n = adjacency.length;
  const d = new Float64Array(n * n).fill(Infinity);
  for (let i = 0; i < n; i++) {
    d[i * n + i] = 0;
    for (const j of adjacency[i]) d[i * n + j] = 1;
  }
  for (let m = 0; m < n; m++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) if (d[i * n + m] + d[m * n + j] < d[i * n + j]) d[i * n + j] = d[i * n + m] + d[m * n + j];
  return d;
}

for (const variant of ["debug", undefined] as const) {
  describe(`hop distances and curvature of kNN graphs (${variant ?? "default"} Wasm)`, async () => {
    const arena = await Arena.create(variant);

    it("queue and bitset sums equal the reference BFS and Floyd–Warshall, both modes, several k", () => {
      const n = 150, dim = 3;
      const pts = cloud(n, dim, 5);
      for (const k of [2, 4, 15, 100]) {
        for (const mode of ["directed", "union"] as const) {
          const g = knnGraphOn(arena, pts, n, dim, k, mode);
          const ref = graphReference(n, k, knnReference(pts, n, dim, k), mode);
          const want = hopSumsReference(ref.adjacency);
          for (const method of ["queue", "bitset"] as const) {
            const h = hopDistanceSumsOn(arena, g, method);
            expect(Array.from(h.sums)).toEqual(Array.from(want.sums));
            expect(Array.from(h.reached)).toEqual(Array.from(want.reached));
          }
          const f = formanCurvatureOn(arena, g);
          const fr = formanReference(ref);
          expect(f.total).toBe(fr.total);
          expect(Array.from(f.node)).toEqual(Array.from(fr.node));
        }
      }
    });

    it("the uint16 distance matrix equals Floyd–Warshall (including ∞ on a disconnected graph)", () => {
      const n = 60;
      // two far-apart clusters: with k = 3 the graph splits
      const pts = cloud(n, 2, 9).map((v, i) => (Math.floor(i / 2) < n / 2 ? v : v + 100));
      const g = knnGraphOn(arena, pts, n, 2, 3, "union");
      const ref = graphReference(n, 3, knnReference(pts, n, 2, 3), "union");
      const fw = floydWarshall(ref.adjacency);
      const d = hopDistanceMatrixOn(arena, g);
      for (let e = 0; e < n * n; e++) expect(d[e]).toBe(fw[e] === Infinity ? 0xffff : fw[e]);
      const h = hopDistanceSumsOn(arena, g);
      expect(h.connected).toBe(false);
      let unreachable = 0;
      let g2 = 0;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) fw[i * n + j] === Infinity ? unreachable++ : (g2 += fw[i * n + j]);
      expect(h.unreachablePairs).toBe(unreachable);
      expect(h.g).toBe(g2);
    });

    it("source ranges (any split) concatenate to the full sums", () => {
      const n = 211;
      const g = knnGraphOn(arena, cloud(n, 4, 2), n, 4, 10, "union");
      for (const method of ["queue", "bitset"] as const) {
        const full = hopSumsRangeOn(arena, g, 0, n, method);
        for (const cuts of [[0, 105, n], [0, 1, 70, 140, 210, n]]) {
          const sums: number[] = [];
          const reached: number[] = [];
          for (let c = 0; c + 1 < cuts.length; c++) {
            const part = hopSumsRangeOn(arena, g, cuts[c], cuts[c + 1], method);
            sums.push(...part.sums);
            reached.push(...part.reached);
          }
          expect(sums).toEqual(Array.from(full.sums));
          expect(reached).toEqual(Array.from(full.reached));
        }
      }
    });

    it("auto picks bitsets for dense graphs and queues for sparse ones", () => {
      const pts = cloud(1000, 3, 1);
      expect(chooseHopMethod(knnGraphOn(arena, pts, 1000, 3, 30, "union"))).toBe("bitset");
      expect(chooseHopMethod(knnGraphOn(arena, pts, 1000, 3, 1, "union"))).toBe("queue");
    });
  });
}
