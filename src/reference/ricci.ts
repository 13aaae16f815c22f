/**
 * Float64 TypeScript twins of the Ricci kernels (assembly/knn.ts, csr.ts, forman.ts, hops.ts) and of the whole
 * flow, for tests and benchmarks only: the same algorithms (heap selection, queue BFS) in plain TypeScript.
 */

/** (d, j) < (e, m) in the order "distance, then index". */
function before(d: number, j: number, e: number, m: number): boolean {
  return d < e || (d === e && j < m);
}

/** k nearest neighbours of every point (float64 squared distances, ties to the lower index): n×k, nearest first. */
export function knnReference(points: ArrayLike<number>, n: number, dim: number, k: number): Int32Array {
  const out = new Int32Array(n * k); // n×k, row-major
  const hd = new Float64Array(k);
  const hj = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    let size = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let d = 0;
      for (let c = 0; c < dim; c++) {
        const t = points[i * dim + c] - points[j * dim + c];
        d += t * t;
      }
      if (size < k) {
        let p = size++;
        while (p > 0) {
          const q = (p - 1) >> 1;
          if (!before(hd[q], hj[q], d, j)) break;
          hd[p] = hd[q];
          hj[p] = hj[q];
          p = q;
        }
        hd[p] = d;
        hj[p] = j;
      } else if (before(d, j, hd[0], hj[0])) {
        siftDown(hd, hj, k, d, j);
      }
    }
    for (let m = k - 1; m >= 0; m--) {
      out[i * k + m] = hj[0];
      if (m > 0) siftDown(hd, hj, m, hd[m], hj[m]);
    }
  }
  return out;
}

/** Put (d, j) at the root of a max-heap of `size` items and restore the heap. */
function siftDown(hd: Float64Array, hj: Int32Array, size: number, d: number, j: number): void {
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= size) break;
    if (c + 1 < size && before(hd[c], hj[c], hd[c + 1], hj[c + 1])) c++;
    if (!before(d, j, hd[c], hj[c])) break;
    hd[i] = hd[c];
    hj[i] = hj[c];
    i = c;
  }
  hd[i] = d;
  hj[i] = j;
}

export interface ReferenceGraph {
  n: number;
  /** Sorted neighbour lists of the undirected adjacency. */
  adjacency: number[][];
  /** directed: in + out arcs; union: distinct neighbours. */
  degree: number[];
  /** The arcs [i, j] (directed) or the edges [i, j], i < j (union) that curvature sums over. */
  edges: [number, number][];
}

/** Graph of a kNN table (n×k) in mode "directed" or "union". */
export function graphReference(n: number, k: number, table: Int32Array, mode: "directed" | "union"): ReferenceGraph {
  const sets = Array.from({ length: n }, () => new Set<number>());
  const degree = new Array<number>(n).fill(0);
  const arcs: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    for (let m = 0; m < k; m++) {
      const j = table[i * k + m];
      sets[i].add(j);
      sets[j].add(i);
      arcs.push([i, j]);
      degree[i]++;
      degree[j]++;
    }
  }
  const adjacency = sets.map((s) => [...s].sort((a, b) => a - b));
  if (mode === "directed") return { n, adjacency, degree, edges: arcs };
  const edges: [number, number][] = [];
  adjacency.forEach((row, i) => row.forEach((j) => j > i && edges.push([i, j])));
  return { n, adjacency, degree: adjacency.map((r) => r.length), edges };
}

/** Ric = Σ over edges/arcs of 4 − deg i − deg j, and node curvature (Σ over incident edges/arcs). */
export function formanReference(g: ReferenceGraph): { total: number; node: Float64Array } {
  const node = new Float64Array(g.n); // n
  let total = 0;
  for (const [i, j] of g.edges) {
    const f = 4 - g.degree[i] - g.degree[j];
    total += f;
    node[i] += f;
    node[j] += f;
  }
  return { total, node };
}

/**
 * Per-source hop-distance sums and reached counts by queue BFS (int32 distances, −1 = unreached), for the sources
 * 0 ≤ s < sources (default all n).
 */
export function hopSumsReference(adjacency: number[][], sources = adjacency.length): { sums: Float64Array; reached: Int32Array } {
  const n = adjacency.length;
  const sums = new Float64Array(sources); // sources
  const reached = new Int32Array(sources); // sources
  const dist = new Int32Array(n);
  const queue = new Int32Array(n);
  for (let s = 0; s < sources; s++) {
    dist.fill(-1);
    dist[s] = 0;
    queue[0] = s;
    let head = 0;
    let tail = 1;
    let sum = 0;
    while (head < tail) {
      const u = queue[head++];
      for (const v of adjacency[u]) {
        if (dist[v] >= 0) continue;
        dist[v] = dist[u] + 1;
        sum += dist[v];
        queue[tail++] = v;
      }
    }
    sums[s] = sum;
    reached[s] = tail - 1;
  }
  return { sums, reached };
}

/** The whole flow in plain TypeScript: Ric_l, g_l (reachable pairs), η_l and ρ over the clouds given. */
export function ricciFlowReference(
  clouds: { data: ArrayLike<number>; dim: number }[], k: number, mode: "directed" | "union",
): { ric: Float64Array; g: Float64Array; eta: Float64Array; rho: number } {
  const L = clouds.length - 1;
  const n = clouds[0].data.length / clouds[0].dim;
  const ric = new Float64Array(L + 1);
  const g = new Float64Array(L + 1);
  clouds.forEach((c, l) => {
    const graph = graphReference(n, k, knnReference(c.data, n, c.dim, k), mode);
    ric[l] = formanReference(graph).total;
    g[l] = hopSumsReference(graph.adjacency).sums.reduce((a, b) => a + b, 0) / 2;
  });
  const eta = new Float64Array(L);
  for (let l = 0; l < L; l++) eta[l] = g[l + 1] - g[l];
  const x = ric.subarray(0, L);
  const mx = x.reduce((a, b) => a + b, 0) / L;
  const my = eta.reduce((a, b) => a + b, 0) / L;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let l = 0; l < L; l++) {
    sxy += (x[l] - mx) * (eta[l] - my);
    sxx += (x[l] - mx) ** 2;
    syy += (eta[l] - my) ** 2;
  }
  return { ric, g, eta, rho: sxy / Math.sqrt(sxx * syy) };
}
