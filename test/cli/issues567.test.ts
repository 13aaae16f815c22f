/**
 * The commands and report sections of issues 5 (ricci, reproduce-ricci), 6 (regions, reproduce-spiral) and 7
 * (localgeo): help, one small run each with a number checked against an independent computation, bad input.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { foliateInProcess } from "./run.js";
import { loadDataset } from "../../src/datasets/registry.js";
import { referenceForward } from "../../src/reference/forward.js";
import { Model } from "../../src/model/model.js";

const MODEL2D = new URL("../fixtures/cli/mlp-2-8-3.json", import.meta.url).pathname;
const model = Model.fromJSON(readFileSync(MODEL2D, "utf8"));
const spec = { inputShape: model.inputShape, layers: model.layers, head: model.head } as Parameters<typeof referenceForward>[0];

test.each(["ricci", "reproduce-ricci", "regions", "reproduce-spiral", "localgeo"])("foliate %s --help prints its usage and exits 0", async (name) => {
  const r = await foliateInProcess([name, "--help"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`Usage: foliate ${name}`);
  expect(r.stdout).toContain("Examples:");
});

test("ricci: Ric_0 of the input's directed kNN graph equals a brute-force Forman curvature", async () => {
  const r = await foliateInProcess(["ricci", MODEL2D, "--data", "moons:test:80", "--k", "5", "--json", "-q", "-w", "0"]);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  const flow = out.flows[0];
  expect(flow.k).toBe(5);
  expect(flow.ric).toHaveLength(2); // input + the one hidden layer
  // brute force: each point's 5 nearest others; deg = in + out; Ric = Σ over arcs (4 − deg i − deg j)
  const { X, n } = loadDataset("moons:test:80");
  const deg = new Array(n).fill(0), arcs: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const near = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i)
      .sort((a, b) => (X[2 * a] - X[2 * i]) ** 2 + (X[2 * a + 1] - X[2 * i + 1]) ** 2 - ((X[2 * b] - X[2 * i]) ** 2 + (X[2 * b + 1] - X[2 * i + 1]) ** 2) || a - b).slice(0, 5);
    for (const j of near) { arcs.push([i, j]); deg[i]++; deg[j]++; }
  }
  expect(flow.ric[0]).toBe(arcs.reduce((s, [i, j]) => s + 4 - deg[i] - deg[j], 0));
});

test("regions --from/--to: the pieces equal the pattern changes found by dense float64 sampling", async () => {
  const r = await foliateInProcess(["regions", MODEL2D, "--from", "-2,-1", "--to", "2,1.5", "--json", "-q", "-w", "0"]);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  let changes = 0, prev = "";
  const S = 20_000;
  for (let s = 0; s <= S; s++) {
    const t = s / S;
    const pre = referenceForward(spec, [-2 + 4 * t, -1 + 2.5 * t]).preActivations[0];
    const pattern = Array.from(pre, (v) => (v > 0 ? 1 : 0)).join("");
    if (s > 0 && pattern !== prev) changes++;
    prev = pattern;
  }
  expect(out.pieces).toBe(changes + 1);
  expect(out.breakpoints).toHaveLength(changes);
});

test("regions --plane: the exact count lies between the sampled lower bound and the Serra bound", async () => {
  const r = await foliateInProcess(["regions", MODEL2D, "--plane", "--extent", "-2,2,-2,2", "--json", "-q", "-w", "0"]);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  const seen = new Set<string>();
  for (let a = 0; a < 200; a++) for (let b = 0; b < 200; b++) {
    const pre = referenceForward(spec, [-2 + (4 * (a + 0.5)) / 200, -2 + (4 * (b + 0.5)) / 200]).preActivations[0];
    seen.add(Array.from(pre, (v) => (v > 0 ? 1 : 0)).join(""));
  }
  expect(out.count).toBeGreaterThanOrEqual(seen.size);
  expect(out.count).toBeLessThanOrEqual(Number(out.bounds.find((b: { name: string }) => b.name.startsWith("Serra")).value));
});

test("regions --count: the sampled lower bound ≤ the exact count, which equals the --plane partition's over the same box", async () => {
  const c = await foliateInProcess(["regions", MODEL2D, "--count", "--lo", "-2", "--hi", "2", "--samples", "3000", "--json", "-q", "-w", "0"]);
  expect(c.code).toBe(0);
  const count = JSON.parse(c.stdout);
  const p = JSON.parse((await foliateInProcess(["regions", MODEL2D, "--plane", "--extent", "-2,2,-2,2", "--json", "-q", "-w", "0"])).stdout);
  expect(count.exact).toBe(p.count);
  expect(count.distinct).toBeLessThanOrEqual(count.exact);
  expect(count.samples).toBe(3000);
});

test("reproduce-spiral: a tiny run's pieces stay within the architecture's bound", async () => {
  const r = await foliateInProcess(["reproduce-spiral", "--arch", "3,3", "--turns", "0.5", "--epochs", "30", "--json", "-q", "-w", "0"]);
  expect(r.code).toBe(0);
  const run = JSON.parse(r.stdout).runs[0];
  expect(run.architecture).toBe("1-3-3-2");
  expect(run.bound).toBe(16); // Serra, n_0 = 1: j_1, j_2 ∈ {0, 1}, Σ binom(3, j_1)·binom(3, j_2) = (1 + 3)²
  expect(run.pieces).toBeGreaterThanOrEqual(1);
  expect(run.pieces).toBeLessThanOrEqual(run.bound);
}, 30_000);

test("reproduce-ricci --quick: the reduced population and its summary", async () => {
  const r = await foliateInProcess(["reproduce-ricci", "--quick", "--k", "10,40", "--json", "-q"]);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.networks).toBe(3);
  expect(out.perK.map((p: { k: number }) => p.k)).toEqual([10, 40]);
  for (const p of out.perK) {
    expect(p.defined).toBeLessThanOrEqual(out.wellTrained);
    if (p.defined > 0) expect(p.fractionNegative * p.defined).toBeCloseTo(Math.round(p.fractionNegative * p.defined), 9); // a count / defined
  }
}, 60_000);

test("localgeo --quick: MMSE matches reduced-rank regression; the local regime matches the SVD better than the far one; experiment 4's H-score is within its bound", async () => {
  const r = await foliateInProcess(["localgeo", MODEL2D, "--data", "moons:test:200", "--quick", "--json", "-q", "-w", "0"]);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  const e = out.experiments;
  expect(e.mmse.learnedMse / e.mmse.theoryMse).toBeCloseTo(1, 3);
  expect(e.mmse.maxAngle).toBeLessThan(1e-3);
  expect(e.sweep.local[0].maxAngle).toBeLessThan(e.sweep.far[e.sweep.far.length - 1].maxAngle);
  expect(out.hScore.hScore).toBeGreaterThanOrEqual(0);
  expect(out.hScore.hScore).toBeLessThanOrEqual(out.hScore.hScoreMax + 1e-9);
  expect(out.hScore.layer).toBe(1);
}, 60_000);

test("bad input exits 2 with one line; bad usage exits 1", async () => {
  const wrongShape = await foliateInProcess(["ricci", MODEL2D, "--data", "glyphs:test:10", "-q"]);
  expect(wrongShape.code).toBe(2);
  expect(wrongShape.stderr.trim().split("\n")).toHaveLength(1);
  expect(wrongShape.stderr).toContain("[SHAPE]");
  expect((await foliateInProcess(["regions", MODEL2D, "--from", "1,2,3", "--to", "0,0", "-q"])).code).toBe(2);
  expect((await foliateInProcess(["regions", "/nonexistent/model.json", "--plane", "-q"])).code).toBe(2);
  expect((await foliateInProcess(["localgeo", MODEL2D, "--data", "nosuchset", "--skip-experiments", "-q"])).code).toBe(2);
  expect((await foliateInProcess(["ricci", MODEL2D, "--data", "moons:test:50", "--k", "zero", "-q"])).code).toBe(1);
  expect((await foliateInProcess(["regions", MODEL2D, "-q"])).code).toBe(1);
  expect((await foliateInProcess(["reproduce-ricci", "--dataset", "cifar", "-q"])).code).toBe(1);
  expect((await foliateInProcess(["reproduce-spiral", "--turns", "x", "-q"])).code).toBe(1);
});

test("a reduced report renders the three sections", async () => {
  const dir = mkdtempSync(join(tmpdir(), "foliate-567-"));
  const r = await foliateInProcess(["report", MODEL2D, "--data", "moons:test:150", "--sections", "ricci-flow,linear-regions,local-geometry", "--quick", "--out", dir, "-q", "-w", "0"]);
  expect(r.code).toBe(0);
  const html = readFileSync(join(dir, "index.html"), "utf8");
  for (const id of ["ricci-flow", "linear-regions", "local-geometry"]) expect(html).toContain(`id="${id}"`);
  expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(6);
  expect(html).not.toContain("failed");
}, 90_000);
