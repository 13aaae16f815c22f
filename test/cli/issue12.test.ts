/**
 * Issue 12, items 10–12: the command line with the bundled gzip'd model and cache entries, count options
 * bounded before anything is allocated, output paths checked before computing, Ctrl-C/SIGTERM, and the
 * `ricci` and JSON-input messages.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Model } from "../../src/model/model.js";
import { loadDataset } from "../../src/datasets/registry.js";
import { startServer, type RunningServer } from "../../src/cli/serve.js";
import { createEngine, type Engine } from "../../src/api/engine.js";
import { referenceOutput } from "../support/reference.js";
import { FIXTURE_MODEL, MAIN, foliateInProcess } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "foliate-issue12-"));
const BUNDLED = fileURLToPath(new URL("../../data/models/mnist-cnn-c8-c16-d64-e4-b64-lr0.001-s1-n8000.foliate.json.gz", import.meta.url));
const SURFACE1 = fileURLToPath(new URL("../../data/simec-1d/surface_1_good_weights.csv", import.meta.url));
const plainDoc = JSON.parse(gunzipSync(readFileSync(BUNDLED)).toString("utf8"));
const file = (name: string, content: string | Uint8Array) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};

/** 2 → 8 → 8 → 3 ReLU classifier: two hidden layers, so ρ is a correlation of 2 pairs. */
const wave = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + s));
const MLP2 = file("mlp-2-8-8-3.json", JSON.stringify({
  format: "foliate-model", version: 1, inputShape: [2],
  layers: [
    { type: "dense", units: 8, kernel: wave(16, 1), bias: wave(8, 2), activation: "relu" },
    { type: "dense", units: 8, kernel: wave(64, 3), bias: wave(8, 4), activation: "relu" },
    { type: "dense", units: 3, kernel: wave(24, 5), bias: wave(3, 6) },
    { type: "softmax" },
  ],
}));

/** One stderr line "foliate <cmd>: … [CODE]" and exit 2. */
function expectInputError(r: { code: number | null; stderr: string; stdout: string }, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stdout).toBe("");
}

