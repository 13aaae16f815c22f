/**
 * The report's table of DIM geodesics in the data leaf (engine.geodesic) on the 10-class subjects, with
 * checks that theory says must hold:
 *
 * - Inside one linear region the logits are affine in the leaf coordinates and the map x ↦ w = 2√p(x) is an
 *   isometry of the leaf piece (with the DIM metric) onto part of the radius-2 sphere, so a unit-speed
 *   geodesic satisfies w'' + w/4 = 0 there. Its residual is measured by central differences of the recorded
 *   logits (fisherSphere, geodesicResidual).
 * - The chords between the geodesic's consecutive region crossings (and its ends) lie in the same leaf:
 *   each chord stays in one region, inside that region's leaf plane. Each geodesic piece is a great-circle
 *   arc, the shortest curve on the sphere between its ends, so the geodesic is never longer than that chord
 *   path (chordPathLength: exact, since the logits are affine along each chord).
 * - The exact data-leaf path (engine.leaf towards the geodesic's end) is another curve in the leaf when it
 *   arrives there; it often does not (it takes other regions, whose leaf pieces need not meet the end).
 *
 * Starts: the metric is G = Aᵀ(diag p − ppᵀ)A; at test points where the network is very sure (smallest
 * probability ≈ 1e-18) its eigenvalues span more than 14 decades, G is singular to double precision, the
 * geodesic solver's Cholesky fails on the first step and the path stops as "degenerate" with length 0. On
 * the Fisher sphere such a start lies within 2√p_min ≈ 1e-9 of the boundary of the positive orthant, which
 * a geodesic reaches at that DIM distance. So the table starts where the DIM is well conditioned.
 */
import { gaussian, mulberry32 } from "../../../random.js";
import type { NumberRow, ReportContext, Subject, Table, Timing } from "../section.js";
import { timed } from "../section.js";

/**
 * Smallest class probability at a start. The DIM's small eigenvalues scale with the small probabilities,
 * and on the Fisher sphere the start is 2√p_min from the simplex edge: at 1e-6 that is 2e-3 of DIM length
 * and G's condition is still far from double-precision singularity.
 */
export const MIN_PROBABILITY = 1e-6;
/** The table follows a geodesic while every probability is at least this (see geodesicTable). */
export const TRUSTED_PROBABILITY = 1e-10;
/** RK4 step in DIM arc length (the equation's residual falls as h⁴: 1e-3 → 1e-3 relative at h = 1e-2). */
export const STEP = 1e-3;

/** w = 2√softmax(s) of each row of logits (k×C, row-major) → k×C. */
export function fisherSphere(logits: ArrayLike<number>, C: number): Float64Array {
  const k = logits.length / C, w = new Float64Array(k * C);
  for (let i = 0; i < k; i++) {
    let mx = -Infinity, sum = 0;
    for (let c = 0; c < C; c++) mx = Math.max(mx, logits[i * C + c]);
    for (let c = 0; c < C; c++) sum += Math.exp(logits[i * C + c] - mx);
    for (let c = 0; c < C; c++) w[i * C + c] = 2 * Math.sqrt(Math.exp(logits[i * C + c] - mx) / sum);
  }
  return w;
}

/**
 * DIM (Fisher) length of the chords between consecutive logit rows a → b (k×C), each taken as affine
 * logits s(t) = a + t(b − a): ∫₀¹ |dw/dt| dt by the midpoint rule on `cells` cells of the exact w(t).
 */
export function chordPathLength(logits: ArrayLike<number>, C: number, cells = 256): number {
  const k = logits.length / C, s = new Float64Array(2 * C);
  let total = 0;
  for (let i = 0; i + 1 < k; i++) {
    for (let j = 0; j < cells; j++) {
      for (let c = 0; c < C; c++) {
        const a = logits[i * C + c], b = logits[(i + 1) * C + c];
        s[c] = a + (j / cells) * (b - a);
        s[C + c] = a + ((j + 1) / cells) * (b - a);
      }
      const w = fisherSphere(s, C);
      let d2 = 0;
      for (let c = 0; c < C; c++) d2 += (w[C + c] - w[c]) ** 2;
      total += Math.sqrt(d2);
    }
  }
  return total;
}

/**
 * max |w'' + w/4| / |w''| over the recorded vertices i−1, i, i+1 of one region and equal spacing (central
 * differences in the arc length `params`); |w''| = 1/2 on the unit-speed great circle. NaN when no such
 * triple exists.
 */
