import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { commands } from "../../src/cli/commands/index.js";
import { readNpy, writeNpy } from "../../src/io/npy.js";
import { Model } from "../../src/model/model.js";
import { denseDim, fdJacobian, referenceEigenvalues, referenceOutput, relError } from "../support/reference.js";
import { nchwToNhwc } from "../../src/cli/files.js";
import { FIXTURE_MODEL, foliate, foliateInProcess } from "./run.js";

const tmp = mkdtempSync(join(tmpdir(), "foliate-cli-"));
const model = Model.fromJSON(readFileSync(FIXTURE_MODEL, "utf8"));
// 4 points, 3 coordinates each, away from the fixture's ReLU kinks (checked below through fdJacobian agreement)
const X = new Float32Array([0.3, -0.2, 0.5, -0.7, 0.1, 0.9, 1.1, 0.4, -0.3, 0.05, 0.6, -0.8]);

describe("usage and help", () => {
  test("foliate --help lists every registered command; no command prints usage and exits 1", async () => {
    const r = await foliate(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: foliate/);
    for (const c of commands) expect(r.stdout).toContain(`${c.name} `);
    const none = await foliate([]);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/Usage: foliate/);
  });

  test("the built bin prints a command's usage", async () => {
    const r = await foliate(["jacobian", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: foliate jacobian [options] <model>");
  });

  test("every command's --help prints its usage with --json", async () => {
    const results = [];
    for (const c of commands) results.push(await foliateInProcess([c.name, "--help"]));
    results.forEach((r, i) => {
      expect(r.code, commands[i].name).toBe(0);
      expect(r.stdout).toContain(`Usage: foliate ${commands[i].name}`);
      expect(r.stdout).toContain("--json");
    });
  });

  test("usage errors exit 1: unknown command, unknown option, missing argument, conflicting inputs", async () => {
    for (const args of [["frobnicate"], ["info", "--bogus", FIXTURE_MODEL], ["jacobian"], ["jacobian", FIXTURE_MODEL], ["jacobian", FIXTURE_MODEL, "--data", "moons", "--input", "x.npy"], ["jacobian", FIXTURE_MODEL, "--data", "xor", "--of", "hessian"]]) {
      const r = await foliateInProcess(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr.length).toBeGreaterThan(0);
    }
  });
});

describe("input errors exit 2 with one clear line", () => {
  const bad = (name: string, content: string | Uint8Array) => {
    const p = join(tmp, name);
    writeFileSync(p, content);
    return p;
  };
  test.each([
    ["missing model file", () => ["info", join(tmp, "nope.json")], /could not read model file .*nope\.json.*ENOENT.*\[MODEL_LOAD\]/],
    ["model that is not JSON", () => ["info", bad("garbage.json", "{ not json")], /model JSON does not parse.*\[MODEL_FORMAT\]/],
    ["model with a wrong format field", () => ["info", bad("wrong.json", JSON.stringify({ format: "keras", version: 1 }))], /"format" must be "foliate-model".*\[MODEL_FORMAT\]/],
    ["npy of the wrong width", () => ["jacobian", FIXTURE_MODEL, "--input", bad("w.npy", writeNpy(new Float32Array(8), [2, 4]))], /shape \[2,4\].*d = 3.*\[SHAPE\]/],
    ["corrupt npy", () => ["forward", FIXTURE_MODEL, "--input", bad("c.npy", new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]))], /not a \.npy file.*\[NPY_FORMAT\]/],
    ["json input with a string", () => ["dim", FIXTURE_MODEL, "--input", bad("s.json", JSON.stringify([[1, 2, "x"]]))], /point 0, value 2 is "x".*\[DATA_FILE\]/],
    ["unknown dataset", () => ["forward", FIXTURE_MODEL, "--data", "cifar"], /unknown dataset "cifar".*\[OPTION\]/],
    ["dataset of the wrong dimension", () => ["forward", FIXTURE_MODEL, "--data", "moons:10"], /size 2; the model expects d = 3.*\[SHAPE\]/],
  ])("%s", async (_name, args, message) => {
    const argv = (args as () => string[])();
    const r = await foliateInProcess([...argv, "-q", ...(argv[0] === "info" ? [] : ["-w", "0"])]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^foliate \w+: /);
    expect(lines[0]).toMatch(message as RegExp);
    expect(r.stdout).toBe("");
  });
});

