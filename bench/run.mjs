// Runs every bench/*.bench.mjs (or those named on the command line) and writes bench/results.md: the
// machine, versions, then one section per benchmark with its table, its goals (met or not, with numbers)
// and notes. `node bench/run.mjs [--quick] [name ...]` (npm run bench builds first). With `--merge` and names,
// the named sections are re-run and replace their sections of the existing results.md (matched by file name),
// the others are kept, and the header says which sections were re-run, when, and at what load.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes("--quick");
const merge = process.argv.includes("--merge");
const loadAtStart = os.loadavg().map((x) => x.toFixed(2)).join(" / ");
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.mjs"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

const pkg = JSON.parse(readFileSync(join(here, "..", "package.json"), "utf8"));
const version = (name) => {
  try {
    return JSON.parse(readFileSync(join(here, "..", "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
};
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const lines = [
  "# Foliate benchmark results",
  "",
  `Written by \`npm run bench${quick ? " -- --quick" : ""}\` on ${new Date().toISOString()}.`,
  "",
  `- Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average at start ${loadAtStart}`,
  `- Node ${process.version}; foliate ${pkg.version}; assemblyscript ${version("assemblyscript")}; @tensorflow/tfjs ${version("@tensorflow/tfjs")}; benchmark ${version("benchmark")}`,
  "- Times are medians of benchmark.js samples; ratios compare peers measured in the same run. This is a shared",
  "  2-core machine: absolute numbers move with its load, ratios much less.",
  quick ? "- **Quick mode**: smaller workloads and short sampling; numbers are smoke-test figures only." : "",
  "",
];
const summary = [];
/** Each benchmark's section: from its "## " heading to the next, keyed by the file named in its first lines. */
const sections = new Map();
for (const f of files) {
  process.stderr.write(`bench: ${f} ...\n`);
  const t0 = Date.now();
  const { default: run } = await import(pathToFileURL(join(here, f)).href);
  let r;
  try {
    r = await run({ quick });
  } catch (e) {
    sections.set(f, [`## ${f}`, "", `Failed: ${e instanceof Error ? e.message : e}`, ""]);
    summary.push([f, "failed"]);
    continue;
  }
  const start = lines.length;
  lines.push(`## ${r.title}`, "", `_${f}, ${((Date.now() - t0) / 1000).toFixed(0)} s_`, "");
  lines.push(`| ${r.headers.join(" | ")} |`, `|${r.headers.map(() => "---").join("|")}|`);
  for (const row of r.rows) lines.push(`| ${row.join(" | ")} |`);
  lines.push("");
  if (r.goals?.length) {
    lines.push("| goal | met | measured |", "|---|---|---|");
    for (const g of r.goals) lines.push(`| ${g.goal} | ${g.met ? "yes" : "**no**"} | ${g.detail} |`);
    lines.push("");
    for (const g of r.goals) summary.push([g.goal, g.met ? "met" : "NOT met", g.detail]);
  }
  for (const n of r.notes ?? []) lines.push(`- ${n}`);
  lines.push("");
  sections.set(f, lines.splice(start));
}
if (merge && only.length) {
  // Keep the existing file; replace the re-run sections in place and say so under its header.
  const old = readFileSync(join(here, "results.md"), "utf8").split("\n");
  const heads = old.flatMap((l, i) => (l.startsWith("## ") ? [i] : []));
  // An earlier re-run line whose sections are all re-run now is superseded.
  const out = old.slice(0, heads[0] ?? old.length).filter((l) => {
    const m = /^- Re-run on .*\): ([\w., ]+); the other sections/.exec(l);
    return !m || !m[1].split(", ").every((f) => sections.has(f));
  });
  const lastItem = out.reduce((at, l, i) => (l.trim() ? i : at), 0);
  out.splice(lastItem + 1, 0, `- Re-run on ${new Date().toISOString()} (\`node bench/run.mjs --merge ${only.join(" ")}\`, load average at start ${loadAtStart}): ${[...sections.keys()].join(", ")}; the other sections are from the date above.`);
  heads.forEach((h, k) => {
    const body = old.slice(h, heads[k + 1] ?? old.length);
    const file = /^_([\w.]+\.bench\.mjs)/.exec(body[2] ?? "")?.[1] ?? /^## ([\w.]+\.bench\.mjs)$/.exec(body[0])?.[1];
    out.push(...(file && sections.has(file) ? sections.get(file) : body));
    if (file) sections.delete(file);
  });
  for (const rest of sections.values()) out.push(...rest); // sections new to the file
  writeFileSync(join(here, "results.md"), out.join("\n"));
} else {
  for (const section of sections.values()) lines.push(...section);
  writeFileSync(join(here, "results.md"), lines.join("\n"));
}
console.log(`wrote bench/results.md (${files.length} benchmarks)`);
for (const s of summary) console.log(s.join(" — "));
