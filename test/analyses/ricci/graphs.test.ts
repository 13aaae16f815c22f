// Forman curvature and hop distances on hand-made graphs with closed-form values.
import { describe, expect, it } from "vitest";
import { Arena } from "../../../src/engine/arena.js";
import { graphFromArcsOn } from "../../../src/analyses/ricci/graph.js";
import { formanCurvatureOn } from "../../../src/analyses/ricci/formanCurvature.js";
import { hopDistanceMatrixOn, hopDistanceSumsOn } from "../../../src/analyses/ricci/hopDistances.js";
import { ShapeError } from "../../../src/errors.js";

const path = (n: number) => Array.from({ length: n - 1 }, (_, i) => [i, i + 1] as [number, number]);
const cycle = (n: number) => Array.from({ length: n }, (_, i) => [i, (i + 1) % n] as [number, number]);
const star = (m: number) => Array.from({ length: m }, (_, i) => [0, i + 1] as [number, number]);
const complete = (n: number) => {
  const e: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) e.push([i, j]);
  return e;
};

for (const variant of ["debug", undefined] as const) {
  describe(`hand-made graphs (${variant ?? "default"} Wasm)`, async () => {
    const arena = await Arena.create(variant);

    it("path P_n: end edges +1, inner edges 0, g = (n−1)n(n+1)/6", () => {
      for (const n of [2, 3, 7]) {
        const g = graphFromArcsOn(arena, n, path(n), "union");
        const f = formanCurvatureOn(arena, g);
        expect(f.total).toBe(2); // P2: one edge 4−1−1; longer: the two end edges 4−1−2
        expect(f.edges).toBe(n - 1);
        for (const method of ["queue", "bitset"] as const) {
          const h = hopDistanceSumsOn(arena, g, method);
          expect(h.g).toBe(((n - 1) * n * (n + 1)) / 6);
          expect(h.connected).toBe(true);
          // node 0's summed distances: 1 + 2 + … + (n−1)
          expect(h.sums[0]).toBe(((n - 1) * n) / 2);
        }
      }
      const f7 = formanCurvatureOn(arena, graphFromArcsOn(arena, 7, path(7), "union"));
      expect(Array.from(f7.node)).toEqual([1, 1, 0, 0, 0, 1, 1]);
    });

    it("cycle C_n: every edge 0; g = n³/8 (n even), n(n²−1)/8 (n odd)", () => {
      for (const n of [3, 6, 9]) {
        const g = graphFromArcsOn(arena, n, cycle(n), "union");
        expect(formanCurvatureOn(arena, g).total).toBe(0);
        const want = n % 2 === 0 ? n ** 3 / 8 : (n * (n * n - 1)) / 8;
        expect(hopDistanceSumsOn(arena, g, "queue").g).toBe(want);
        expect(hopDistanceSumsOn(arena, g, "bitset").g).toBe(want);
      }
    });

    it("star K_{1,m}: every edge 3 − m, Ric = m(3 − m), g = m²", () => {
      for (const m of [1, 3, 5]) {
        const g = graphFromArcsOn(arena, m + 1, star(m), "union");
        const f = formanCurvatureOn(arena, g);
        expect(f.total).toBe(m * (3 - m));
        expect(f.node[0]).toBe(m * (3 - m));
        expect(f.nodeMean[1]).toBe(3 - m);
        expect(hopDistanceSumsOn(arena, g).g).toBe(m * m);
      }
    });

    it("complete K_n: every edge 6 − 2n, g = n(n−1)/2", () => {
      for (const n of [2, 4, 130]) {
        const g = graphFromArcsOn(arena, n, complete(n), "union");
        expect(formanCurvatureOn(arena, g).total).toBe(((n * (n - 1)) / 2) * (6 - 2 * n));
        for (const method of ["queue", "bitset"] as const) expect(hopDistanceSumsOn(arena, g, method).g).toBe((n * (n - 1)) / 2);
      }
    });

    it("directed mode: deg = in + out, sums over arcs (mutual pairs twice)", () => {
      // mutual pair 0⇄1 plus 2→1: deg 0 = 2, deg 1 = 3, deg 2 = 1
      const g = graphFromArcsOn(arena, 3, [[0, 1], [1, 0], [2, 1]], "directed");
      expect(Array.from(g.degree)).toEqual([2, 3, 1]);
      const f = formanCurvatureOn(arena, g);
      expect(f.total).toBe(2 * (4 - 2 - 3) + (4 - 1 - 3));
      expect(f.edges).toBe(3);
      expect(Array.from(f.node)).toEqual([-2, -2, 0]);
      // hops are on the undirected adjacency: path 0-1-2
      expect(hopDistanceSumsOn(arena, g).g).toBe(4);
      // directed star, leaves → centre: same curvature as the undirected star
      const s = graphFromArcsOn(arena, 5, [[1, 0], [2, 0], [3, 0], [4, 0]], "directed");
      expect(formanCurvatureOn(arena, s).total).toBe(4 * (3 - 4));
    });

    it("a disconnected graph is reported: components, unreachable pairs, reachable-pair g", () => {
      // P3 on {0,1,2}, P2 on {3,4}, isolated node 5
      const g = graphFromArcsOn(arena, 6, [[0, 1], [1, 2], [3, 4]], "union");
      for (const method of ["queue", "bitset"] as const) {
        const h = hopDistanceSumsOn(arena, g, method);
        expect(h.connected).toBe(false);
        expect(h.components).toBe(3);
        expect(Array.from(h.labels)).toEqual([0, 0, 0, 1, 1, 2]);
        expect(h.unreachablePairs).toBe(15 - 3 - 1);
        expect(h.g).toBe(4 + 1);
        expect(Array.from(h.reached)).toEqual([2, 2, 2, 1, 1, 0]);
      }
      const d = hopDistanceMatrixOn(arena, g);
      expect(d[0 * 6 + 2]).toBe(2);
      expect(d[0 * 6 + 3]).toBe(0xffff);
      expect(formanCurvatureOn(arena, g).nodeMean[5]).toBe(0);
    });

    it("refuses self-loops, repeated arcs and nodes out of range", () => {
      expect(() => graphFromArcsOn(arena, 3, [[1, 1]], "union")).toThrow(ShapeError);
      expect(() => graphFromArcsOn(arena, 3, [[0, 1], [1, 0]], "union")).toThrow(ShapeError);
      expect(() => graphFromArcsOn(arena, 3, [[0, 3]], "directed")).toThrow(ShapeError);
    });
  });
}