describe("item 10: gzip'd models and cache entries load wherever a model is accepted", () => {
  test("foliate info reads the bundled .json.gz", async () => {
    const r = await foliateInProcess(["info", BUNDLED, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.inputShape).toEqual([28, 28, 1]);
    expect(info.outputSize).toBe(10);
    expect(info.parameters).toBe(149418);
  });

  test("forward on the bundled model gives the float64 reference's logits", async () => {
    const r = await foliateInProcess(["forward", BUNDLED, "--data", "mnist:test:3", "--json", "-q", "-w", "0"]);
    expect(r.code, r.stderr).toBe(0);
    const logits = JSON.parse(r.stdout).logits as number[][];
    const spec = Model.fromJSON(plainDoc);
    const X = loadDataset("mnist:test:3").X;
    for (let i = 0; i < 3; i++) {
      const ref = referenceOutput(spec, X.subarray(i * 784, (i + 1) * 784));
      ref.forEach((v, c) => expect(Math.abs(logits[i][c] - v)).toBeLessThan(1e-3 * (1 + Math.abs(v))));
    }
  });

  test("a trained-model cache entry {recipe, training, model} loads in the CLI and in Model.load", async () => {
    const entry = file("moons-mlp-0123456789.json", JSON.stringify({ recipe: { id: "x" }, quick: true, training: { epochs: 1 }, model: JSON.parse(readFileSync(FIXTURE_MODEL, "utf8")) }));
    const r = await foliateInProcess(["info", entry, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).inputSize).toBe(3);
    const gz = file("entry.json.gz", gzipSync(readFileSync(entry)));
    expect((await Model.load(gz)).inputSize).toBe(3);
  });

  test("Model.load inflates .json.gz from a path, a file: URL and a data: URL (fetch)", async () => {
    const fromPath = await Model.load(BUNDLED);
    const fromUrl = await Model.load(new URL(`file://${BUNDLED}`));
    const fromData = await Model.load(`data:application/gzip;base64,${gzipSync(readFileSync(FIXTURE_MODEL)).toString("base64")}`);
    expect(fromPath.parameterCount).toBe(149418);
    expect(fromUrl.parameterCount).toBe(149418);
    expect(fromData.toJSON()).toEqual(Model.fromJSON(readFileSync(FIXTURE_MODEL, "utf8")).toJSON());
    expect(fromPath.toJSON()).toEqual(Model.fromJSON(plainDoc).toJSON());
  });

  test("a corrupt gzip file is a MODEL_LOAD error naming the file", async () => {
    const bad = file("bad.json.gz", new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
    const r = await foliateInProcess(["info", bad]);
    expectInputError(r, /could not decompress .*bad\.json\.gz.*\[MODEL_LOAD\]/);
    await expect(Model.load(bad)).rejects.toThrow(/could not decompress/);
  });

  describe("serve", () => {
    let engine: Engine, server: RunningServer;
    beforeAll(async () => {
      engine = await createEngine({ workers: 0 });
      server = await startServer({ engine, port: 0 });
    });
    afterAll(async () => {
      await server.close();
      await engine.close();
    });
    test("a gzip'd body and a cache-entry model give the plain request's result", async () => {
      const model = JSON.parse(readFileSync(FIXTURE_MODEL, "utf8"));
      const X = [[0.3, -0.2, 0.5]];
      const plain = await (await fetch(`${server.url}/v1/forward`, { method: "POST", body: JSON.stringify({ model, X }) })).json();
      const gz = await fetch(`${server.url}/v1/forward`, { method: "POST", headers: { "content-encoding": "gzip" }, body: gzipSync(JSON.stringify({ model: { recipe: {}, model }, X })) });
      expect(gz.status).toBe(200);
      const body = await gz.json();
      expect(body.logits).toEqual(plain.logits);
      const ref = referenceOutput(Model.fromJSON(model), X[0]);
      ref.forEach((v, c) => expect(Math.abs(body.logits[0][c] - v)).toBeLessThan(1e-5));
    });
  });
});

describe("item 11: counts bounded, outputs checked first, interrupts", () => {
  test("regions --count --samples 1e12: exit 2 naming the memory limit (no RangeError)", async () => {
    expectInputError(await foliateInProcess(["regions", FIXTURE_MODEL, "--count", "--samples", "1e12", "-q", "-w", "0"]),
      /--samples must be an integer in 2\.\.\d+ \(each sample holds \d+ bytes for this model; 1 GiB of memory at most\), got "1e12" \[OPTION\]/);
  });

  test("class --steps 1e12 is refused before any step (exit 2, the time limit named)", async () => {
    expectInputError(await foliateInProcess(["class", "--weights", SURFACE1, "--start", "0.25,0.25", "--steps", "1e12", "-q", "-w", "0"]),
      /--steps must be an integer in 1\.\.10000000 \(a time limit.*\), got "1e12" \[OPTION\]/);
  });

  test("class --steps within the time limit but not memory: the memory limit of a 784-input model", async () => {
    expectInputError(await foliateInProcess(["class", BUNDLED, "--data", "mnist:test:1", "--steps", "5000000", "-q", "-w", "0"]),
      /--steps must be an integer in 1\.\.\d+ \(each step holds 25408 bytes for this model; 1 GiB/);
  });

  test("leaf --max-vertices beyond memory; reproduce-ricci --seeds beyond time", async () => {
    expectInputError(await foliateInProcess(["leaf", BUNDLED, "--data", "mnist:test:1", "--max-vertices", "1000000", "-q", "-w", "0"]), /--max-vertices must be an integer in 2\.\.\d+ \(each vertex holds/);
    expectInputError(await foliateInProcess(["reproduce-ricci", "--seeds", "1e9", "-q"]), /--seeds must be an integer in 1\.\.1000/);
  });

  test("forward --out into a missing folder fails before computing", async () => {
    const r = await foliateInProcess(["forward", FIXTURE_MODEL, "--input", file("x.json", "[[0.1, 0.2, 0.3]]"), "--out", "/nonexistent-dir/x.npy", "-w", "0"]);
    // Not quiet: a computed batch would have printed "forward: done in …" before the error.
    expectInputError(r, /--out \/nonexistent-dir\/x\.npy: the folder \/nonexistent-dir does not exist \[OPTION\]/);
  });

  test("--out that is a folder, and report --out under a file, are refused", async () => {
    expectInputError(await foliateInProcess(["forward", FIXTURE_MODEL, "--data", "xor:4", "--out", tmp, "-q"]), /expected a \.npy file or a \.json file|is a folder/);
    const f = file("plain.txt", "x");
    expectInputError(await foliateInProcess(["report", FIXTURE_MODEL, "--data", "xor:4", "--out", join(f, "report"), "-q"]), /is a file, not a folder/);
  });

  /** Spawn the bin, wait for its first progress line, send `signal`; resolve with the exit code, stderr and the time to stop. */
  function interrupt(args: string[], signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; ms: number }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } });
      let stderr = "", sent = 0;
      child.stderr.on("data", (c) => {
        stderr += c;
        if (!sent && /class: \d+%/.test(stderr)) {
          sent = performance.now();
          child.kill(signal);
        }
      });
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`not stopped; stderr: ${stderr}`));
      }, 40_000);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stderr, ms: performance.now() - sent });
      });
    });
  }

  test.each([
    ["SIGTERM", 1, 143],
    ["SIGINT", 0, 130],
  ] as const)("%s stops a long class walk promptly (workers %i): exit %i and one line", async (signal, workers, code) => {
    const out = join(tmp, `class-${signal}.json`);
    const r = await interrupt(["class", "--weights", SURFACE1, "--start", "0.25,0.25", "--steps", "9000000", "--out", out, "-w", String(workers)], signal);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toContain(`foliate class: stopped by ${signal}`);
    expect(r.stderr).not.toMatch(/internal error|at .*\.js/);
    expect(r.ms).toBeLessThan(5000);
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});

