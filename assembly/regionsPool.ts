// Max pooling along a segment: on a piece every input of a pooling window is affine in t (rows P, Q as in
// regionsLine.ts), so the pooled value is the upper envelope of those lines; its argmax changes at the
// envelope's breakpoints, which split the piece (the argmax is part of the region, as in engine.forward).
// Geometry as assembly/pool.ts: NHWC input h×w×c, windows ph×pw, strides sh, sw, leading padding padT, padL,
// output oh×ow×c; padded cells are skipped.

/** Input index of window cell (i, j) of output (y, xo, ch), or −1 when it falls in the padding. */
// @ts-ignore: decorator
@inline function cell(h: i32, w: i32, c: i32, sh: i32, sw: i32, padT: i32, padL: i32, y: i32, xo: i32, ch: i32, i: i32, j: i32): i32 {
  const iy = y * sh - padT + i;
  const ix = xo * sw - padL + j;
  if (iy < 0 || iy >= h || ix < 0 || ix >= w) return -1;
  return (iy * w + ix) * c + ch;
}

/**
 * For every piece k < m spanning (t[k], t[k+1]) with input rows x[2k·inSize ..] (P) and
 * x[(2k+1)·inSize ..] (Q), writes the breakpoints of each output's upper envelope strictly inside the
 * piece to `roots` (capacity m·oh·ow·c·(ph·pw − 1) f64) and their number per piece to counts[k] (i32).
 * Returns the total.
 */
export function lineMaxPoolCrossingsF64(
  m: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32,
  x: usize, t: usize, roots: usize, counts: usize,
): i32 {
  const inSize = h * w * c;
  let total = 0;
  for (let k = 0; k < m; k++) {
    const lo = load<f64>(t + (<usize>k << 3));
    const hi = load<f64>(t + (<usize>(k + 1) << 3));
    const P = x + (<usize>(2 * k * inSize) << 3);
    const Q = P + (<usize>inSize << 3);
    let found = 0;
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let ch = 0; ch < c; ch++) {
          // The winner just after lo: largest value at lo, then largest slope.
          let cur = -1;
          let cv = 0.0, cq = 0.0;
          for (let i = 0; i < ph; i++) {
            for (let j = 0; j < pw; j++) {
              const idx = cell(h, w, c, sh, sw, padT, padL, y, xo, ch, i, j);
              if (idx < 0) continue;
              const q = load<f64>(Q + (<usize>idx << 3));
              const v = load<f64>(P + (<usize>idx << 3)) + lo * q;
              if (cur < 0 || v > cv || (v == cv && q > cq)) {
                cur = idx;
                cv = v;
                cq = q;
              }
            }
          }
          let at = lo;
          // Walk the envelope: the next winner is the steeper line that overtakes the current one first.
          for (;;) {
            let next = -1;
            let tn = hi, qn = 0.0;
            const pc = load<f64>(P + (<usize>cur << 3));
            const qc = load<f64>(Q + (<usize>cur << 3));
            for (let i = 0; i < ph; i++) {
              for (let j = 0; j < pw; j++) {
                const idx = cell(h, w, c, sh, sw, padT, padL, y, xo, ch, i, j);
                if (idx < 0 || idx == cur) continue;
                const q = load<f64>(Q + (<usize>idx << 3));
                if (q <= qc) continue;
                const r = (pc - load<f64>(P + (<usize>idx << 3))) / (q - qc);
                if (r > at && (r < tn || (r == tn && q > qn))) {
                  next = idx;
                  tn = r;
                  qn = q;
                }
              }
            }
            if (next < 0) break;
            store<f64>(roots + (<usize>total << 3), tn);
            total++;
            found++;
            cur = next;
            at = tn;
          }
        }
      }
    }
    store<i32>(counts + (<usize>k << 2), found);
  }
  return total;
}

/**
 * Activates sub-pieces through the max-pool: sub-piece k (< m) spans (t[k], t[k+1]) in parent piece
 * parent[k]; at its midpoint each output takes the window's first maximum in scan order (as maxPool2dForwardF32).
 * Writes the chosen input's rows to out (m×2×oh·ow·c f64), copies the parent's `words` row words
 * (srcRows → dstRows, u32) and stores the chosen input index (i32) at word argOffset + o of the row.
 */
export function lineMaxPoolActivateF64(
  m: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, sh: i32, sw: i32, padT: i32, padL: i32, oh: i32, ow: i32,
  x: usize, parent: usize, t: usize, out: usize, srcRows: usize, dstRows: usize, words: i32, argOffset: i32,
): void {
  const inSize = h * w * c;
  const outSize = oh * ow * c;
  for (let k = 0; k < m; k++) {
    const p = load<i32>(parent + (<usize>k << 2));
    const mid = 0.5 * (load<f64>(t + (<usize>k << 3)) + load<f64>(t + (<usize>(k + 1) << 3)));
    const P = x + (<usize>(2 * p * inSize) << 3);
    const Q = P + (<usize>inSize << 3);
    const OP = out + (<usize>(2 * k * outSize) << 3);
    const OQ = OP + (<usize>outSize << 3);
    const sr = srcRows + (<usize>(p * words) << 2);
    const dr = dstRows + (<usize>(k * words) << 2);
    for (let i = 0; i < words; i++) store<u32>(dr + (<usize>i << 2), load<u32>(sr + (<usize>i << 2)));
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let i = 0; i < ph; i++) {
            for (let j = 0; j < pw; j++) {
              const idx = cell(h, w, c, sh, sw, padT, padL, y, xo, ch, i, j);
              if (idx < 0) continue;
              const v = load<f64>(P + (<usize>idx << 3)) + mid * load<f64>(Q + (<usize>idx << 3));
              if (at < 0 || v > best) {
                best = v;
                at = idx;
              }
            }
          }
          const o = (y * ow + xo) * c + ch;
          store<f64>(OP + (<usize>o << 3), load<f64>(P + (<usize>at << 3)));
          store<f64>(OQ + (<usize>o << 3), load<f64>(Q + (<usize>at << 3)));
          store<i32>(dr + (<usize>(argOffset + o) << 2), at);
        }
      }
    }
  }
}
