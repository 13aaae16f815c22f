// Affine forms of the compiled network's nodes under a frozen pattern (the exact linear regions of a plane,
// assembly/regionsPlane*.ts): value rows pushed through the node kernels with a region's activation bits and
// max-pool argmax held fixed. Generic over T; layout of `net` and the blocks as assembly/graph/network.ts.
import {
  ACT_LINEAR, ACT_RELU, F_ACT, F_BIAS_OFFSET, F_OP, F_OUT_SIZE, F_PATTERN_OFFSET, F_PRE_OFFSET, F_VALUE_OFFSET, NET_NODES, NET_PRE_SIZE, NET_VALUE_SIZE, OP_DENSE, OP_MAXPOOL,
} from "./opcodes";
import { netWord as word, nodeField as field } from "./table";
import { alphaOf, applyLinear, param } from "./network";

/**
 * Node k's activation under a frozen pattern, on `rows` value rows: a relu/leakyRelu node's output rows are
 * its pre-activation rows (in `pre`, rows×preSize) times the slope its pattern bit names (bit set: 1, else 0
 * for relu, α for leakyRelu); a max pool's output rows route its input rows through the given argmax. Other
 * nodes are already complete after their linear part.
 */
function finishFrozen<T>(net: usize, k: i32, rows: i32, buf: usize, pre: usize, bits: usize, argmax: usize): void {
  const t = sizeof<T>();
  const vs = word(net, NET_VALUE_SIZE), ps = word(net, NET_PRE_SIZE);
  if (field(net, k, F_OP) == OP_MAXPOOL) {
    applyLinear<T>(net, k, rows, buf, vs, buf + <usize>field(net, k, F_VALUE_OFFSET) * t, vs, false, argmax, 0, false);
    return;
  }
  const at = field(net, k, F_PATTERN_OFFSET);
  if (at < 0) return;
  const low: f64 = field(net, k, F_ACT) == ACT_RELU ? 0 : alphaOf<T>(net, k);
  const n = field(net, k, F_OUT_SIZE);
  const z = pre + <usize>field(net, k, F_PRE_OFFSET) * t, out = buf + <usize>field(net, k, F_VALUE_OFFSET) * t;
  for (let i = 0; i < n; i++) {
    const b = at + i;
    const on = (load<u32>(bits + (<usize>(b >>> 5) << 2)) >>> (b & 31)) & 1;
    const s = <T>(on ? 1 : low);
    for (let r = 0; r < rows; r++) {
      const o = <usize>i * t;
      store<T>(out + <usize>(r * vs) * t + o, s * load<T>(z + <usize>(r * ps) * t + o));
    }
  }
}

/**
 * Node k's linear part on `rows` value rows (src rows of stride srcLd, dst rows of stride dstLd), its bias
 * added to row biasRow only. A dense node takes all rows in one product and gets the bias added after it: the
 * sum is the one denseForward makes with the bias first (IEEE addition commutes), so every row is bit-identical
 * to a one-row call. Other nodes go row by row.
 */
function linearRows<T>(net: usize, k: i32, rows: i32, src: usize, srcLd: i32, dst: usize, dstLd: i32, biasRow: i32, argmax: usize): void {
  const t = sizeof<T>();
  if (field(net, k, F_OP) != OP_DENSE) {
    for (let r = 0; r < rows; r++) applyLinear<T>(net, k, 1, src + <usize>(r * srcLd) * t, srcLd, dst + <usize>(r * dstLd) * t, dstLd, r == biasRow, argmax, 0, false);
    return;
  }
  applyLinear<T>(net, k, rows, src, srcLd, dst, dstLd, false, argmax, 0, false);
  const bias = param<T>(net, field(net, k, F_BIAS_OFFSET));
  if (!bias || biasRow < 0 || biasRow >= rows) return;
  const z = dst + <usize>(biasRow * dstLd) * t;
  const n = field(net, k, F_OUT_SIZE);
  for (let i = 0; i < n; i++) store<T>(z + <usize>i * t, load<T>(z + <usize>i * t) + load<T>(bias + <usize>i * t));
}

/**
 * Affine forms of the nodes under a FROZEN pattern — a region's activation bits (patternWords u32 at `bits`)
 * and max-pool argmax (argSize i32 at `argmax`), not decided from values. `rows` value rows (buf,
 * rows×valueSize, row-major; the caller sets the input block) go through the nodes: row `biasRow` carries the
 * constant term (biases and shifts added), the others are directional derivatives (no bias). With the input
 * rows ∂x/∂σ, ∂x/∂τ, x(0, 0) every node output comes out as its affine function of (σ, τ) on the region.
 * Resumable around the kink nodes (relu/leakyRelu or max pool), so a region can be split at a node and each
 * piece continued from there: first node `from` is finished (from ≥ 0; its pre-activation rows must be in
 * `pre`, rows×preSize): activation by its bits, or max-pool routing by the argmax; then nodes from+1 .. to−1
 * run entirely; then node `to` (< nodes) only up to its pre-activation rows (written to `pre`; a max pool
 * does nothing, its input rows are in buf). to ≥ nodes: to the output. Nodes before `from` are read, not
 * recomputed. Activations: linear, relu and leakyRelu only (the host refuses smooth ones).
 */
export function netAffineFrozen<T>(net: usize, rows: i32, buf: usize, pre: usize, bits: usize, argmax: usize, biasRow: i32, from: i32, to: i32): void {
  const t = sizeof<T>();
  const vs = word(net, NET_VALUE_SIZE), ps = word(net, NET_PRE_SIZE), nodes = word(net, NET_NODES);
  if (from >= 0) finishFrozen<T>(net, from, rows, buf, pre, bits, argmax);
  const last = to < nodes ? to : nodes - 1;
  for (let k = from + 1; k <= last; k++) {
    if (field(net, k, F_OP) == OP_MAXPOOL) {
      if (k < to) finishFrozen<T>(net, k, rows, buf, pre, bits, argmax);
      continue;
    }
    const linear = field(net, k, F_ACT) == ACT_LINEAR;
    const z = linear ? buf + <usize>field(net, k, F_VALUE_OFFSET) * t : pre + <usize>field(net, k, F_PRE_OFFSET) * t;
    const ld = linear ? vs : ps;
    linearRows<T>(net, k, rows, buf, vs, z, ld, biasRow, argmax);
    if (k < to && !linear) finishFrozen<T>(net, k, rows, buf, pre, bits, argmax);
  }
}
