// SiMEC / SiMExp path stepping in float64 (Benfenati & Marta, arXiv 2201.09656, 2112.10583, 2404.06104) on
// the compiled network (assembly/graph/network.ts, f64 instance). Each step: forward pass at x (netForward),
// the Jacobian J of the output node by reverse mode (netVjp, m identity cotangents); the pulled-back metric
// g = Bᵀ B with B = Fᵀ J, its eigen-decomposition and an oriented direction v (assembly/simecDirection.ts);
// x ← x + δ v, kept in the box (assembly/simecBox.ts); energy += δ vᵀ g v, pseudo-length += δ √(vᵀ g v).
//
// A walk is described by one packed descriptor of SW_SLOTS f64, written by src/analyses/simec.ts; its slots,
// the state block and the scratch regions are laid out in assembly/simecLayout.ts. All values f64, row-major.
import { netForward, netVjp } from "./graph/network";
import { NET_INPUT_SIZE, NET_OUTPUT_NODE, NET_OUTPUT_SIZE } from "./graph/opcodes";
import { slideOnBox, stepIntoBox } from "./simecBox";
import { denseDirectionF64, lowRankDirectionF64, metricQuadF64, orientDirectionF64, pullbackFactorF64 } from "./simecDirection";
import {
  netWord, outputOffset, region, slot, slotPtr,
  R_ARGMAX, R_BMAT, R_EWORK, R_FT, R_G, R_HELD, R_JAC, R_P, R_PRE, R_U, R_V, R_VALUES, R_VECS, R_VJP, R_W, R_XN, R_Y,
  S_ENERGY, S_HASPREV, S_LENGTH, S_PSEUDO, S_RNG, S_SIGN, S_STOP,
  STOP_BOUNDARY, STOP_NON_FINITE, STOP_STEPS, STOP_TARGET,
  SW_BOX_MODE, SW_DELTA, SW_HI, SW_LO, SW_MODE, SW_NET, SW_NULL_TOL, SW_ORIENT, SW_OUTPUTS, SW_POINTS, SW_ROUTE, SW_SELECT,
  SW_SOFTMAX, SW_START, SW_STATE, SW_STEPS, SW_TARGET, SW_WORK, SW_Y0,
} from "./simecLayout";
import { ld, st } from "./vector64";

/** y (m f64) = the last layer's output, or its softmax (p: m f64 of scratch). */
function outputOf(last: usize, m: i32, softmax: bool, p: usize, y: usize): void {
  if (!softmax) {
    memory.copy(y, last, <usize>m << 3);
    return;
  }
  let mx = -Infinity;
  for (let i = 0; i < m; i++) mx = Math.max(mx, ld(last, i));
  let sum = 0.0;
  for (let i = 0; i < m; i++) { const e = Math.exp(ld(last, i) - mx); st(p, i, e); sum += e; }
  for (let i = 0; i < m; i++) st(y, i, ld(p, i) / sum);
}

/**
 * Run up to `steps` SiMEC (mode 0) or SiMExp (mode 1) steps of size `delta` from the state block; every
 * argument is a slot of the walk descriptor `desc` (SW_*).
 *
 * - route 0 (dense): eigen-decomposition of the d×d metric; route 1 (low-rank, d > m): of the m×m matrix
 *   B Bᵀ, non-null eigenvectors u = Bᵀw/√μ, null directions = a Gaussian vector with those projected out.
 * - select 0: SiMEC the smallest eigenvalue (dense route, unconditionally: for n → n−1 it is null), SiMExp
 *   the largest; select 1: a seeded random eigenvector among those ≤ nullTol·λmax (SiMEC) or above it (SiMExp).
 * - orient ≥ 0 (SiMExp): every step is oriented so that output `orient` moves in the direction of the state's
 *   sign; orient < 0: the first step takes the state's sign, later steps stay continuous with the previous one.
 * - lo/hi: box bounds (d f64 each) or 0 for none. boxMode 1 (stop): a step leaving the box is projected onto
 *   it, recorded, and the walk stops there (stopReason 2, boundary); 0 (clamp): it continues from the
 *   projected point; 2 (slide, SiMEC only; SiMExp clamps): coordinates the step would carry out of the box
 *   are held at their value and the direction is re-projected onto ker B restricted to the other coordinates
 *   (repeated until the step fits), so every step stays in the box and in the null space. A step that
 *   cannot move at all stops (boundary).
 *   target > 0: stop once ‖y − y0‖₂ ≥ target.
 * - state: x (d f64), previous direction (d f64), then energy, length, pseudo-length, rng, hasPrev,
 *   stopReason, sign, spare (SIMEC_STATE_EXTRA f64); read and updated.
 * - points (steps×d f64) and outputs (steps×m f64) receive the points after each step and their outputs;
 *   start (m f64) the output at the starting x.
 * Returns the number of steps taken; the state's stopReason says why it stopped (0 = all steps done).
 */
