// Compressed sparse row (CSR) adjacency of a directed graph's underlying undirected graph.

/**
 * Symmetrize a directed graph given by its out-arcs in CSR (outPtr n+1 int32, outIdx outPtr[n] int32; no
 * self-loops, no repeated arc) into the undirected adjacency "i~j iff i→j or j→i".
 *
 * Writes: inDeg n int32 (number of arcs into each node), inPtr n+1 and inIdx outPtr[n] int32 (the in-arcs, each row
 * in increasing source order), rowPtr n+1 and colIdx int32 (the undirected adjacency: row i lists i's out-neighbours
 * in their given order, then its in-only neighbours in increasing index; capacity 2·outPtr[n] entries).
 * Scratch: mark n int32 (overwritten). Returns the number of undirected adjacency entries rowPtr[n]
 * (= twice the number of undirected edges).
 */
export function symmetrizeCsr(
  n: i32, outPtr: usize, outIdx: usize,
  inDeg: usize, inPtr: usize, inIdx: usize, mark: usize, rowPtr: usize, colIdx: usize,
): i32 {
  const arcs = load<i32>(outPtr + (<usize>n << 2));
  memory.fill(inDeg, 0, <usize>n << 2);
  for (let e = 0; e < arcs; e++) {
    const j = load<i32>(outIdx + (<usize>e << 2));
    const p = inDeg + (<usize>j << 2);
    store<i32>(p, load<i32>(p) + 1);
  }
  // in-arcs: prefix sums, then fill in increasing source order (mark[] is the fill cursor)
  store<i32>(inPtr, 0);
  for (let i = 0; i < n; i++) {
    const start = load<i32>(inPtr + (<usize>i << 2));
    store<i32>(inPtr + (<usize>(i + 1) << 2), start + load<i32>(inDeg + (<usize>i << 2)));
    store<i32>(mark + (<usize>i << 2), start);
  }
  for (let i = 0; i < n; i++) {
    const e1 = load<i32>(outPtr + (<usize>(i + 1) << 2));
    for (let e = load<i32>(outPtr + (<usize>i << 2)); e < e1; e++) {
      const j = load<i32>(outIdx + (<usize>e << 2));
      const cur = mark + (<usize>j << 2);
      const slot = load<i32>(cur);
      store<i32>(inIdx + (<usize>slot << 2), i);
      store<i32>(cur, slot + 1);
    }
  }
  // undirected rows: out-neighbours, then in-neighbours not already listed (mark[j] == i + 1 means listed)
  memory.fill(mark, 0, <usize>n << 2);
  let nnz = 0;
  store<i32>(rowPtr, 0);
  for (let i = 0; i < n; i++) {
    const stamp = i + 1;
    const o1 = load<i32>(outPtr + (<usize>(i + 1) << 2));
    for (let e = load<i32>(outPtr + (<usize>i << 2)); e < o1; e++) {
      const j = load<i32>(outIdx + (<usize>e << 2));
      store<i32>(mark + (<usize>j << 2), stamp);
      store<i32>(colIdx + (<usize>nnz << 2), j);
      nnz++;
    }
    const i1 = load<i32>(inPtr + (<usize>(i + 1) << 2));
    for (let e = load<i32>(inPtr + (<usize>i << 2)); e < i1; e++) {
      const j = load<i32>(inIdx + (<usize>e << 2));
      if (load<i32>(mark + (<usize>j << 2)) == stamp) continue;
      store<i32>(mark + (<usize>j << 2), stamp);
      store<i32>(colIdx + (<usize>nnz << 2), j);
      nnz++;
    }
    store<i32>(rowPtr + (<usize>(i + 1) << 2), nnz);
  }
  return nnz;
}
