// Forman–Ricci curvature with unit node and edge weights: F(i,j) = 4 − deg(i) − deg(j).

/**
 * Undirected graph (CSR rowPtr n+1, colIdx rowPtr[n] int32, symmetric, no self-loops) with its degrees
 * deg n int32. Writes nodeCurv n float64: Σ over edges incident to i of F(i,j). Returns the total curvature
 * Σ over edges {i,j} (each edge once) of F(i,j), summed in float64 (exact: every term is an integer).
 */
export function formanUndirected(n: i32, rowPtr: usize, colIdx: usize, deg: usize, nodeCurv: usize): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const di = load<i32>(deg + (<usize>i << 2));
    let s: f64 = 0;
    let sUpper: f64 = 0;
    const e1 = load<i32>(rowPtr + (<usize>(i + 1) << 2));
    for (let e = load<i32>(rowPtr + (<usize>i << 2)); e < e1; e++) {
      const j = load<i32>(colIdx + (<usize>e << 2));
      const f = <f64>(4 - di - load<i32>(deg + (<usize>j << 2)));
      s += f;
      if (j > i) sUpper += f;
    }
    store<f64>(nodeCurv + (<usize>i << 3), s);
    total += sUpper;
  }
  return total;
}

/**
 * Directed graph given by its out-arcs (CSR outPtr n+1, outIdx outPtr[n] int32; a mutual pair is two arcs) with
 * degrees deg n int32 = in-degree + out-degree (igraph's `degree(mode = "all")`, as the authors' R code).
 * Writes nodeCurv n float64: Σ over arcs incident to i (in and out) of F. Returns Σ over arcs i→j of
 * F(i,j) = 4 − deg(i) − deg(j), in float64.
 */
export function formanDirected(n: i32, outPtr: usize, outIdx: usize, deg: usize, nodeCurv: usize): f64 {
  memory.fill(nodeCurv, 0, <usize>n << 3);
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const di = load<i32>(deg + (<usize>i << 2));
    let s: f64 = 0;
    const e1 = load<i32>(outPtr + (<usize>(i + 1) << 2));
    for (let e = load<i32>(outPtr + (<usize>i << 2)); e < e1; e++) {
      const j = load<i32>(outIdx + (<usize>e << 2));
      const f = <f64>(4 - di - load<i32>(deg + (<usize>j << 2)));
      s += f;
      const pj = nodeCurv + (<usize>j << 3);
      store<f64>(pj, load<f64>(pj) + f);
    }
    const pi = nodeCurv + (<usize>i << 3);
    store<f64>(pi, load<f64>(pi) + s);
    total += s;
  }
  return total;
}
