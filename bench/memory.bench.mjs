// Memory over many consecutive calls: 10 000 engine calls (Jacobian and DIM of a small batch on the MNIST-
// size MLP, one worker and the calling thread) leave the Wasm memory and the process RSS bounded.
// Run alone: `node bench/memory.bench.mjs [--quick]` (needs `npm run build` first).
import { runIfMain } from "./timing.mjs";
import { createEngine } from "../dist/index.js";
import { mlp784, points } from "./workloads.mjs";

export default async function run({ quick = false } = {}) {
  const calls = quick ? 500 : 10_000;
  const model = mlp784();
  const X = points(4, 784, 9);
  const rows = [];
  const goals = [];
  for (const workers of [0, 1]) {
    const engine = await createEngine({ workers });
    for (let i = 0; i < 20; i++) (await engine.jacobian(model, X), await engine.dim(model, X));
    const before = (await engine.memory())[0];
    const t0 = performance.now();
    const rss = []; // sampled every tenth of the run: bounded means no upward trend, not a flat line (GC is lazy)
    for (let i = 0; i < calls / 2; i++) {
      await engine.jacobian(model, X);
      await engine.dim(model, X);
      if ((i + 1) % Math.max(1, Math.floor(calls / 20)) === 0) rss.push((await engine.memory())[0].rss);
    }
    const seconds = (performance.now() - t0) / 1000;
    const after = (await engine.memory())[0];
    await engine.close();
    const mb = (b) => (b / 2 ** 20).toFixed(1);
    const half = Math.floor(rss.length / 2);
    const firstMax = Math.max(...rss.slice(0, half)), lastMax = Math.max(...rss.slice(half));
    rows.push([`workers: ${workers}`, String(calls), mb(before.wasmBytes), mb(after.wasmBytes), mb(before.rss), mb(firstMax), mb(lastMax), ((seconds / calls) * 1000).toFixed(2)]);
    goals.push({
      goal: `workers ${workers}: ${calls} calls leave the Wasm memory unchanged and the RSS without upward trend (max of the second half ≤ max of the first half + 64 MiB)`,
      met: after.wasmBytes === before.wasmBytes && lastMax - firstMax < 64 * 2 ** 20,
      detail: `Wasm ${mb(before.wasmBytes)} → ${mb(after.wasmBytes)} MiB; RSS max ${mb(firstMax)} MiB (first half) vs ${mb(lastMax)} MiB (second half)`,
    });
  }
  return {
    title: "Memory over consecutive calls",
    headers: ["engine", "calls", "Wasm MiB before", "Wasm MiB after", "RSS MiB at start", "RSS max, first half", "RSS max, second half", "ms per call"],
    rows,
    goals,
    notes: ["Each call: 4 points of the MLP 784-256-256-10 (alternately jacobian and dim). RSS is the worker's process RSS (the whole process: workers are threads)."],
  };
}

await runIfMain(import.meta.url, run);
