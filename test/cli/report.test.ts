import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { renderChart } from "../../src/cli/report/charts.js";
import { formatSummary, runReport } from "../../src/cli/report/run.js";
import type { ReportContext, ReportSection } from "../../src/cli/report/section.js";
import { Progress } from "../../src/cli/progress.js";
import { toy2d } from "../../src/datasets/toy2d.js";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { Model } from "../../src/model/model.js";

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(() => engine.close());

test("the section registry contract: a plug-in section renders its chart, numbers and timings; a failing one is reported, the rest still run", async () => {
  const fixture2d = new URL("../fixtures/cli/mlp-2-8-3.json", import.meta.url).pathname;
  const model = Model.fromJSON(readFileSync(fixture2d, "utf8"));
  const data = toy2d("circles", 60, 4);
  const seen: string[] = [];
  const plugin: ReportSection = {
    id: "plugin-demo",
    title: "A plug-in section",
    about: "Counts the points per predicted class. It exists to test the registry.",
    async run(ctx) {
      seen.push(...ctx.subjects.map((s) => s.id));
      const f = await ctx.engine.forward(ctx.subjects[0].model, ctx.subjects[0].test.X);
      const counts = [0, 0, 0];
      for (let i = 0; i < f.n; i++) counts[f.probs.subarray(i * 3, i * 3 + 3).indexOf(Math.max(...f.probs.subarray(i * 3, i * 3 + 3)))]++;
      const svg = await renderChart({ data: { values: counts.map((c, k) => ({ k: String(k), c })) }, mark: "bar", encoding: { x: { field: "k", type: "nominal" }, y: { field: "c", type: "quantitative" } } });
      return { figures: [{ svg, caption: "predicted classes" }], tables: [], numbers: [{ name: "points", value: f.n, published: { value: 60, source: "the test" } }], timings: [{ what: "forward", ms: 1.5, points: 60 }], summary: `counts ${counts.join("/")}` };
    },
  };
  const failing: ReportSection = { id: "broken", title: "Broken", about: "Throws.", run: async () => { throw new Error("boom <b>"); } };
  let log = "";
  const progress = new Progress({ write: (s: string) => (log += s) });
  const ctx: ReportContext = { engine, subjects: [{ id: "fixture", title: "fixture", model, train: data, test: data }], quick: true, seed: 1, stage: (n, t) => progress.stage(n, t) };
  const out = mkdtempSync(join(tmpdir(), "foliate-report-"));
  const run = await runReport(ctx, [failing, plugin], { outDir: out, title: "T <&>", progress });
  expect(seen).toEqual(["fixture"]);
  expect(run.failed).toBe(1);
  const html = readFileSync(run.path, "utf8");
  expect(html).toContain('<section id="broken">');
  expect(html).toContain("This section failed: boom &lt;b&gt;"); // escaped
  expect(html).toContain('<section id="plugin-demo">');
  expect(html).toContain("<title>T &lt;&amp;&gt;</title>");
  expect(html).toMatch(/<figure style="width:\d+px"><svg[^>]*>.*<\/svg><figcaption>predicted classes<\/figcaption><\/figure>/s);
  expect(html).toContain("<td>60</td><td>60</td><td>the test</td>"); // number beside the published value
  expect(html).toContain("<td>forward</td><td>1.5</td><td>40000</td>"); // points/s from the timing
  expect(log).toContain("section broken failed: boom <b>");
  const summary = formatSummary(run);
  expect(summary).toMatch(/broken\s+FAILED/);
  expect(summary).toMatch(/plugin-demo\s+ok\s+[\d.]+ s\s+counts \d+\/\d+\/\d+/);
});

test("a table cell never shows NaN or Infinity: numbers that are not finite read as a dash", async () => {
  const { cellText } = await import("../../src/cli/report/html.js");
  expect(cellText(NaN)).toBe("— (not a number)");
  expect(cellText(Infinity)).toBe("— (not a number)");
  expect(cellText(0.123456)).toBe("0.1235");
  expect(cellText(12)).toBe("12");
  expect(cellText("— (why)")).toBe("— (why)");
});

test("heat-map cells share their edges exactly (drawn with crisp edges, so no seam and no 1-px gap)", async () => {
  const cells = Array.from({ length: 37 }, (_, i) => ({ x: -2.18 + i * (4.38 / 37), x2: -2.18 + (i + 1) * (4.38 / 37) }));
  const svg = await renderChart({ width: 437, height: 40, data: { values: cells }, mark: "rect", encoding: { x: { field: "x", type: "quantitative", scale: { domain: [-2.18, 2.2], nice: false } }, x2: { field: "x2" } } });
  expect(svg).toContain('<g shape-rendering="crispEdges" class="mark-rect role-mark');
  const edges = [...svg.matchAll(/d="M([-\d.e]+),[-\d.e]+H([-\d.e]+)V/g)].map((m) => [m[1], m[2]]).sort((a, b) => Number(a[0]) - Number(b[0]));
  expect(edges).toHaveLength(37);
  for (let i = 1; i < edges.length; i++) expect(edges[i][0]).toBe(edges[i - 1][1]);
});
