// Jacobian throughput of this build beside another checkout's, in one process, interleaved: the one-network
// issue's "no regression" check (the MLP 784-256-256-10 and the small CNN of bench/workloads.mjs, n = 1 024
// uniform points, fresh results, 1 and 2 workers). Both checkouts must be built (`npm run build`) and define
// mlp784, smallCnn and points in bench/workloads.mjs (true since the engine-core issue).
//   node bench/compareBuilds.mjs /path/to/other/checkout [rounds]
// Prints, per workload and worker count, the median points/s of each build over the rounds and the median of
// the per-round ratios (this / other). Not part of `npm run bench` (it needs a second checkout).
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const other = process.argv[2];
if (!other) {
  console.error("usage: node bench/compareBuilds.mjs /path/to/other/checkout [rounds]");
  process.exit(2);
}
const rounds = Number(process.argv[3] ?? 7);
const load = async (root) => ({
  api: await import(pathToFileURL(resolve(root, "dist/index.js")).href),
  w: await import(pathToFileURL(resolve(root, "bench/workloads.mjs")).href),
});
const builds = { this: await load(new URL("..", import.meta.url).pathname), other: await load(other) };
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const n = 1024;
const rows = [];
for (const [name, make, d] of [["MLP 784-256-256-10", "mlp784", 784], ["CNN 28×28×1 (conv8-pool-conv16-pool-dense10)", "smallCnn", 784]]) {
  for (const workers of [1, 2]) {
    const setups = {};
    for (const [label, b] of Object.entries(builds)) {
      const engine = await b.api.createEngine({ workers });
      const model = b.w[make]();
      const X = b.w.points(n, d);
      await engine.jacobian(model, X); // warm-up: worker start, model upload, first touches
      setups[label] = { engine, model, X };
    }
    const rate = { this: [], other: [] }, ratio = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? ["other", "this"] : ["this", "other"];
      const t = {};
      for (const label of order) {
        const { engine, model, X } = setups[label];
        const t0 = performance.now();
        await engine.jacobian(model, X);
        t[label] = (performance.now() - t0) / 1000;
        rate[label].push(n / t[label]);
      }
      ratio.push(t.other / t.this);
    }
    for (const s of Object.values(setups)) await s.engine.close();
    rows.push([name, workers, Math.round(median(rate.this)), Math.round(median(rate.other)), median(ratio).toFixed(3), `${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)}`]);
  }
}
console.log(`| workload | workers | this build (points/s) | other build (points/s) | this / other (median of per-round ratios) | range |`);
console.log(`|---|---|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