export function geodesicResidual(logits: ArrayLike<number>, params: ArrayLike<number>, regionHash: ArrayLike<bigint>, C: number): number {
  const w = fisherSphere(logits, C), k = params.length;
  let worst = NaN;
  for (let i = 1; i + 1 < k; i++) {
    if (regionHash[i - 1] !== regionHash[i] || regionHash[i] !== regionHash[i + 1]) continue;
    const h = params[i] - params[i - 1], h2 = params[i + 1] - params[i];
    if (!(h > 0) || Math.abs(h2 - h) > 1e-9 * h) continue;
    let r2 = 0;
    for (let c = 0; c < C; c++) r2 += ((w[(i + 1) * C + c] - 2 * w[i * C + c] + w[(i - 1) * C + c]) / (h * h) + w[i * C + c] / 4) ** 2;
    const r = Math.sqrt(r2) / 0.5;
    if (!(r <= worst)) worst = r;
  }
  return worst;
}

/** The logits at the path's ends and at every region crossing (the first vertex of each new region). */
function crossingLogits(outputs: Float64Array, regionHash: BigUint64Array, C: number): Float64Array {
  const k = regionHash.length, rows: number[] = [0];
  for (let i = 1; i < k; i++) if (regionHash[i] !== regionHash[i - 1]) rows.push(i);
  if (rows[rows.length - 1] !== k - 1) rows.push(k - 1);
  return Float64Array.from(rows.flatMap((i) => Array.from(outputs.subarray(i * C, (i + 1) * C))));
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? v.toFixed(digits) : "—");
const sci = (v: number) => v.toExponential(1);

/** Why a geodesic stopped, in words. */
function stopWords(reason: string, pMin: number): string {
  if (reason === "length") return "length reached";
  if (reason === "degenerate") return `simplex edge (p_min ${sci(pMin)}): the metric is singular there`;
  return reason;
}

/**
 * Geodesics from well-conditioned test points of each subject (dense classifiers with C ≥ 3), with the
 * residual of the geodesic equation and the lengths of other curves in the same leaf between the same ends.
 * Pushes the headline numbers; returns the table (undefined when there is no such subject).
 */
