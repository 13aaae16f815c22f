// Exact k nearest neighbours (Euclidean) of every point of a cloud, for the rows of a source range.
//
// A candidate is one u64 key: the float32 bits of its squared distance above its index. Squared distances are
// ≥ +0 and never NaN (the host refuses non-finite input), and the bits of non-negative floats order like the
// floats, so comparing keys as unsigned integers is the total order (distance, then index): ties go to the
// lower index, and every comparison and swap is a single integer operation.

@inline
function keyAt(keys: usize, i: i32): u64 {
  return load<u64>(keys + (<usize>i << 3));
}

@inline
function setKey(keys: usize, i: i32, key: u64): void {
  store<u64>(keys + (<usize>i << 3), key);
}

@inline
function swapKeys(keys: usize, a: i32, b: i32): void {
  const t = keyAt(keys, a);
  setKey(keys, a, keyAt(keys, b));
  setKey(keys, b, t);
}

/** Put `key` at slot `at` of a max-heap of `size` keys and sift it down to its place. */
@inline
function siftDown(keys: usize, size: i32, at: i32, key: u64): void {
  let i = at;
  while (true) {
    let c = 2 * i + 1;
    if (c >= size) break;
    let ck = keyAt(keys, c);
    if (c + 1 < size) {
      const rk = keyAt(keys, c + 1);
      if (rk > ck) {
        c++;
        ck = rk;
      }
    }
    if (key >= ck) break;
    setKey(keys, i, ck);
    i = c;
  }
  setKey(keys, i, key);
}

/**
 * Quickselect (Hoare/Wirth partitions, median-of-three pivots) over slots 0..m−1: afterwards slots 0..k−1 hold
 * the k smallest keys, in no particular order. Keys are distinct (the index is part of the key).
 */
function selectSmallest(keys: usize, m: i32, k: i32): void {
  const target = k - 1;
  let lo = 0;
  let hi = m - 1;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    if (keyAt(keys, mid) < keyAt(keys, lo)) swapKeys(keys, mid, lo);
    if (keyAt(keys, hi) < keyAt(keys, lo)) swapKeys(keys, hi, lo);
    if (keyAt(keys, hi) < keyAt(keys, mid)) swapKeys(keys, hi, mid);
    const pivot = keyAt(keys, mid);
    let l = lo;
    let r = hi;
    while (l <= r) {
      while (keyAt(keys, l) < pivot) l++;
      while (pivot < keyAt(keys, r)) r--;
      if (l <= r) {
        swapKeys(keys, l, r);
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
 * of the k smallest: for 8k ≤ n a max-heap of k keys (most candidates are rejected by one comparison with the
 * top), otherwise all keys go to the scratch row and a quickselect (O(n) expected) keeps the k smallest; then a
 * heap sort of those k. (Crossover measured at n = 2000, dim 3 and 50.)
 *
 * Output (rows relative to s0): outIdx (s1−s0)×k int32 and outDist (s1−s0)×k float32 squared distances,
 * row-major, each row nearest first. Scratch (host-owned): rowKeys n uint64.
 * Requires 1 ≤ k ≤ n − 1, 0 ≤ s0 ≤ s1 ≤ n and finite points (checked by the host).
 */
export function knnF32(
  n: i32, ldp: i32, pts: usize, k: i32, s0: i32, s1: i32, outIdx: usize, outDist: usize, rowKeys: usize,
): void {
  const rowBytes = <usize>ldp << 2;
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
      const key = (<u64>reinterpret<u32>(d) << 32) | <u64>j;
      if (!useHeap) {
        setKey(rowKeys, c++, key);
      } else if (c < k) {
        // push onto the max-heap in slots 0..c, sifting up
        let p = c++;
        while (p > 0) {
          const q = (p - 1) >> 1;
          const qk = keyAt(rowKeys, q);
          if (qk >= key) break;
          setKey(rowKeys, p, qk);
          p = q;
        }
        setKey(rowKeys, p, key);
      } else if (key < keyAt(rowKeys, 0)) {
        siftDown(rowKeys, k, 0, key); // replaces the largest kept so far
      }
    }
    if (!useHeap) {
      selectSmallest(rowKeys, n - 1, k);
      for (let p = (k >> 1) - 1; p >= 0; p--) siftDown(rowKeys, k, p, keyAt(rowKeys, p));
    }
    // heap sort: the largest goes to the end, so slots 0..k−1 end nearest first
    for (let e = k - 1; e > 0; e--) {
      const top = keyAt(rowKeys, 0);
      siftDown(rowKeys, e, 0, keyAt(rowKeys, e));
      setKey(rowKeys, e, top);
    }
    const oi = outIdx + (<usize>(i - s0) * <usize>k << 2);
    const od = outDist + (<usize>(i - s0) * <usize>k << 2);
    for (let m = 0; m < k; m++) {
      const key = keyAt(rowKeys, m);
      store<i32>(oi + (<usize>m << 2), <i32>(key & 0xffffffff));
      store<u32>(od + (<usize>m << 2), <u32>(key >> 32));
    }
  }
}