export function simecStepsF64(desc: usize): i32 {
  const net = slotPtr(desc, SW_NET);
  const softmax = slot(desc, SW_SOFTMAX) != 0;
  const mode = <i32>slot(desc, SW_MODE), route = <i32>slot(desc, SW_ROUTE), select = <i32>slot(desc, SW_SELECT);
  const orient = <i32>slot(desc, SW_ORIENT), steps = <i32>slot(desc, SW_STEPS), boxMode = <i32>slot(desc, SW_BOX_MODE);
  const delta = slot(desc, SW_DELTA), nullTol = slot(desc, SW_NULL_TOL), target = slot(desc, SW_TARGET);
  const lo = slotPtr(desc, SW_LO), hi = slotPtr(desc, SW_HI), y0 = slotPtr(desc, SW_Y0), state = slotPtr(desc, SW_STATE);
  const pts = slotPtr(desc, SW_POINTS), outs = slotPtr(desc, SW_OUTPUTS), start = slotPtr(desc, SW_START);
  const d = netWord(net, NET_INPUT_SIZE), m = netWord(net, NET_OUTPUT_SIZE), outNode = netWord(net, NET_OUTPUT_NODE);
  const work = slotPtr(desc, SW_WORK);
  const values = region(net, route, work, R_VALUES), pre = region(net, route, work, R_PRE), argmax = region(net, route, work, R_ARGMAX);
  const vjpWork = region(net, route, work, R_VJP);
  const jac = region(net, route, work, R_JAC), bmat = region(net, route, work, R_BMAT), ft = region(net, route, work, R_FT);
  const p = region(net, route, work, R_P), y = region(net, route, work, R_Y), g = region(net, route, work, R_G);
  const w = region(net, route, work, R_W), vecs = region(net, route, work, R_VECS), ework = region(net, route, work, R_EWORK);
  const u = region(net, route, work, R_U), v = region(net, route, work, R_V), xn = region(net, route, work, R_XN);
  const held = region(net, route, work, R_HELD);
  const last = values + (<usize>outputOffset(net) << 3);
  const x = state;
  const prev = state + (<usize>d << 3);
  const sc = state + (<usize>(2 * d) << 3);
  const rng = sc + (<usize>S_RNG << 3);
  st(sc, S_STOP, STOP_STEPS);

  let taken = 0;
  for (let k = 0; k <= steps; k++) {
    // Forward at x: record the output of the point written by the previous step, check the target.
    netForward<f64>(net, x, 1, values, pre, argmax);
    outputOf(last, m, softmax, p, y);
    if (k == 0 && start) memory.copy(start, y, <usize>m << 3);
    let finite = true;
    for (let i = 0; i < m; i++) if (!isFinite(ld(y, i))) finite = false;
    if (k > 0) {
      memory.copy(outs + (<usize>((k - 1) * m) << 3), y, <usize>m << 3);
      if (!finite) { st(sc, S_STOP, STOP_NON_FINITE); break; }
      if (target > 0) {
        let dist = 0.0;
        for (let i = 0; i < m; i++) { const t = ld(y, i) - ld(y0, i); dist += t * t; }
        if (Math.sqrt(dist) >= target) { st(sc, S_STOP, STOP_TARGET); break; }
      }
    } else if (!finite) { st(sc, S_STOP, STOP_NON_FINITE); break; }
    if (k == steps) break;

    // Jacobian, B = Fᵀ J, the metric's eigenpairs and the oriented direction v.
    netVjp<f64>(net, values, pre, argmax, m, outNode, 0, jac, vjpWork);
    pullbackFactorF64(m, d, softmax, y, jac, ft, bmat);
    const why = route == 0
      ? denseDirectionF64(d, m, mode, select, nullTol, bmat, g, w, vecs, ework, rng, v)
      : lowRankDirectionF64(d, m, mode, select, nullTol, bmat, g, w, vecs, ework, u, rng, v);
    if (why != STOP_STEPS) { st(sc, S_STOP, why); break; }
    orientDirectionF64(d, m, mode, orient, softmax, jac, y, prev, ld(sc, S_HASPREV) != 0, ld(sc, S_SIGN), v);
    let step = delta;
    if (boxMode == 2 && mode == 0 && lo) {
      step = slideOnBox(d, m, x, v, bmat, u, jac, held, lo, hi, delta); // u, jac: free scratch by now (SiMEC)
      if (step < 0) { st(sc, S_STOP, STOP_BOUNDARY); break; }
    }

    // vᵀ g v at x, then the step projected onto the box.
    const quad = metricQuadF64(m, d, bmat, v);
    const clamped = stepIntoBox(d, x, v, step, lo, hi, xn);
    let moved = 0.0;
    for (let t = 0; t < d; t++) {
      const dz = ld(xn, t) - ld(x, t);
      moved += dz * dz;
    }
    moved = Math.sqrt(moved);
    if (!isFinite(moved)) { st(sc, S_STOP, STOP_NON_FINITE); break; }
    if (moved == 0) { st(sc, S_STOP, STOP_BOUNDARY); break; }
    memory.copy(x, xn, <usize>d << 3);
    memory.copy(prev, v, <usize>d << 3);
    st(sc, S_HASPREV, 1);
    st(sc, S_ENERGY, ld(sc, S_ENERGY) + step * quad);
    st(sc, S_PSEUDO, ld(sc, S_PSEUDO) + step * Math.sqrt(quad));
    st(sc, S_LENGTH, ld(sc, S_LENGTH) + moved);
    memory.copy(pts + (<usize>(k * d) << 3), x, <usize>d << 3);
    taken = k + 1;
    if (clamped && boxMode == 1) {
      // The path reached the box boundary: record the projected point's output and stop there.
      netForward<f64>(net, x, 1, values, pre, argmax);
      outputOf(last, m, softmax, p, outs + (<usize>(k * m) << 3));
      st(sc, S_STOP, STOP_BOUNDARY);
      break;
    }
  }
  return taken;
}