export async function geodesicTable(ctx: Pick<ReportContext, "engine" | "quick" | "seed">, subjects: Subject[], timings: Timing[], numbers: NumberRow[]): Promise<Table | undefined> {
  if (!subjects.length) return undefined;
  const rows: (string | number)[][] = [];
  let total = 0, notLonger = 0, leafReached = 0, leafNotShorter = 0, skipped = 0, worstResidual = 0;
  for (const s of subjects) {
    const d = s.model.inputSize, C = s.model.outputSize, count = ctx.quick ? 2 : 4;
    const n = s.test.n;
    const f = await ctx.engine.forward(s.model, s.test.X.subarray(0, n * d));
    const g = gaussian(mulberry32(ctx.seed + 17));
    for (let i = 0, used = 0; i < n && used < count; i++) {
      const pStart = Math.min(...f.probs.subarray(i * C, (i + 1) * C));
      if (!(pStart >= MIN_PROBABILITY)) {
        skipped++;
        continue;
      }
      used++;
      const x0 = Float64Array.from(s.test.X.subarray(i * d, (i + 1) * d));
      const v0 = Float64Array.from({ length: d }, () => g());
      const p = await timed(timings, `${s.id}: DIM geodesic from test point ${i}`, () => ctx.engine.geodesic(s.model, x0, v0, { maxLength: 1, step: STEP }));
      // The part of the path where every probability is ≥ TRUSTED_PROBABILITY: nearer the simplex edge the
      // metric is so ill-conditioned that the integration loses accuracy (its residual shows it).
      const pMins = Array.from({ length: p.vertices }, (_, k) => Math.min(...Array.from(fisherSphere(p.outputs.subarray(k * C, (k + 1) * C), C), (w) => (w / 2) ** 2)));
      let k = 1;
      while (k < p.vertices && pMins[k] >= TRUSTED_PROBABILITY) k++;
      const cut = { outputs: p.outputs.subarray(0, k * C), params: p.params.subarray(0, k), regionHash: p.regionHash.subarray(0, k) };
      const length = p.params[k - 1];
      const x1 = p.points.subarray((k - 1) * d, k * d);
      let euclidean = 0;
      for (let j = 1; j < k; j++) euclidean += Math.hypot(...Array.from(x1, (_, c) => p.points[j * d + c] - p.points[(j - 1) * d + c]));
      const chord = chordPathLength(crossingLogits(cut.outputs, cut.regionHash, C), C);
      const residual = geodesicResidual(cut.outputs, cut.params, cut.regionHash, C);
      const stop = k < p.vertices ? `p_min < ${TRUSTED_PROBABILITY} at arc length ${fmt(length, 3)} (then ${stopWords(p.stopReason, pMins[p.vertices - 1])})` : stopWords(p.stopReason, pMins[p.vertices - 1]);
      const leaf = await timed(timings, `${s.id}: data-leaf path from test point ${i} towards the geodesic's end`, () => ctx.engine.leaf(s.model, x0, { distribution: "data", target: x1, maxLength: 100 }));
      const end = leaf.points.subarray((leaf.vertices - 1) * d);
      const miss = Math.hypot(...Array.from(end, (v, j) => v - x1[j]));
      const reached = miss <= 1e-6 * (1 + Math.hypot(...x1));
      const leafLength = reached ? chordPathLength(leaf.outputs, C) : NaN;
      total++;
      if (length <= chord * (1 + 1e-9)) notLonger++;
      if (reached) {
        leafReached++;
        if (length <= leafLength * (1 + 1e-9)) leafNotShorter++;
      }
      if (Number.isFinite(residual)) worstResidual = Math.max(worstResidual, residual);
      rows.push([
        s.id, i, sci(pStart), fmt(length), stop, new Set(cut.regionHash).size - 1,
        Number.isFinite(residual) ? sci(residual) : "— (no three equally spaced vertices in one region)",
        fmt(chord), fmt(chord / length, 4),
        reached ? `${fmt(leafLength)} (${fmt(leafLength / length, 4)}×)` : `— (the data-leaf path towards this end stops ${sci(miss)} from it)`,
        fmt(euclidean), fmt(Math.hypot(...Array.from(x1, (v, c) => v - x0[c]))),
      ]);
    }
  }
  numbers.push({ name: "geodesics no longer (DIM metric) than the chord path through their own region crossings, in the same leaf", value: `${notLonger} / ${total}`, published: { value: "all (each piece is a great-circle arc of the Fisher sphere w = 2√p)", source: "Riemannian geometry; Tron & Fioresi (arXiv 2409.07412) for the DIM on the data leaf" } });
  numbers.push({ name: "geodesics no longer than the exact data-leaf path between the same ends (where that path arrives)", value: leafReached ? `${leafNotShorter} / ${leafReached}` : `— (the leaf path towards the end arrived in none of ${total})`, published: { value: "all", source: "geodesics are locally length-minimising" } });
  numbers.push({ name: `geodesic equation w'' + w/4 = 0: max relative residual inside regions (central differences, RK4 step h = ${STEP})`, value: total ? sci(worstResidual) : "— (no geodesic)", published: { value: "→ 0 as h⁴ (RK4); 0 for an exact geodesic", source: "great circles of the radius-2 sphere w = 2√p" } });
  return {
    caption:
      `DIM geodesics in the data leaf (RK4 with step ${STEP}, unit DIM speed, arc length ≤ 1, exact region crossings) from the first test points whose smallest class probability is ≥ ${MIN_PROBABILITY} (${skipped} more confident points were passed over: ` +
      "where it is ≈ 1e-18 the metric is singular to double precision, the start lies ≈ 2√p_min from the simplex edge on the Fisher sphere w = 2√p, and a geodesic stops at once as degenerate). " +
      `A geodesic runs towards the edge of the probability simplex in most directions; the table follows it while every probability is ≥ ${TRUSTED_PROBABILITY} (nearer the edge the metric is so ill-conditioned that RK4 loses accuracy). ` +
      "Checks: the residual of the geodesic equation, the chord path through its own region crossings and the exact data-leaf path between the same ends, both curves in the same leaf, which must not be shorter.",
    headers: ["model", "test point", "smallest probability at start", "DIM length", "end", "region crossings", "residual |w'' + w/4| / |w''|", "chord path (DIM length)", "chord path / geodesic", "data-leaf path (DIM length)", "Euclidean length", "Euclidean chord"],
    rows,
  };
}