describe("item 12: ricci, --out formats, non-finite JSON values", () => {
  test("ricci on two layers: ρ = ±1 and the p-value is absent with the reason; no NaN", async () => {
    const r = await foliateInProcess(["ricci", MLP2, "--data", "moons:80", "--k", "10,30", "-q", "-w", "0"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("NaN");
    expect(r.stdout).toMatch(/k = 10: ρ = -?1\.000, p = — \(a p-value needs at least 3 \(Ric_l, η_l\) pairs; 2 pairs \(2 layers\) always correlate to ±1\)/);
    expect(r.stdout).toContain("Fisher's z needs more than 4 layers, the model has 2");
    const j = await foliateInProcess(["ricci", MLP2, "--data", "moons:80", "--k", "10", "--json", "-q", "-w", "0"]);
    expect(JSON.parse(j.stdout).flows[0].pValueReason).toMatch(/at least 3/);
  });

  test("a disconnected graph names --disconnected reachable (not the API's option), and that flag exists", async () => {
    const X = Array.from({ length: 40 }, (_, i) => [(i < 20 ? -5 : 5) + Math.sin(i), Math.cos(3 * i)]);
    const input = file("clusters.json", JSON.stringify(X));
    const r = await foliateInProcess(["ricci", MLP2, "--input", input, "--k", "3", "-q", "-w", "0"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('disconnected: "reachable"');
    expect(r.stdout).toMatch(/ρ = — \(the kNN graph of layer 0 is disconnected \(2 components, 400 unreachable pairs\); --disconnected reachable/);
    const reach = await foliateInProcess(["ricci", MLP2, "--input", input, "--k", "3", "--disconnected", "reachable", "--json", "-q", "-w", "0"]);
    expect(reach.code, reach.stderr).toBe(0);
    expect(Math.abs(JSON.parse(reach.stdout).flows[0].rho)).toBeCloseTo(1, 12); // two pairs
  });

  test("ricci --k beyond n − 1 is refused naming the limit", async () => {
    expectInputError(await foliateInProcess(["ricci", MLP2, "--data", "moons:20", "--k", "20", "-q", "-w", "0"]), /--k must be at most 19 \(a kNN graph of 20 points has at most 19 neighbours per point\), got 20/);
  });

  test.each([
    ["ricci", [MLP2, "--data", "moons:20", "--out", join(tmp, "x.txt")], /--out .*x\.txt: the format follows the file's extension; expected a \.json file \[OPTION\]/],
    ["forward", [FIXTURE_MODEL, "--data", "xor:4", "--out", join(tmp, "x.txt")], /expected a \.npy file or a \.json file/],
    ["dim", [FIXTURE_MODEL, "--data", "xor:4", "--vectors", join(tmp, "v.json")], /--vectors .*v\.json: .*expected a \.npy file/],
    ["regions", [MLP2, "--plane", "--out", join(tmp, "p.npy")], /expected a \.json file/],
  ])("%s refuses an --out whose extension names no format it writes", async (cmd, args, message) => {
    expectInputError(await foliateInProcess([cmd, ...(args as string[]), "-q", "-w", "0"]), message as RegExp);
  });

  test.each([
    ["[[1e400, 0, 0]]", /point 0, value 0 is \+Infinity \(a number literal beyond the float64 range, such as 1e400\)/],
    ["[[0, -1e999, 0]]", /point 0, value 1 is -Infinity/],
    ["[[0, 0, 1e39]]", /point 0, value 2 is 1e\+39, beyond the float32 range/],
    ['[[0, 0, 0],\n [0, NaN, 0]]', /line 2, column 6: NaN is not a JSON number/],
    ['{"X": [[0, 0, -Infinity]]}', /line 1, column 15: -Infinity is not a JSON number/],
    ['[["NaN", 0, 0]]', /point 0, value 0 is "NaN", expected a finite number/],
  ])("JSON input %s names the value", async (text, message) => {
    expectInputError(await foliateInProcess(["forward", FIXTURE_MODEL, "--input", file("v.json", text), "-q", "-w", "0"]), message);
  });
});
