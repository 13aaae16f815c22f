// The tables of examples/ricci-population.md from the JSON files `foliate reproduce-ricci --out` writes, one per
// task:
//   npm run build && node examples/ricci-population-summary.mjs fid-mnist-1-7.json fid-mnist-6-8.json …
// Prints (markdown) per task, per architecture and pooled over the tasks: networks, well trained (test accuracy
// above the recipe's threshold, 0.98), and per k the fraction of well-trained networks with ρ_k < 0 and the
// Pearson correlation of −ρ_k with accuracy, all by the library's own summarizePopulation.
import { readFileSync } from "node:fs";
import { summarizePopulation } from "../dist/experiments/ricciPopulation.js";

const THRESHOLD = 0.98; // the full recipe's accuracy threshold (src/experiments/ricciRecipe.ts)
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node examples/ricci-population-summary.mjs run1.json [run2.json …]");
  process.exit(2);
}
// JSON has no NaN: an undefined ρ_k (see the network's reasons) was written as null.
const runs = files.map((f) => JSON.parse(readFileSync(f, "utf8"))).map((r) => ({ ...r, networks: r.networks.map((n) => ({ ...n, rho: n.rho.map((v) => v ?? NaN) })) }));
const ks = runs[0].perK.map((p) => p.k);
/** "25×5" for five hidden layers of width 25, else the widths ("50-25-50"). */
const arch = (net) => (new Set(net.hidden).size === 1 ? `${net.hidden[0]}×${net.hidden.length}` : net.hidden.join("-"));
const fmt = (x, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits).replace("-", "−") : "—");

function row(label, networks) {
  const s = summarizePopulation(networks, ks, THRESHOLD);
  const cells = ks.map((_, i) => (s.defined[i] ? `${s.defined[i]}: ${fmt(s.fractionNegative[i])} / ${fmt(s.correlation[i])}` : "—"));
  return `| ${label} | ${networks.length} | ${s.wellTrained} | ${cells.join(" | ")} |`;
}

const header = `| | networks | well trained | ${ks.map((k) => `k = ${k}`).join(" | ")} |`;
const rule = `|---|---|---|${ks.map(() => "---").join("|")}|`;
console.log("Per task (per k: well-trained networks with a defined ρ_k: fraction with ρ_k < 0 / corr(−ρ_k, accuracy)):\n");
console.log([header, rule, ...runs.map((r) => row(r.dataset, r.networks)), row("all tasks", runs.flatMap((r) => r.networks))].join("\n"));

const all = runs.flatMap((r) => r.networks);
const archs = [...new Set(all.map(arch))];
console.log("\nPer architecture, all tasks together:\n");
console.log([header, rule, ...archs.map((a) => row(a, all.filter((n) => arch(n) === a)))].join("\n"));

console.log("\nOver all networks with a defined ρ_k, no accuracy threshold: fraction with ρ_k < 0 " + ks.map((_, i) => fmt(all.filter((n) => n.rho[i] < 0).length / all.filter((n) => Number.isFinite(n.rho[i])).length)).join(" / "));
for (const r of runs) {
  const acc = r.networks.map((n) => n.accuracy);
  console.log(`${r.dataset}: test accuracy ${fmt(Math.min(...acc))}–${fmt(Math.max(...acc))}, ${(r.ms / 1000).toFixed(0)} s`);
}
