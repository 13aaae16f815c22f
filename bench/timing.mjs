// Shared timing for the benchmarks: medians of benchmark.js samples, sync or async (deferred).
import Benchmark from "benchmark";

function median(bench) {
  const s = [...bench.stats.sample].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

/** Median seconds per call of a synchronous `fn`. */
export function timeSync(name, fn, { maxTime = 1, minSamples = 5 } = {}) {
  const bench = new Benchmark(name, fn, { maxTime, minSamples, initCount: 1 });
  bench.run();
  if (bench.error) throw bench.error;
  return median(bench);
}

/** Median seconds per call of an async `fn` (benchmark.js deferred mode). */
export function timeAsync(name, fn, { maxTime = 1, minSamples = 5 } = {}) {
  return new Promise((resolve, reject) => {
    const bench = new Benchmark(name, {
      defer: true,
      maxTime,
      minSamples,
      initCount: 1,
      fn: (deferred) => fn().then(() => deferred.resolve(), reject),
      onComplete: () => (bench.error ? reject(bench.error) : resolve(median(bench))),
      onError: (e) => reject(e.target?.error ?? e),
    });
    bench.run({ async: true });
  });
}

/** When a bench file is run directly (`node bench/x.bench.mjs [--quick]`), run it and print its section. */
export async function runIfMain(moduleUrl, run) {
  const { pathToFileURL } = await import("node:url");
  if (moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const r = await run({ quick: process.argv.includes("--quick") });
  console.log(r.title);
  console.table(r.rows.map((row) => Object.fromEntries(r.headers.map((h, i) => [h, row[i]]))));
  for (const g of r.goals ?? []) console.log(`${g.met ? "MET    " : "NOT MET"} ${g.goal}: ${g.detail}`);
  for (const n of r.notes ?? []) console.log(`note: ${n}`);
}
