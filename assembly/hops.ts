// Hop-count (unit edge length) graph geodesics: connected components, and per-source sums of the shortest-path
// lengths by breadth-first search from every source of a range, without any n×n matrix.

/**
 * Connected components of an undirected graph (CSR rowPtr n+1, colIdx int32, symmetric). Writes labels n int32:
 * components are numbered 0, 1, … in the order of their smallest node. Scratch: queue n int32. Returns the count.
 */
export function connectedComponents(n: i32, rowPtr: usize, colIdx: usize, labels: usize, queue: usize): i32 {
  memory.fill(labels, 0xff, <usize>n << 2); // −1: unlabelled
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (load<i32>(labels + (<usize>s << 2)) >= 0) continue;
    store<i32>(labels + (<usize>s << 2), count);
    store<i32>(queue, s);
    let head = 0;
    let tail = 1;
    while (head < tail) {
      const u = load<i32>(queue + (<usize>(head++) << 2));
      const e1 = load<i32>(rowPtr + (<usize>(u + 1) << 2));
      for (let e = load<i32>(rowPtr + (<usize>u << 2)); e < e1; e++) {
        const v = load<i32>(colIdx + (<usize>e << 2));
        if (load<i32>(labels + (<usize>v << 2)) >= 0) continue;
        store<i32>(labels + (<usize>v << 2), count);
        store<i32>(queue + (<usize>(tail++) << 2), v);
      }
    }
    count++;
  }
  return count;
}

/**
 * Queue BFS from every source s0 ≤ s < s1 of an undirected graph (CSR rowPtr n+1, colIdx int32), n ≤ 65 535.
 * Writes, relative to s0: sums (s1−s0) float64 = Σ_j γ(s, j) over the nodes j reachable from s, and
 * reached (s1−s0) int32 = the number of such j ≠ s. If distOut ≠ 0, also writes the hop distances as a
 * (s1−s0)×n uint16 row-major matrix (0xFFFF = unreachable; the source's own entry is 0).
 * Scratch: dist n uint16 (per-source distances, 0xFFFF = not yet reached), queue n int32.
 * Work O((s1−s0)·(n + nnz)): for sparse graphs (average degree ≲ n/128) this beats `hopSumsBitset`.
 */
export function hopSumsQueue(
  n: i32, rowPtr: usize, colIdx: usize, s0: i32, s1: i32,
  dist: usize, queue: usize, sums: usize, reached: usize, distOut: usize,
): void {
  for (let s = s0; s < s1; s++) {
    memory.fill(dist, 0xff, <usize>n << 1);
    store<u16>(dist + (<usize>s << 1), 0);
    store<i32>(queue, s);
    let head = 0;
    let tail = 1;
    let sum: f64 = 0;
    while (head < tail) {
      const u = load<i32>(queue + (<usize>(head++) << 2));
      const du = <u32>load<u16>(dist + (<usize>u << 1)) + 1; // ≤ n − 1 < 0xFFFF
      const e1 = load<i32>(rowPtr + (<usize>(u + 1) << 2));
      for (let e = load<i32>(rowPtr + (<usize>u << 2)); e < e1; e++) {
        const v = load<i32>(colIdx + (<usize>e << 2));
        const pv = dist + (<usize>v << 1);
        if (load<u16>(pv) != 0xffff) continue;
        store<u16>(pv, <u16>du);
        store<i32>(queue + (<usize>(tail++) << 2), v);
        sum += <f64>du;
      }
    }
    store<f64>(sums + (<usize>(s - s0) << 3), sum);
    store<i32>(reached + (<usize>(s - s0) << 2), tail - 1);
    if (distOut != 0) memory.copy(distOut + (<usize>(s - s0) * <usize>n << 1), dist, <usize>n << 1);
  }
}

/**
 * Dense bit-matrix of an undirected graph (CSR rowPtr n+1, colIdx int32): adj n×words uint64 row-major, bit v of
 * row u set iff u~v; words a multiple of 2 (whole v128 lanes) with words·64 ≥ n. adj is overwritten.
 */
export function bitsetAdjacency(n: i32, rowPtr: usize, colIdx: usize, words: i32, adj: usize): void {
  const rowBytes = <usize>words << 3;
  memory.fill(adj, 0, <usize>n * rowBytes);
  for (let u = 0; u < n; u++) {
    const row = adj + <usize>u * rowBytes;
    const e1 = load<i32>(rowPtr + (<usize>(u + 1) << 2));
    for (let e = load<i32>(rowPtr + (<usize>u << 2)); e < e1; e++) {
      const v = load<i32>(colIdx + (<usize>e << 2));
      const p = row + (<usize>(v >>> 6) << 3);
      store<u64>(p, load<u64>(p) | (<u64>1 << <u64>(v & 63)));
    }
  }
}

/**
 * Level-synchronous BFS on bitsets from every source s0 ≤ s < s1 (adj from `bitsetAdjacency`, words per row).
 * Each level ORs the adjacency rows of the frontier (v128 lanes), masks the visited set and counts the new nodes,
 * so no per-node distance is stored: the sum adds level × (new nodes). Same outputs as `hopSumsQueue` (sums
 * float64 and reached int32, relative to s0). Scratch: visited, frontier, next: words uint64 each.
 * Work O((s1−s0)·n·words/2) v128 operations, independent of the number of edges: the choice for dense kNN graphs.
 */
export function hopSumsBitset(
  n: i32, words: i32, adj: usize, s0: i32, s1: i32,
  visited: usize, frontier: usize, next: usize, sums: usize, reached: usize,
): void {
  const rowBytes = <usize>words << 3;
  for (let s = s0; s < s1; s++) {
    let f = frontier;
    let x = next;
    memory.fill(visited, 0, rowBytes);
    memory.fill(f, 0, rowBytes);
    const bit = <u64>1 << <u64>(s & 63);
    store<u64>(visited + (<usize>(s >>> 6) << 3), bit);
    store<u64>(f + (<usize>(s >>> 6) << 3), bit);
    let level: f64 = 0;
    let sum: f64 = 0;
    let count = 0;
    while (true) {
      memory.fill(x, 0, rowBytes);
      for (let w = 0; w < words; w++) {
        let m = load<u64>(f + (<usize>w << 3));
        while (m != 0) {
          const u = (w << 6) + <i32>ctz<u64>(m);
          m &= m - 1;
          const row = adj + <usize>u * rowBytes;
          for (let c: usize = 0; c < rowBytes; c += 16) {
            v128.store(x + c, v128.or(v128.load(x + c), v128.load(row + c)));
          }
        }
      }
      let fresh = 0;
      for (let c: usize = 0; c < rowBytes; c += 16) {
        const nv = v128.andnot(v128.load(x + c), v128.load(visited + c));
        v128.store(x + c, nv);
        v128.store(visited + c, v128.or(v128.load(visited + c), nv));
        fresh += <i32>(popcnt<u64>(i64x2.extract_lane(nv, 0)) + popcnt<u64>(i64x2.extract_lane(nv, 1)));
      }
      if (fresh == 0) break;
      level += 1;
      sum += level * <f64>fresh;
      count += fresh;
      const t = f;
      f = x;
      x = t;
    }
    store<f64>(sums + (<usize>(s - s0) << 3), sum);
    store<i32>(reached + (<usize>(s - s0) << 2), count);
  }
}
