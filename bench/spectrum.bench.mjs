// DIM spectra (eigenvalues only) of MNIST test images through the DIM authors' MNIST CNN (bench/workloads.mjs,
// seeded weights): Foliate's `engine.dimSpectrum` with 1 and 2 workers (interleaved rounds) against PyTorch 1.13
// on the same cores (bench/peers/torch_dim.py: the batched Jacobian by each of its three routes, then
// K = Fᵀ J Jᵀ F by bmm and eigvalsh of the C×C matrices; the fastest route counts), on 1 and 2 threads under the
// machine's OpenBLAS setting and with AVX2 forced. Both spectra are checked against a float64 reference computed
// by PyTorch (the same float32 weights and images widened to float64, per-class backward, float64 eigvalsh).
// Only the public API is called, so a faster eigenvalues-only route inside dimSpectrum shows up here as is.
// Run alone: `node bench/run.mjs spectrum [--quick]` or `node bench/spectrum.bench.mjs [--quick]` (after `npm run build`).
import { readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { createEngine, readNpy } from "../dist/index.js";
import { timeInterleaved, runIfMain } from "./timing.mjs";
import { authorsCnn, mnistTest } from "./workloads.mjs";
import { blasName, blasSettings, peerFolder, runPeers, torchUnavailable, writeWorkload } from "./torchPeer.mjs";

const ROUTE_NAMES = { vmap_jacrev: "vmap(jacrev)", per_class: "per-class backward", batched_grads: "batched cotangents" };
const fmt = (rate) => (Number.isFinite(rate) ? Math.round(rate).toLocaleString("en-US") : "—");
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(2)}×` : "—");

/**
 * Max over points of max_j |λ_j − λ_ref,j| / λ_ref,1 (relative to each point's largest eigenvalue), and the max
 * per-eigenvalue relative difference |λ_j − λ_ref,j| / λ_ref,j over λ_ref,j > 1e-20. lam, ref: n×r, descending.
 */
function agreement(lam, ref, r) {
  let toLargest = 0, perEigenvalue = 0;
  for (let i = 0; i < lam.length / r; i++)
    for (let j = 0; j < r; j++) {
      const d = Math.abs(lam[i * r + j] - ref[i * r + j]);
      toLargest = Math.max(toLargest, d / ref[i * r]);
      if (ref[i * r + j] > 1e-20) perEigenvalue = Math.max(perEigenvalue, d / ref[i * r + j]);
    }
  return { toLargest, perEigenvalue };
}

export default async function run({ quick = false } = {}) {
  const t0 = Date.now();
  const progress = (what) => process.stderr.write(`  ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${what}\n`);
  const loadStart = os.loadavg()[0];
  const n = quick ? 16 : 256;
  const model = authorsCnn();
  const X = mnistTest(n);
  const folder = peerFolder();
  try {
    progress(`foliate dimSpectrum (n = ${n})`);
    const engines = { 1: await createEngine({ workers: 1 }), 2: await createEngine({ workers: 2 }) };
    const t = await timeInterleaved(
      { 1: () => engines[1].dimSpectrum(model, X), 2: () => engines[2].dimSpectrum(model, X) },
      { rounds: 2, minCalls: 2, budget: quick ? 0.3 : 6 },
    );
    const spectrum = await engines[1].dimSpectrum(model, X);
    await engines[1].close();
    await engines[2].close();
    const r = spectrum.r;
    const lam = Float64Array.from(spectrum.logEigenvalues, (v) => 10 ** v); // n×r, descending (floor −20 clips below 1e-20)
    writeWorkload(join(folder.dir, "authors"), model, X);

    const unavailable = torchUnavailable();
    const settings = blasSettings();
    let reference;
    const { torch, peerErrors } = unavailable
      ? { torch: {}, peerErrors: [] }
      : runPeers(
          "torch_dim.py", settings,
          (first) => [quick ? 2 : 5, quick ? 0.5 : 10, join(folder.dir, "authors"), ...(first ? ["--reference"] : [])],
          progress,
          (_, first) => {
            if (first) reference = readNpy(new Uint8Array(readFileSync(join(folder.dir, "authors", "reference.npy"))));
          },
        );
    return report({ quick, n, r, t, lam, reference, torch, settings, unavailable, peerErrors, loadStart });
  } finally {
    folder.done();
  }
}

function report({ quick, n, r, t, lam, reference, torch, settings, unavailable, peerErrors, loadStart }) {
  const [machine, other] = settings;
  const label = (s) => blasName(torch[s.key]?.[1]?.blas, s.key);
  const r1 = n / t[1].seconds, r2 = n / t[2].seconds;
  const best = (s, threads) => {
    const e = torch[s.key]?.[threads];
    return e?.fastest ? { rate: n / e.routes[e.fastest].seconds, route: e.fastest, setting: s, threads } : undefined;
  };
  const cell = (f) => (f ? `${fmt(f.rate)} (${ROUTE_NAMES[f.route]})` : "—");
  const m1 = best(machine, 1), m2 = best(machine, 2), o1 = best(other, 1), o2 = best(other, 2);
  const all = [m1, m2, o1, o2].filter(Boolean);
  const top = all.length ? all.reduce((a, b) => (b.rate > a.rate ? b : a)) : undefined;
  const ours = reference ? agreement(lam, reference.data, r) : undefined;
  const rows = [["DIM authors' MNIST CNN, MNIST test images", String(n), fmt(r1), fmt(r2), cell(m1), cell(m2), cell(o1), cell(o2), ratio(r1, m1?.rate), ratio(r2, top?.rate), ratio(r2, r1)]];
  const absent = `not measured: ${unavailable ?? "the PyTorch peer failed"}`;
  const goals = [
    {
      goal: `1 worker ≥ 2× PyTorch's fastest route on one thread (${label(machine)})`,
      met: m1 ? r1 >= 2 * m1.rate : false,
      detail: m1 ? `${fmt(r1)} vs ${fmt(m1.rate)} points/s, ${ROUTE_NAMES[m1.route]} (${ratio(r1, m1.rate)}); against ${label(other)}: ${o1 ? `${fmt(o1.rate)} (${ratio(r1, o1.rate)})` : "—"}` : absent,
    },
    {
      goal: "2 workers ≥ 2× PyTorch's fastest route at any thread count",
      met: top ? r2 >= 2 * top.rate : false,
      detail: top ? `${fmt(r2)} vs ${fmt(top.rate)} points/s, ${ROUTE_NAMES[top.route]} on ${top.threads} thread(s), ${label(top.setting)} (${ratio(r2, top.rate)})` : absent,
    },
    {
      goal: "Foliate's spectra equal the float64 reference (PyTorch float64) to 1e-5 relative",
      met: ours ? ours.toLargest <= 1e-5 : false,
      detail: ours ? `max |Δλ_j| / λ_1 = ${ours.toLargest.toExponential(1)} per point; per eigenvalue, max |Δλ_j| / λ_j = ${ours.perEigenvalue.toExponential(1)}` : absent,
    },
  ];
  const notes = [];
  for (const s of settings)
    for (const threads of [1, 2]) {
      const e = torch[s.key]?.[threads];
      if (!e) continue;
      const figures = Object.entries(e.routes).map(([k, v]) => `${ROUTE_NAMES[k]} ${v.seconds ? fmt(n / v.seconds) : `failed (${v.error})`}`);
      const a = e.agreement ? `; its spectra (${ROUTE_NAMES[e.fastest]}) against the float64 reference: max |Δλ_j| / λ_1 = ${e.agreement.toLargest.toExponential(1)}, per eigenvalue ${e.agreement.perEigenvalue.toExponential(1)}` : "";
      notes.push(`PyTorch ${label(s)}, ${threads} thread${threads > 1 ? "s" : ""}, points/s per route (whole pipeline): ${figures.join(", ")}${a}.`);
    }
  if (unavailable) notes.push(`PyTorch peers skipped: ${unavailable}.`);
  for (const e of peerErrors) notes.push(`PyTorch peer failed under ${e}`);
  notes.push(`Foliate per-round medians (points/s): 1 worker ${t[1].rounds.map((s) => fmt(n / s)).join(", ")}; 2 workers ${t[2].rounds.map((s) => fmt(n / s)).join(", ")}.`);
  notes.push(
    "Foliate: engine.dimSpectrum (the r = C − 1 eigenvalues per point, their log10, traces and the batch's signature), 1 and 2 workers in 2 interleaved rounds (order reversed in the second), median of all calls. " +
      `PyTorch: each setting and thread count in its own process after Foliate's engines are closed; per route one warm-up, then the median of ${quick ? "2 calls" : "2 to 5 calls (no more once 10 s are spent)"} of the whole pipeline (Jacobian, softmax, F, two bmm, eigvalsh). ` +
      "The model has seeded random weights (no trained copy at the authors' widths is bundled). Agreement is judged relative to each point's largest eigenvalue, the scale of its spectrum; eigenvalues far below it carry the float32 Jacobian's rounding (about 1e-7 λ_1), which the per-eigenvalue figure shows.",
  );
  notes.push(`Settings: ${settings.map((s) => `"${label(s)}" = ${s.what}`).join("; ")}. Load average at the start of this benchmark: ${loadStart.toFixed(2)}; at the end: ${os.loadavg()[0].toFixed(2)}.`);
  const mName = label(machine), oName = label(other);
  return {
    title: "DIM spectra (eigenvalues only) through the DIM authors' MNIST CNN (points/s)",
    headers: ["workload", "n", "Foliate 1 worker", "Foliate 2 workers", `PyTorch 1 thread, ${mName}`, `PyTorch 2 threads, ${mName}`, `PyTorch 1 thread, ${oName}`, `PyTorch 2 threads, ${oName}`, `1w / fastest 1 thread, ${mName}`, "2w / fastest any", "2w / 1w"],
    rows,
    goals,
    notes,
  };
}

await runIfMain(import.meta.url, run);