describe("commands", () => {
  test("the built bin: an input error exits 2 with one line", async () => {
    const r = await foliate(["info", join(tmp, "absent.onnx")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^foliate info: could not read model file .*absent\.onnx: ENOENT \[MODEL_LOAD\]\n$/);
  });

  test("info on the fixture: text and --json", async () => {
    const r = await foliateInProcess(["info", FIXTURE_MODEL, "--json"]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ inputShape: [3], inputSize: 3, outputSize: 4, head: "softmax", parameters: 3 * 5 + 5 + 5 * 4 + 4, piecewiseLinear: true, reluWidths: [5], reluUnits: 5 });
    expect(info.layers.map((l: { outputShape: number[] }) => l.outputShape)).toEqual([[5], [4]]);
    const text = await foliateInProcess(["info", FIXTURE_MODEL]);
    expect(text.stdout).toContain("parameters: 44");
    expect(text.stdout).toContain("relu widths: [5]");
  });

  test("jacobian round trip through .npy matches float64 finite differences", async () => {
    const xin = join(tmp, "x.npy"), jout = join(tmp, "J.npy");
    writeFileSync(xin, writeNpy(X, [4, 3]));
    const r = await foliate(["jacobian", FIXTURE_MODEL, "--input", xin, "--out", jout, "--json", "-w", "1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ shape: [4, 4, 3], out: jout });
    const J = readNpy(new Uint8Array(readFileSync(jout)));
    expect(J.shape).toEqual([4, 4, 3]);
    expect(J.dtype).toBe("<f4");
    for (let i = 0; i < 4; i++) expect(relError(J.data.subarray(i * 12, (i + 1) * 12), fdJacobian(model, X.subarray(i * 3, i * 3 + 3)))).toBeLessThan(1e-5);
    // logprobs through .json: nested n×m×d
    const jj = join(tmp, "J.json");
    expect((await foliateInProcess(["jacobian", FIXTURE_MODEL, "--input", xin, "--out", jj, "--of", "logprobs", "-q", "-w", "0"])).code).toBe(0);
    const doc = JSON.parse(readFileSync(jj, "utf8"));
    expect(doc.shape).toEqual([4, 4, 3]);
    expect(relError(doc.data[2].flat(), fdJacobian(model, X.subarray(6, 9), "logprobs"))).toBeLessThan(1e-5);
  });

  test("forward from .json input prints logits and classes with --json", async () => {
    const xin = join(tmp, "x.json");
    writeFileSync(xin, JSON.stringify({ X: [[0.3, -0.2, 0.5], [-0.7, 0.1, 0.9]], labels: [0, 1] }));
    const r = await foliateInProcess(["forward", FIXTURE_MODEL, "--input", xin, "--json", "-q", "-w", "0"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.n).toBe(2);
    for (let i = 0; i < 2; i++) {
      const ref = referenceOutput(model, X.subarray(i * 3, i * 3 + 3));
      expect(relError(out.logits[i], ref)).toBeLessThan(1e-5);
      expect(out.classes[i]).toBe(ref.indexOf(Math.max(...ref)));
    }
    expect(out.regionHash[0]).toMatch(/^[0-9a-f]{16}$/);
  });

  test("dim writes eigenvalues equal to the dense float64 DIM's", async () => {
    const xin = join(tmp, "xd.npy"), eout = join(tmp, "eig.npy"), vout = join(tmp, "vec.npy");
    writeFileSync(xin, writeNpy(X, [4, 3]));
    const r = await foliateInProcess(["dim", FIXTURE_MODEL, "--input", xin, "--out", eout, "--vectors", vout, "-q", "-w", "0"]);
    expect(r.code, r.stderr).toBe(0);
    const E = readNpy(new Uint8Array(readFileSync(eout)));
    expect(E.shape).toEqual([4, 3]); // r = min(C − 1, d) = 3
    expect(readNpy(new Uint8Array(readFileSync(vout))).shape).toEqual([4, 3, 3]);
    for (let i = 0; i < 4; i++) {
      const x = X.subarray(i * 3, i * 3 + 3);
      const z = referenceOutput(model, x);
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
      const ref = referenceEigenvalues(denseDim(fdJacobian(model, x), p, 4, 3), 3);
      expect(relError(E.data.subarray(i * 3, i * 3 + 3), ref)).toBeLessThan(1e-4);
    }
  });
});

describe("info on ONNX and the report command", () => {
  test("info reads an ONNX file exported by PyTorch", async () => {
    const onnx = new URL("../fixtures/onnx-pytorch/mlp_relu_leaky.onnx", import.meta.url).pathname;
    const r = await foliateInProcess(["info", onnx, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    const m = Model.fromOnnx(new Uint8Array(readFileSync(onnx)));
    expect(info.parameters).toBe(m.parameterCount);
    expect(info.layers).toHaveLength(m.layers.length);
  });

  test("report on a given 2D model and bundled data writes every section", async () => {
    const { sections } = await import("../../src/cli/report/sections/index.js");
    const fixture2d = new URL("../fixtures/cli/mlp-2-8-3.json", import.meta.url).pathname;
    const out = join(tmp, "rep");
    const r = await foliateInProcess(["report", fixture2d, "--data", "circles:test:120", "--out", out, "--quick", "-q", "-w", "1", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ report: join(out, "index.html"), failed: 0 });
    const html = readFileSync(join(out, "index.html"), "utf8");
    for (const s of sections) expect(html).toContain(`<section id="${s.id}">`);
    expect(html).toContain("decision regions");
    const bad = await foliateInProcess(["report", fixture2d, "--data", "circles", "--sections", "engine-core,ricci"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown section ricci/);
  }, 300_000);
});

describe("PyTorch interchange through the CLI", () => {
  const fx = (f: string) => new URL(`../fixtures/onnx-pytorch/${f}`, import.meta.url).pathname;

  test("nchwToNhwc moves channels last (hand-computed 1×2×2×3 case)", () => {
    // x[c, h, w] = 100c + 10h + w, C = 2, H = 2, W = 3
    const x = Float32Array.from({ length: 12 }, (_, i) => 100 * Math.floor(i / 6) + 10 * Math.floor((i % 6) / 3) + (i % 3));
    expect(Array.from(nchwToNhwc(x, 1, 2, 2, 3))).toEqual([0, 100, 1, 101, 2, 102, 10, 110, 11, 111, 12, 112]);
  });

  test("forward and jacobian of a PyTorch CNN (ONNX) on its NCHW .npy inputs reproduce PyTorch's outputs and Jacobians", async () => {
    const out = join(tmp, "cnn-out.npy"), jac = join(tmp, "cnn-J.npy");
    const f = await foliateInProcess(["forward", fx("cnn_mnist_like.onnx"), "--input", fx("cnn_mnist_like.inputs.npy"), "--out", out, "-w", "0"]);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toMatch(/read as NCHW and transposed/);
    const j = await foliateInProcess(["jacobian", fx("cnn_mnist_like.onnx"), "--input", fx("cnn_mnist_like.inputs.npy"), "--out", jac, "-w", "0", "-q"]);
    expect(j.code, j.stderr).toBe(0);
    const read = (p: string) => readNpy(new Uint8Array(readFileSync(p))).data;
    expect(relError(read(out), read(fx("cnn_mnist_like.outputs.npy")))).toBeLessThan(1e-5);
    expect(relError(read(jac), read(fx("cnn_mnist_like.jacobians.npy")))).toBeLessThan(1e-5);
  });
});
