// Exact k nearest neighbours (Euclidean) of every point of a cloud, for the rows of a source range.

/** (d, j) < (bestD, bestJ) in the total order "distance, then index": the tie-break that makes kNN deterministic. */
@inline
function before(d: f32, j: i32, bestD: f32, bestJ: i32): bool {
  return d < bestD || (d == bestD && j < bestJ);
}

/** Restore the max-heap property (largest (distance, index) on top) below slot `at` of a heap of `size` items. */
@inline
function siftDown(heapIdx: usize, heapDist: usize, size: i32, at: i32): void {
  let i = at;
  const d = load<f32>(heapDist + (<usize>i << 2));
  const j = load<i32>(heapIdx + (<usize>i << 2));
  while (true) {
    let c = 2 * i + 1;
    if (c >= size) break;
    let cd = load<f32>(heapDist + (<usize>c << 2));
    let cj = load<i32>(heapIdx + (<usize>c << 2));
    if (c + 1 < size) {
      const rd = load<f32>(heapDist + (<usize>(c + 1) << 2));
      const rj = load<i32>(heapIdx + (<usize>(c + 1) << 2));
      if (before(cd, cj, rd, rj)) {
        c = c + 1;
        cd = rd;
        cj = rj;
      }
    }
    if (!before(d, j, cd, cj)) break; // the item at i is not below its larger child: heap holds
    store<f32>(heapDist + (<usize>i << 2), cd);
    store<i32>(heapIdx + (<usize>i << 2), cj);
    i = c;
  }
  store<f32>(heapDist + (<usize>i << 2), d);
  store<i32>(heapIdx + (<usize>i << 2), j);
}

@inline
function swap(rowIdx: usize, rowDist: usize, a: i32, b: i32): void {
  const pa = <usize>a << 2;
  const pb = <usize>b << 2;
  const d = load<f32>(rowDist + pa);
  const j = load<i32>(rowIdx + pa);
  store<f32>(rowDist + pa, load<f32>(rowDist + pb));
  store<i32>(rowIdx + pa, load<i32>(rowIdx + pb));
  store<f32>(rowDist + pb, d);
  store<i32>(rowIdx + pb, j);
}

@inline
function lessAt(rowIdx: usize, rowDist: usize, a: i32, b: i32): bool {
  return before(
    load<f32>(rowDist + (<usize>a << 2)), load<i32>(rowIdx + (<usize>a << 2)),
    load<f32>(rowDist + (<usize>b << 2)), load<i32>(rowIdx + (<usize>b << 2)),
  );
}

/**
 * k nearest neighbours of the points s0 ≤ i < s1 among all n points (the point itself excluded).
 *
 * Points: row-major n×ldp float32 at `pts`, ldp a multiple of 4 and the padding columns zero (the host pads), so
 * each row is whole v128 lanes. Squared distances are summed from direct differences, Σ (a_c − b_c)², four lanes
 * at a time in float32: no cancellation (unlike ‖a‖²+‖b‖²−2a·b), d(i,j) and d(j,i) are bit-identical and
 * duplicate points are at distance exactly 0; the relative error is ≤ about ldp/4·2⁻²³ of the true value.
 * Candidates are compared in the total order (squared distance, index), so ties go to the lower index.
 *
 * Work per row: the n − 1 distances (the query row stays in L1, the candidates stream), and partial selection
 * of the k smallest: for 8k ≤ n a max-heap of k (O(n + k log k · log(n/k)) expected), otherwise all distances
 * go to the scratch row and a quickselect (O(n) expected) keeps the k smallest; then a heap sort of those k.
 * (Crossover measured at n = 2000, dim 3 and 50.)
 *
 * Output (rows relative to s0): outIdx (s1−s0)×k int32 and outDist (s1−s0)×k float32 squared distances,
 * row-major, each row nearest first. Scratch (host-owned): rowIdx n int32, rowDist n float32.
 * Requires 1 ≤ k ≤ n − 1 and 0 ≤ s0 ≤ s1 ≤ n (checked by the host).
 */
