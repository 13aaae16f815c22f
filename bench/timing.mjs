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

/**
 * Configurations timed in interleaved rounds: round r runs every configuration in turn (the order reversed
 * on odd rounds, so none is always measured first), each for at least `minCalls` calls and until `budget`
 * seconds of that round are spent. Plain calls (one warm-up per configuration first), for calls long enough
 * that benchmark.js's calibration cycles would only add time. Returns per configuration the median seconds
 * over all calls and the median of each round (their spread shows the order and load effects).
 */
export async function timeInterleaved(configs, { rounds = 2, minCalls = 2, budget = 2 } = {}) {
  const names = Object.keys(configs);
  const calls = Object.fromEntries(names.map((k) => [k, []]));
  const perRound = Object.fromEntries(names.map((k) => [k, []]));
  for (const k of names) await configs[k]();
  const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  for (let r = 0; r < rounds; r++) {
    for (const k of r % 2 === 0 ? names : [...names].reverse()) {
      const these = [];
      let spent = 0;
      while (these.length < minCalls || spent < budget) {
        const t0 = performance.now();
        await configs[k]();
        const s = (performance.now() - t0) / 1000;
        these.push(s);
        spent += s;
      }
      calls[k].push(...these);
      perRound[k].push(med(these));
    }
  }
  return Object.fromEntries(names.map((k) => [k, { seconds: med(calls[k]), rounds: perRound[k], calls: calls[k].length }]));
}
