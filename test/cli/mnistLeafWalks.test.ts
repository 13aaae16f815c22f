/**
 * The "mnist-leaf-walks" report section (issue 4's figure, issue 3's reproduction 3): run through the report
 * runner in quick mode; its frame sampling checked against a hand-computed polyline.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Progress } from "../../src/cli/progress.js";
import { runReport } from "../../src/cli/report/run.js";
import type { ReportContext } from "../../src/cli/report/section.js";
import { framesAlong, mnistLeafWalksSection } from "../../src/cli/report/sections/mnistLeafWalks.js";
import { createEngine, type Engine } from "../../src/api/engine.js";

const tmp = mkdtempSync(join(tmpdir(), "foliate-walks-"));
let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ workers: 0 });
});
afterAll(async () => {
  await engine.close();
  rmSync(tmp, { recursive: true, force: true });
});

test("framesAlong: evenly spaced arc lengths on a polyline (hand-computed)", () => {
  // (0,0) → (3,0) → (3,4): arc lengths 0, 3, 7
  const path = { d: 2, vertices: 3, points: Float64Array.of(0, 0, 3, 0, 3, 4), params: Float64Array.of(0, 3, 7) };
  const f = framesAlong(path, 5); // s = 0, 1.75, 3.5, 5.25, 7
  expect(Array.from(f.s)).toEqual([0, 1.75, 3.5, 5.25, 7]);
  const want = [0, 0, 1.75, 0, 3, 0.5, 3, 2.25, 3, 4];
  f.points.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
  // a zero-length segment (a vertex repeated) is skipped
  const g = framesAlong({ d: 1, vertices: 4, points: Float64Array.of(0, 1, 1, 2), params: Float64Array.of(0, 1, 1, 2) }, 3);
  expect(Array.from(g.points)).toEqual([0, 1, 2]);
});

test("the section in a quick report: data walks change the prediction, kernel walks keep it, the figure has every frame", async () => {
  const progress = new Progress({ write: () => {} }, true);
  const cacheDir = join(tmp, "cache");
  const ctx: ReportContext = { engine, subjects: [], quick: true, seed: 1, stage: (n, t) => progress.stage(n, t), cacheDir };
  const report = await runReport(ctx, [mnistLeafWalksSection], { outDir: join(tmp, "report"), title: "walks", progress });
  expect(report.failed, report.rendered.map((r) => r.error).join("; ")).toBe(0);
  const html = readFileSync(report.path, "utf8");
  expect(html).toContain('<section id="mnist-leaf-walks">');
  const r = report.rendered[0].result!;
  const value = (prefix: string) => String(r.numbers.find((n) => n.name.startsWith(prefix))!.value);
  expect(value("data walks that changed")).toBe("2 / 2");
  expect(value("kernel walks that kept")).toBe("2 / 2");
  expect(Number(value("max probability drift"))).toBeLessThan(1e-9); // p is constant on kernel leaves
  const [dataMean, noiseMean] = value("mean remaining relative distance").split(" vs ").map(Number);
  expect(dataMean).toBeGreaterThan(0);
  expect(noiseMean).toBeGreaterThan(0);
  // the leaf-distance test: U and p as the table's caption states them, p a probability
  const test = value("one-sided Mann–Whitney").match(/^U = ([\d.]+) of 36, p = (\S+)$/)!;
  expect(test, value("one-sided Mann–Whitney")).not.toBeNull();
  expect(r.tables[1].caption).toContain(`U = ${test[1]} of 36, p = ${test[2]} (exact)`);
  expect(Number(test[2])).toBeGreaterThan(0);
  expect(Number(test[2])).toBeLessThanOrEqual(1);
  console.log(`quick report: leaf distances ${dataMean} vs ${noiseMean}, ${value("one-sided Mann–Whitney")}`);
  // per walk: the table's end-of-path predictions agree with the numbers
  const walks = r.tables[0].rows;
  expect(walks.map((w) => [w[0], w[4]])).toEqual([["data leaf", "changed"], ["kernel leaf", "kept"], ["data leaf", "changed"], ["kernel leaf", "kept"]]);
  // the figure: 4 strips × 8 frames, each with its "class · probability %" label, drawn from pixel rects
  const svg = r.figures[0].svg;
  expect(html).toContain(svg.slice(0, 200));
  const labels = [...svg.matchAll(/>(\d) · (\d+) %</g)].map((m) => Number(m[1]));
  expect(labels).toHaveLength(32);
  // frame 0 is the start and frame 7 the end of each path: their classes (float32 forward of the sampled
  // points) agree with the table's (float64 outputs at the path's first and last vertices)
  walks.forEach((w, k) => {
    expect(labels[8 * k], `strip ${k} start`).toBe(Number(String(w[2]).split(" ")[0]));
    expect(labels[8 * k + 7], `strip ${k} end`).toBe(Number(String(w[3]).split(" ")[0]));
  });
  expect((svg.match(/<path /g) ?? []).length).toBeGreaterThan(32 * 50); // ≥ 50 dark pixels a frame, on average
  expect(svg).not.toMatch(/https?:/);
  // the trained model was cached in the context's cacheDir, as foliate-model JSON
  expect(existsSync(cacheDir) && readdirSync(cacheDir).some((f) => f.startsWith("mnist-leaf-walks-mlp-"))).toBe(true);
}, 60_000);
