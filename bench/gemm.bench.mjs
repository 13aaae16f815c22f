// GEMM kernel throughput (GFLOP/s) for the engine's two shapes, (10×256)·(256×784) and (256×256)·(256×784):
// gemmF32 through the low tier on pre-placed operands, tfjs-wasm `tf.matMul` on pre-made tensors, and a
// plain TypeScript i-p-j loop, all measured in this run with benchmark.js (medians of its samples).
// Run alone: `node bench/gemm.bench.mjs [--quick]` (needs `npm run build` first).
import { timeSync } from "./timing.mjs";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { Arena } from "../dist/engine/arena.js";
import { detectVariant } from "../dist/engine/wasm.js";
import { mulberry32 } from "../dist/random.js";

/** The figure for one core here: 2 f32x4 multiplies + 2 adds per cycle at ≈ 4.2 GHz. */
const PEAK_GFLOPS = 66;
const SHAPES = [
  { m: 10, k: 256, n: 784 },
  { m: 256, k: 256, n: 784 },
];


/** The plain TypeScript product a user would write: C row by row, i-p-j order (B read along rows). */
function plainMatmul(a, b, c, m, k, n) {
  c.fill(0);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      const bRow = p * n;
      const cRow = i * n;
      for (let j = 0; j < n; j++) c[cRow + j] += aip * b[bRow + j];
    }
  }
}

export default async function run({ quick = false } = {}) {
  const maxTime = quick ? 0.05 : 1.5;
  await tf.setBackend("wasm");
  await tf.ready();
  const variant = detectVariant();
  const arena = await Arena.create(variant);
  const { gemmF32 } = arena.kernels();
  const rows = [];
  const goals = [];
  for (const { m, k, n } of SHAPES) {
    const rnd = mulberry32(m * 1000 + n);
    const a = Float32Array.from({ length: m * k }, () => rnd() * 2 - 1); // m×k, row-major
    const b = Float32Array.from({ length: k * n }, () => rnd() * 2 - 1); // k×n, row-major
    const flops = 2 * m * n * k;
    const label = `(${m}×${k})·(${k}×${n})`;

    const pa = arena.putF32(a);
    const pb = arena.putF32(b);
    const pc = arena.allocF32(m * n);
    const tOurs = timeSync(`gemmF32 ${label}`, () => gemmF32(m, n, k, pa, k, pb, n, pc, n, 0), { maxTime });

    const ta = tf.tensor2d(a, [m, k]);
    const tb = tf.tensor2d(b, [k, n]);
    // The wasm backend runs the kernel synchronously inside tf.matMul, so no dataSync is needed.
    const tTf = timeSync(`tf.matMul ${label}`, () => tf.matMul(ta, tb).dispose(), { maxTime });
    ta.dispose();
    tb.dispose();

    const c = new Float32Array(m * n);
    const tPlain = timeSync(`plain TS ${label}`, () => plainMatmul(a, b, c, m, k, n), { maxTime: quick ? 0.05 : 0.5 });

    const g = (t) => flops / t / 1e9;
    rows.push([label, g(tOurs).toFixed(1), g(tTf).toFixed(1), g(tPlain).toFixed(2), (tTf / tOurs).toFixed(2), (tPlain / tOurs).toFixed(1), ((100 * g(tOurs)) / PEAK_GFLOPS).toFixed(0) + "%"]);
    goals.push({
      goal: `gemmF32 ${label} ≥ 80% of the 128-bit SIMD peak (≥ ${(0.8 * PEAK_GFLOPS).toFixed(1)} GFLOP/s)`,
      met: g(tOurs) >= 0.8 * PEAK_GFLOPS,
      detail: `${g(tOurs).toFixed(1)} GFLOP/s = ${((100 * g(tOurs)) / PEAK_GFLOPS).toFixed(0)}% of ${PEAK_GFLOPS}`,
    });
    goals.push({
      goal: `gemmF32 ${label} ≥ 1.5× tfjs-wasm tf.matMul`,
      met: tTf / tOurs >= 1.5,
      detail: `${(tTf / tOurs).toFixed(2)}× (${g(tOurs).toFixed(1)} vs ${g(tTf).toFixed(1)} GFLOP/s)`,
    });
  }
  return {
    title: "GEMM kernel (float32, one thread)",
    headers: ["shape", "gemmF32 GFLOP/s", "tfjs-wasm GFLOP/s", "plain TS GFLOP/s", "gemmF32 / tfjs", "gemmF32 / plain TS", "of peak"],
    rows,
    goals,
    notes: [
      `Wasm variant: ${variant} (relaxed-SIMD FMA only where the runtime validates it). Peak taken as ${PEAK_GFLOPS} GFLOP/s (issue's figure for this machine).`,
      "gemmF32 is called through the low tier on operands already in Wasm memory; tf.matMul on pre-made tensors (its output disposed each call).",
      "Medians of benchmark.js samples; the machine is shared, so other processes can lower every column.",
    ],
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await run({ quick: process.argv.includes("--quick") });
  console.log(r.title);
  console.table(r.rows.map((row) => Object.fromEntries(r.headers.map((h, i) => [h, row[i]]))));
  for (const g of r.goals) console.log(`${g.met ? "MET    " : "NOT MET"} ${g.goal}: ${g.detail}`);
  for (const n of r.notes) console.log(`note: ${n}`);
}
