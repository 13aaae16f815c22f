// conv2d kernel throughput (GFLOP/s, float32, one thread) beside our dense GEMM measured in the same run:
// conv2dForwardF32 (implicit GEMM) and conv2dTransposeF32 (GEMM + col2im, the VJP) on the DIM authors'
// second conv (26×26×32 input, 3×3, 64 filters, valid: the 24×24×64 output of their MNIST net), a ResNet
// stride-2 conv and a depthwise conv; gemmF32 on (256×256)·(256×784) as the yardstick. Interleaved rounds.
// Run alone: `node bench/conv.bench.mjs [--quick]` (needs `npm run build` first).
import { runIfMain } from "./timing.mjs";
import Benchmark from "benchmark";
import { Arena } from "../dist/engine/arena.js";
import { detectVariant } from "../dist/engine/wasm.js";
import { mulberry32 } from "../dist/random.js";

/** Issue 14's goal: conv ≥ 60 % of the dense GEMM's GFLOP/s on the authors' second conv. */
const GOAL_FRACTION = 0.6;

const CONVS = [
  { name: "authors' conv2 26×26×32 → 24×24×64, 3×3", h: 26, w: 26, c: 32, oc: 64, k: 3, s: 1, pad: 0, groups: 1, goal: true },
  { name: "ResNet 32×32×16 → 16×16×32, 3×3 stride 2 pad 1", h: 32, w: 32, c: 16, oc: 32, k: 3, s: 2, pad: 1, groups: 1 },
  { name: "depthwise 24×24×64, 3×3 pad 1", h: 24, w: 24, c: 64, oc: 64, k: 3, s: 1, pad: 1, groups: 64 },
];
/** Cotangent rows per transpose call (the 10 logits of a classifier's Jacobian). */
const ROWS = 10;

/** Kernel cells that land inside the input, summed over the output pixels (padding cells do no work). */
function validCells(q, oh, ow) {
  let n = 0;
  for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let i = 0; i < q.k; i++) for (let j = 0; j < q.k; j++) {
    const iy = oy * q.s - q.pad + i, ix = ox * q.s - q.pad + j;
    if (iy >= 0 && iy < q.h && ix >= 0 && ix < q.w) n++;
  }
  return n;
}

/** Per candidate, the median and best seconds per call over `rounds` interleaved benchmark.js rounds. */
function timeInterleaved(candidates, maxTime, rounds) {
  const samples = candidates.map(() => []);
  for (let round = 0; round < rounds; round++) {
    candidates.forEach(([name, fn], i) => {
      const bench = new Benchmark(name, fn, { maxTime: maxTime / rounds, minSamples: 5 });
      bench.run();
      if (bench.error) throw bench.error;
      samples[i].push(...bench.stats.sample);
    });
  }
  return samples.map((s) => {
    s.sort((x, y) => x - y);
    return { median: s[Math.floor(s.length / 2)], best: s[0] };
  });
}

export default async function run({ quick = false } = {}) {
  const maxTime = quick ? 0.3 : 3;
  const rounds = quick ? 1 : 3;
  const variant = detectVariant();
  const arena = await Arena.create(variant);
  const k = arena.kernels();
  const rnd = mulberry32(14);
  const fill = (n) => arena.putF32(Float32Array.from({ length: n }, () => rnd() * 2 - 1));

  const gm = 256, gk = 256, gn = 784;
  const ga = fill(gm * gk), gb = fill(gk * gn), gc = arena.allocF32(gm * gn);
  const gemmFlops = 2 * gm * gn * gk;
  const candidates = [["gemmF32 (256×256)·(256×784)", () => k.gemmF32(gm, gn, gk, ga, gk, gb, gn, gc, gn, 0)]];
  const flops = [gemmFlops];
  for (const q of CONVS) {
    const oh = Math.floor((q.h + 2 * q.pad - q.k) / q.s) + 1, ow = Math.floor((q.w + 2 * q.pad - q.k) / q.s) + 1;
    const cg = q.c / q.groups;
    const x = fill(q.h * q.w * q.c), ker = fill(q.k * q.k * cg * q.oc), bias = fill(q.oc), out = arena.allocF32(oh * ow * q.oc);
    const gOut = fill(ROWS * oh * ow * q.oc), gIn = arena.allocF32(ROWS * q.h * q.w * q.c);
    const scratch = arena.alloc(k.conv2dTransposeScratchBytesF32(q.c, q.oc, q.k, q.k, oh, ow, q.groups));
    const geo = [q.h, q.w, q.c, q.oc, q.k, q.k, q.s, q.s, 1, 1, q.pad, q.pad, oh, ow, q.groups];
    const macs = validCells(q, oh, ow) * cg * q.oc;
    candidates.push([`forward ${q.name}`, () => k.conv2dForwardF32(1, ...geo, x, ker, bias, out)]);
    flops.push(2 * macs);
    candidates.push([`transpose ×${ROWS} ${q.name}`, () => k.conv2dTransposeF32(ROWS, ...geo, gOut, ker, gIn, scratch)]);
    flops.push(2 * macs * ROWS);
  }
  const times = timeInterleaved(candidates, maxTime * candidates.length, rounds);
  const gflops = times.map((t, i) => flops[i] / t.median / 1e9);
  const rows = candidates.map(([name], i) => [
    name,
    (flops[i] / 1e6).toFixed(1),
    (times[i].median * 1e3).toFixed(3),
    gflops[i].toFixed(1),
    i === 0 ? "1.00" : (gflops[i] / gflops[0]).toFixed(2),
    (flops[i] / times[i].best / 1e9).toFixed(1),
  ]);
  const goals = [];
  CONVS.forEach((q, c) => {
    if (!q.goal) return;
    for (const [pass, i] of [["forward", 1 + 2 * c], ["transpose", 2 + 2 * c]]) {
      const frac = gflops[i] / gflops[0];
      goals.push({
        goal: `conv2d ${pass} on the ${q.name} ≥ ${GOAL_FRACTION * 100}% of gemmF32's GFLOP/s`,
        met: frac >= GOAL_FRACTION,
        detail: `${gflops[i].toFixed(1)} vs ${gflops[0].toFixed(1)} GFLOP/s = ${(100 * frac).toFixed(0)}%`,
      });
    }
  });
  return {
    title: "conv2d kernels (float32, one thread) against gemmF32",
    headers: ["kernel and shape", "MFLOP per call", "ms per call (median)", "GFLOP/s", "of gemmF32", "best sample GFLOP/s"],
    rows,
    goals,
    notes: [
      `Wasm variant: ${variant}. One image per forward call; the transpose applies ${ROWS} cotangent rows per call (accumulating into gIn).`,
      "FLOPs: 2 per multiply-add of the convolution proper, kernel cells in the padding not counted.",
      `Medians of benchmark.js samples pooled over ${rounds} interleaved round(s); the machine is shared, so its load lowers every row alike.`,
    ],
  };
}

await runIfMain(import.meta.url, run);
