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

/**
 * k nearest neighbours of the points s0 ≤ i < s1 among all n points (the point itself excluded).
 *
 * Points: row-major n×ldp float32 at `pts`, ldp a multiple of 4 and the padding columns zero (the host pads), so
 * each row is whole v128 lanes. Squared distances are summed from direct differences, Σ (a_c − b_c)², four lanes
 * at a time in float32: no cancellation (unlike ‖a‖²+‖b‖²−2a·b), d(i,j) and d(j,i) are bit-identical and
 * duplicate points are at distance exactly 0; the relative error is ≤ about ldp/4·2⁻²³ of the true value.
 * Candidates are compared in the total order (squared distance, index), so ties go to the lower index.
 *
 * Work per row: one pass over the n candidates (the query row stays in registers/L1, the candidate block streams),
 * keeping the k best in a max-heap (partial selection: O(n log k)), then a heap sort of those k.
 *
 * Output (rows relative to s0): outIdx (s1−s0)×k int32 and outDist (s1−s0)×k float32 squared distances,
 * row-major, each row nearest first. Scratch (host-owned): heapIdx k int32, heapDist k float32.
 * Requires 1 ≤ k ≤ n − 1 and 0 ≤ s0 ≤ s1 ≤ n (checked by the host).
 */
export function knnF32(
  n: i32, ldp: i32, pts: usize, k: i32, s0: i32, s1: i32,
  outIdx: usize, outDist: usize, heapIdx: usize, heapDist: usize,
): void {
  const rowBytes = <usize>ldp << 2;
  for (let i = s0; i < s1; i++) {
    const a = pts + <usize>i * rowBytes;
    let size = 0;
    for (let j = 0; j < n; j++) {
      if (j == i) continue;
      const b = pts + <usize>j * rowBytes;
      let acc = f32x4.splat(0);
      for (let c: usize = 0; c < rowBytes; c += 16) {
        const diff = f32x4.sub(v128.load(a + c), v128.load(b + c));
        acc = f32x4.add(acc, f32x4.mul(diff, diff));
      }
      const d: f32 =
        f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) +
        (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
      if (size < k) {
        // push, then sift up
        let p = size++;
        while (p > 0) {
          const q = (p - 1) >> 1;
          const qd = load<f32>(heapDist + (<usize>q << 2));
          const qj = load<i32>(heapIdx + (<usize>q << 2));
          if (!before(qd, qj, d, j)) break;
          store<f32>(heapDist + (<usize>p << 2), qd);
          store<i32>(heapIdx + (<usize>p << 2), qj);
          p = q;
        }
        store<f32>(heapDist + (<usize>p << 2), d);
        store<i32>(heapIdx + (<usize>p << 2), j);
      } else if (before(d, j, load<f32>(heapDist), load<i32>(heapIdx))) {
        store<f32>(heapDist, d);
        store<i32>(heapIdx, j);
        siftDown(heapIdx, heapDist, k, 0);
      }
    }
    // heap sort: the largest goes to the end, so the row comes out nearest first
    const oi = outIdx + (<usize>(i - s0) * <usize>k << 2);
    const od = outDist + (<usize>(i - s0) * <usize>k << 2);
    for (let m = k - 1; m >= 0; m--) {
      store<f32>(od + (<usize>m << 2), load<f32>(heapDist));
      store<i32>(oi + (<usize>m << 2), load<i32>(heapIdx));
      if (m > 0) {
        store<f32>(heapDist, load<f32>(heapDist + (<usize>m << 2)));
        store<i32>(heapIdx, load<i32>(heapIdx + (<usize>m << 2)));
        siftDown(heapIdx, heapDist, m, 0);
      }
    }
  }
}
