/**
 * Issue 3's command line and report sections: `leaf`, `class`, `spectrum`, `distances`, `reproduce`, and the
 * sections "leaves", "equivalence-classes", "dim-spectra". Numbers are checked against independent float64
 * references (referenceForward, finite-difference Jacobians with a dense DIM, a direct W1 of sorted samples).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readNpy, writeNpy } from "../../src/io/npy.js";
import { Model } from "../../src/model/model.js";
import { referenceForward, softmax } from "../../src/reference/forward.js";
import { toy2d } from "../../src/datasets/toy2d.js";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { runReport } from "../../src/cli/report/run.js";
import { Progress } from "../../src/cli/progress.js";
import type { ReportContext } from "../../src/cli/report/section.js";
import { leavesSection } from "../../src/cli/report/sections/leaves.js";
import { equivalenceClassesSection } from "../../src/cli/report/sections/equivalenceClasses.js";
import { dimSpectraSection } from "../../src/cli/report/sections/dimSpectra.js";
import { randomMlp } from "../support/models.js";
import { denseDim, fdJacobian, pointsAwayFromKinks, referenceEigenvalues } from "../support/reference.js";
import { foliateInProcess } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "foliate-issue3-"));
const cacheDir = join(tmp, "cache");
const SURFACE1 = new URL("../../data/simec-1d/surface_1_good_weights.csv", import.meta.url).pathname;
const FIXTURE_2D3 = new URL("../fixtures/cli/mlp-2-8-3.json", import.meta.url).pathname;
// a 2-class planar ReLU classifier: its data and kernel leaves are both curves
const binary = randomMlp([2, 12, 12, 2], 5);
const BINARY = join(tmp, "binary.json");
writeFileSync(BINARY, JSON.stringify(binary.toJSON()));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (args: string[]) => foliateInProcess([...args, "-q", "-w", "0"]);

describe("help and errors", () => {
  test("each new command prints its usage", async () => {
    for (const name of ["leaf", "class", "spectrum", "distances", "reproduce"]) {
      const r = await foliateInProcess([name, "--help"]);
      expect(r.code, name).toBe(0);
      expect(r.stdout).toContain(`Usage: foliate ${name}`);
    }
  });

  test.each([
    ["class: missing weight file", () => ["class", "--weights", join(tmp, "none.csv"), "--start", "0,0"], /could not read weight file.*ENOENT.*\[MODEL_LOAD\]/],
    ["class: malformed weight file", () => { const p = join(tmp, "bad.csv"); writeFileSync(p, "2\nnot weights\n"); return ["class", "--weights", p, "--start", "0,0"]; }, /\[MODEL_FORMAT\]/],
    ["leaf: start of the wrong length", () => ["leaf", BINARY, "--start", "0.1,0.2,0.3"], /--start has 3 values, expected .*d = 2.*\[SHAPE\]/],
    ["leaf: start that is not numbers", () => ["leaf", BINARY, "--start", "a,b"], /--start must be 2 comma-separated finite numbers.*\[OPTION\]/],
    ["leaf: index out of range", () => ["leaf", BINARY, "--data", "moons:5", "--index", "9"], /--index must be an integer in 0..4.*\[OPTION\]/],
    ["spectrum: image set on a 2-D model", () => ["spectrum", BINARY, "--data", "noise:10"], /28×28×1 images.*d = 2.*\[SHAPE\]/],
    ["distances: unknown dataset", () => ["distances", BINARY, "--data", "moons:10", "--data", "cifar"], /unknown dataset "cifar".*\[OPTION\]/],
  ])("%s exits 2 with one line", async (_n, args, message) => {
    const r = await run((args as () => string[])());
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stdout).toBe("");
  });

  test("usage errors exit 1", async () => {
    for (const args of [["reproduce", "nonsense"], ["distances", BINARY, "--data", "moons:10"], ["class", "--start", "0,0"], ["leaf", BINARY, "--start", "0,0", "--distribution", "sideways"]]) {
      expect((await run(args)).code, args.join(" ")).toBe(1);
    }
  });
});

describe("commands", () => {
  test("class on the authors' surface 1 from (0.25, 0.25), 5000 steps each way: drift < 7.2e-4, recomputed by the float64 reference", async () => {
    const r = await run(["class", "--weights", SURFACE1, "--start", "0.25,0.25", "--steps", "5000", "--box=-1:1", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.k).toBe(10001);
    expect(out.y0[0]).toBeCloseTo(0.154071, 6); // the authors' N(x0)
    expect(out.drift).toBeLessThan(7.2e-4);
    expect(out.energy).toBeLessThan(1e-12);
    const model = Model.fromSimecText(readFileSync(SURFACE1, "utf8"));
    let drift = 0, rmin = Infinity, rmax = 0;
    for (const p of out.points as number[][]) {
      drift = Math.max(drift, Math.abs(referenceForward(model, p).output[0] - out.y0[0]));
      rmin = Math.min(rmin, Math.hypot(p[0], p[1]));
      rmax = Math.max(rmax, Math.hypot(p[0], p[1]));
    }
    expect(Math.abs(drift - out.drift)).toBeLessThan(1e-9);
    expect(rmax - rmin).toBeLessThan(0.05); // close to a circle around the origin
  });

  test("leaf: a kernel leaf keeps p (reference forward), a data leaf changes it; --out .npy holds the polyline from the start", async () => {
    const npy = join(tmp, "kernel.npy");
    const k = await run(["leaf", BINARY, "--start=0.2,-0.3", "--distribution", "kernel", "--max-length", "1.5", "--json", "--out", npy]);
    expect(k.code, k.stderr).toBe(0);
    const ks = JSON.parse(k.stdout);
    const pts = readNpy(new Uint8Array(readFileSync(npy)));
    expect(pts.shape).toEqual([ks.vertices, 2]);
    expect(Array.from(pts.data.subarray(0, 2))).toEqual([0.2, -0.3]);
    const p = (i: number) => softmax(referenceForward(binary, pts.data.subarray(2 * i, 2 * i + 2)).output)[1];
    for (let i = 1; i < ks.vertices; i++) expect(Math.abs(p(i) - p(0))).toBeLessThan(1e-9);
    expect(ks.maxProbabilityChange).toBeLessThan(1e-9);
    expect(ks.vertices).toBeGreaterThan(2); // it crossed regions
    expect(ks.length).toBeCloseTo(1.5, 9);

    const d = await run(["leaf", BINARY, "--start=0.2,-0.3", "--max-length", "3", "--singular", "--json"]);
    expect(d.code, d.stderr).toBe(0);
    const ds = JSON.parse(d.stdout);
    const last = ds.points[ds.vertices - 1];
    expect(ds.length).toBeGreaterThan(0);
    const change = Math.abs(softmax(referenceForward(binary, last).output)[1] - p(0));
    expect(change).toBeGreaterThan(0.05);
    expect(ds.maxProbabilityChange).toBeGreaterThanOrEqual(change - 1e-9);
    expect(ds.singular.genericRank).toBe(1);
  });

  test("spectrum: log10 eigenvalues match a dense float64 DIM from finite-difference Jacobians", async () => {
    const model = Model.fromJSON(readFileSync(FIXTURE_2D3, "utf8"));
    const cand = new Float32Array(Array.from({ length: 40 }, (_, i) => Math.sin(1.7 * i + 0.3) * 1.5));
    const X = pointsAwayFromKinks(model, cand, 2, 6);
    const xin = join(tmp, "x.npy"), out = join(tmp, "spec.npy");
    writeFileSync(xin, writeNpy(X, [X.length / 2, 2]));
    const r = await run(["spectrum", FIXTURE_2D3, "--input", xin, "--out", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).signature.r).toBe(2);
    const s = readNpy(new Uint8Array(readFileSync(out)));
    expect(s.shape).toEqual([X.length / 2, 2]);
    for (let i = 0; i < X.length / 2; i++) {
      const x = X.subarray(2 * i, 2 * i + 2);
      const ev = referenceEigenvalues(denseDim(fdJacobian(model, x), softmax(referenceForward(model, x).output), 3, 2), 2);
      for (let j = 0; j < 2; j++) expect(Math.abs(s.data[2 * i + j] - Math.log10(ev[j]))).toBeLessThan(1e-3);
    }
  });

  test("distances: the matrix is the averaged W1 of the per-position sorted log-eigenvalues (recomputed from spectrum outputs)", async () => {
    const sets = ["moons:test:60", "circles:test:60", "xor:test:60"];
    const r = await run(["distances", FIXTURE_2D3, ...sets.flatMap((s) => ["--data", s]), "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const { names, matrix } = JSON.parse(r.stdout);
    expect(names).toEqual(sets);
    const spectra: Float64Array[] = [];
    for (const s of sets) {
      const out = join(tmp, `${s.replace(/:/g, "_")}.npy`);
      expect((await run(["spectrum", FIXTURE_2D3, "--data", s, "--out", out])).code).toBe(0);
      spectra.push(readNpy(new Uint8Array(readFileSync(out))).data as Float64Array);
    }
    const col = (a: Float64Array, j: number) => Array.from({ length: 60 }, (_, i) => a[2 * i + j]).sort((x, y) => x - y);
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        let w = 0;
        for (let j = 0; j < 2; j++) {
          const A = col(spectra[a], j), B = col(spectra[b], j);
          w += A.reduce((acc, v, i) => acc + Math.abs(v - B[i]), 0) / 60 / 2;
        }
        expect(matrix[a][b]).toBeCloseTo(w, 9);
      }
    expect(matrix[0][1]).toBeGreaterThan(0);
  });

  test("reproduce simec --quick on surface 1: the authors' weights meet the paper's drift and energy bounds", async () => {
    const r = await run(["reproduce", "simec", "--quick", "--tasks", "surface1", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const authors = out.runs.find((x: { source: string }) => x.source === "authors");
    expect(authors.drift).toBeLessThan(7.2e-4);
    expect(authors.energy).toBeLessThan(1e-12);
    expect(out.preimages.find((p: { source: string }) => p.source === "authors").innerRadius).toBeGreaterThan(0.2);
  }, 60_000);

  test("reproduce spectra --quick trains and caches the reduced CNN; MNIST's median top eigenvalue is below noise's", async () => {
    const r = await run(["reproduce", "spectra", "--quick", "--cache", cacheDir, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.modelSource).toBe("trained");
    const row = (n: string) => out.rows.find((x: { dataset: string }) => x.dataset === n);
    expect(row("mnist").medianLogLambda1).toBeLessThan(row("noise").medianLogLambda1);
    expect(out.distances.names).toEqual(["mnist", "noise", "mnist-inverted", "mnist-adversarial"]);
  }, 90_000);
});

describe("report sections", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ workers: 0 });
  });
  afterAll(() => engine.close());

  test("leaves, equivalence-classes and dim-spectra render in a reduced report, caching their models in the context's cacheDir", async () => {
    const model = Model.fromJSON(readFileSync(FIXTURE_2D3, "utf8"));
    const data = toy2d("circles", 60, 4);
    const progress = new Progress({ write: () => {} }, true);
    const ctx: ReportContext & { cacheDir: string } = { engine, subjects: [{ id: "fixture", title: "fixture", model, train: data, test: data }], quick: true, seed: 1, stage: (n, t) => progress.stage(n, t), cacheDir };
    const report = await runReport(ctx, [leavesSection, equivalenceClassesSection, dimSpectraSection], { outDir: join(tmp, "report"), title: "issue 3", progress });
    expect(report.failed, report.rendered.map((r) => r.error).join("; ")).toBe(0);
    const html = readFileSync(report.path, "utf8");
    for (const id of ["leaves", "equivalence-classes", "dim-spectra"]) {
      const at = html.indexOf(`<section id="${id}">`);
      expect(at, id).toBeGreaterThan(0);
      expect(html.slice(at, html.indexOf("</section>", at))).toContain("<svg");
    }
    const classes = report.rendered.find((r) => r.section.id === "equivalence-classes")!.result!;
    const drift = classes.numbers.find((n) => n.name.startsWith("surface 1: drift"))!;
    expect(Number(drift.value)).toBeLessThan(7.2e-4);
    const leaves = report.rendered.find((r) => r.section.id === "leaves")!.result!;
    expect(leaves.tables.some((t) => t.caption.startsWith("DIM geodesics"))).toBe(true);
    // the bottleneck's data leaf from (0.6, 0.4) heads straight for (−0.7, −0.5) while the rank is 2, meets x₂ = 0
    // at x₁ = 0.6 − 1.3·(0.4/0.9) (rank 2 → 1), then runs along −x₁ to the origin (rank 1 → 0): hand-computed
    const t1 = (0.4 / 0.9) * Math.hypot(1.3, 0.9), t2 = t1 + (0.6 - (1.3 * 0.4) / 0.9);
    const rows = leaves.tables.find((t) => t.caption.startsWith("Singular points"))!.rows.filter((r) => String(r[0]).startsWith("bottleneck"));
    expect(rows.map((r) => [Number(r[2]), r[3], r[4]])).toEqual([[Number(t1.toFixed(4)), 2, 1], [Number(t2.toFixed(4)), 1, 0]]);
    expect(report.rendered.find((r) => r.section.id === "dim-spectra")!.result!.notes!.join(" ")).toContain(cacheDir);
    expect(readdirSync(cacheDir).filter((f) => f.startsWith("mnist-cnn-"))).toHaveLength(1); // the CNN of `reproduce spectra --quick`, reused
    expect(readdirSync(cacheDir).filter((f) => f.startsWith("leaves2d-"))).toHaveLength(2);
  }, 90_000);
});