export function knnF32(
  n: i32, ldp: i32, pts: usize, k: i32, s0: i32, s1: i32,
  outIdx: usize, outDist: usize, rowIdx: usize, rowDist: usize,
): void {
  const rowBytes = <usize>ldp << 2;
  const m = n - 1; // candidates per row
  // small k: a k-slot max-heap rejects most candidates with one comparison; large k: store all, quickselect
  const useHeap = k * 8 <= n;
  for (let i = s0; i < s1; i++) {
    const a = pts + <usize>i * rowBytes;
    let c = 0;
    for (let j = 0; j < n; j++) {
      if (j == i) continue;
      const b = pts + <usize>j * rowBytes;
      let acc = f32x4.splat(0);
      for (let o: usize = 0; o < rowBytes; o += 16) {
        const diff = f32x4.sub(v128.load(a + o), v128.load(b + o));
        acc = f32x4.add(acc, f32x4.mul(diff, diff));
      }
      const d: f32 =
        f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) +
        (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
      if (!useHeap) {
        store<f32>(rowDist + (<usize>c << 2), d);
        store<i32>(rowIdx + (<usize>c << 2), j);
        c++;
      } else if (c < k) {
        // push onto the max-heap in slots 0..c, then sift up
        let p = c++;
        while (p > 0) {
          const q = (p - 1) >> 1;
          const qd = load<f32>(rowDist + (<usize>q << 2));
          const qj = load<i32>(rowIdx + (<usize>q << 2));
          if (!before(qd, qj, d, j)) break;
          store<f32>(rowDist + (<usize>p << 2), qd);
          store<i32>(rowIdx + (<usize>p << 2), qj);
          p = q;
        }
        store<f32>(rowDist + (<usize>p << 2), d);
        store<i32>(rowIdx + (<usize>p << 2), j);
      } else if (before(d, j, load<f32>(rowDist), load<i32>(rowIdx))) {
        // replace the largest of the k kept so far
        store<f32>(rowDist, d);
        store<i32>(rowIdx, j);
        siftDown(rowIdx, rowDist, k, 0);
      }
    }
    if (useHeap) {
      sortHeap(rowIdx, rowDist, k);
    } else {
      selectSmallest(rowIdx, rowDist, m, k);
      for (let p = (k >> 1) - 1; p >= 0; p--) siftDown(rowIdx, rowDist, k, p);
      sortHeap(rowIdx, rowDist, k);
    }
    const oi = outIdx + (<usize>(i - s0) * <usize>k << 2);
    const od = outDist + (<usize>(i - s0) * <usize>k << 2);
    memory.copy(oi, rowIdx, <usize>k << 2);
    memory.copy(od, rowDist, <usize>k << 2);
  }
}

/** Heap sort of a max-heap in slots 0..k−1: afterwards they are in increasing (distance, index) order. */
function sortHeap(rowIdx: usize, rowDist: usize, k: i32): void {
  for (let e = k - 1; e > 0; e--) {
    swap(rowIdx, rowDist, 0, e);
    siftDown(rowIdx, rowDist, e, 0);
  }
}

/**
 * Quickselect (Hoare/Wirth partitions, median-of-three pivots) over slots 0..m−1: afterwards slots 0..k−1 hold
 * the k smallest (distance, index) keys, in no particular order. Keys are distinct (the index breaks ties).
 */
function selectSmallest(rowIdx: usize, rowDist: usize, m: i32, k: i32): void {
  const target = k - 1;
  let lo = 0;
  let hi = m - 1;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    if (lessAt(rowIdx, rowDist, mid, lo)) swap(rowIdx, rowDist, mid, lo);
    if (lessAt(rowIdx, rowDist, hi, lo)) swap(rowIdx, rowDist, hi, lo);
    if (lessAt(rowIdx, rowDist, hi, mid)) swap(rowIdx, rowDist, hi, mid);
    const pd = load<f32>(rowDist + (<usize>mid << 2));
    const pj = load<i32>(rowIdx + (<usize>mid << 2));
    let l = lo;
    let r = hi;
    while (l <= r) {
      while (before(load<f32>(rowDist + (<usize>l << 2)), load<i32>(rowIdx + (<usize>l << 2)), pd, pj)) l++;
      while (before(pd, pj, load<f32>(rowDist + (<usize>r << 2)), load<i32>(rowIdx + (<usize>r << 2)))) r--;
      if (l <= r) {
        swap(rowIdx, rowDist, l, r);
        l++;
        r--;
      }
    }
    // now slots lo..r ≤ pivot ≤ slots l..hi, r < l
    if (target <= r) hi = r;
    else if (target >= l) lo = l;
    else break;
  }
}
