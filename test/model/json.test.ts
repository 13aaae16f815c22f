import { describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Model } from "../../src/model/model.js";
import { modelToJSON, parseModelJSON } from "../../src/model/json.js";
import { encodeFloat32Base64 } from "../../src/model/base64.js";
import { LIMITS, type ModelSpec } from "../../src/model/types.js";
import { ModelFormatError, ModelLoadError, NonFiniteError, UnsupportedLayerError } from "../../src/errors.js";
import { referenceForward } from "../../src/reference/forward.js";
import { mulberry32, uniformF32 } from "../reference/seeded.js";
import { expectFoliateError } from "./errors.js";

type Doc = { format: string; version: number; inputShape: unknown; layers: Record<string, unknown>[]; [k: string]: unknown };

/** 4 → 3 (relu) → 2, softmax head. Kernels are flat [in, out] row-major. */
function mlp(): Doc {
  return {
    format: "foliate-model",
    version: 1,
    inputShape: [4],
    layers: [
      { type: "dense", units: 3, kernel: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], bias: [0.5, -0.5, 0], activation: "relu" },
      { type: "dense", units: 2, kernel: [1, -1, 0.5, 0.25, -2, 3], bias: [0, 1] },
      { type: "softmax" },
    ],
  };
}

/** [5, 5, 2] → conv 3×3 same (3 filters) → maxPool 2 → flatten → dense 2. */
function cnn(rand = mulberry32(3)): Doc {
  return {
    format: "foliate-model",
    version: 1,
    inputShape: [5, 5, 2],
    layers: [
      { type: "conv2d", filters: 3, kernelSize: 3, padding: "same", kernel: Array.from(uniformF32(rand, 54)), bias: [0.125, 0.25, -0.5], activation: "relu" },
      { type: "maxPool2d", poolSize: 2 },
      { type: "flatten" },
      { type: "dense", units: 2, kernel: Array.from(uniformF32(rand, 24)), bias: [0, 0] },
    ],
  };
}

const withLayer = (doc: Doc, i: number, patch: Record<string, unknown>): Doc => ({ ...doc, layers: doc.layers.map((l, k) => (k === i ? { ...l, ...patch } : l)) });

describe("parseModelJSON: valid documents", () => {
  it("parses an MLP with a softmax head, applying the defaults", () => {
    const spec = parseModelJSON(mlp());
    expect(spec.head).toBe("softmax");
    expect(spec.layers.map((l) => l.type)).toEqual(["dense", "dense"]);
    const [l0, l1] = spec.layers as Extract<ModelSpec["layers"][number], { type: "dense" }>[];
    expect(l0.kernel).toEqual(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    expect(l1.activation).toBe("linear");
    // x = e0 → z = row 0 of the kernel + bias = (1.5, 1.5, 3) → relu → (1.5·1 + 1.5·0.5 + 3·(−2), 1.5·(−1) + 1.5·0.25 + 3·3 + 1)
    expect(Array.from(referenceForward(spec, [1, 0, 0, 0]).output)).toEqual([1.5 + 0.75 - 6, -1.5 + 0.375 + 9 + 1]);
  });

  it("accepts nested [in][out] arrays, base64 strings and typed arrays for the same weights", () => {
    const flat = parseModelJSON(mlp());
    const nested = parseModelJSON(withLayer(mlp(), 0, { kernel: [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]] }));
    const b64 = parseModelJSON(withLayer(mlp(), 0, { kernel: encodeFloat32Base64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), bias: encodeFloat32Base64([0.5, -0.5, 0]) }));
    const typed = parseModelJSON(withLayer(mlp(), 0, { kernel: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) }));
    for (const s of [nested, b64, typed]) expect(s.layers[0]).toEqual(flat.layers[0]);
  });

  it("accepts a nested [kh][kw][inC][outC] conv kernel equal to the flat one", () => {
    const doc = cnn();
    const flat = doc.layers[0].kernel as number[];
    const nested = [0, 1, 2].map((a) => [0, 1, 2].map((b) => [0, 1].map((c) => [0, 1, 2].map((f) => flat[((a * 3 + b) * 2 + c) * 3 + f]))));
    expect(parseModelJSON(withLayer(doc, 0, { kernel: nested })).layers[0]).toEqual(parseModelJSON(doc).layers[0]);
  });

  it("normalizes activation layers, defaults strides/padding, and keeps the JSON string form equal", () => {
    const doc: Doc = {
      format: "foliate-model",
      version: 1,
      inputShape: [6, 6, 1],
      extraField: { ignored: true },
      layers: [
        { type: "conv2d", filters: 1, kernelSize: [2, 3], kernel: [1, 1, 1, 1, 1, 1], bias: [0], note: "unknown fields are ignored" },
        { type: "relu" },
        { type: "leakyRelu" },
        { type: "leakyRelu", alpha: 0.01 },
        { type: "activation", activation: "tanh" },
        { type: "avgPool2d", poolSize: [2, 2], strides: 1, padding: "same" },
        { type: "flatten" },
        { type: "dense", units: 2, kernel: new Array(40).fill(0.5), bias: [1, 2], activation: "softmax" },
      ],
    };
    const spec = parseModelJSON(doc);
    expect(spec.layers[0]).toMatchObject({ type: "conv2d", strides: [1, 1], padding: "valid", activation: "linear" });
    expect(spec.layers[1]).toEqual({ type: "activation", activation: "relu" });
    expect(spec.layers[2]).toEqual({ type: "activation", activation: "leakyRelu", alpha: 0.3 });
    expect(spec.layers[3]).toEqual({ type: "activation", activation: "leakyRelu", alpha: 0.01 });
    expect(spec.layers[4]).toEqual({ type: "activation", activation: "tanh" });
    expect(spec.layers[5]).toEqual({ type: "avgPool2d", poolSize: [2, 2], strides: [1, 1], padding: "same" });
    expect(spec.layers[7]).toMatchObject({ type: "dense", activation: "linear" });
    expect(spec.head).toBe("softmax");
    expect(new Model(spec).shapes).toEqual([[5, 4, 1], [5, 4, 1], [5, 4, 1], [5, 4, 1], [5, 4, 1], [5, 4, 1], [20], [2]]);
    expect(parseModelJSON(JSON.stringify(doc))).toEqual(spec);
  });
});

describe("round trips", () => {
  it("float32-exact weights serialize as base64 and come back exactly", () => {
    const m = Model.fromJSON(cnn());
    const json = m.toJSON();
    expect(typeof json.layers[0].kernel).toBe("string");
    const back = Model.fromJSON(JSON.parse(JSON.stringify(json)));
    expect(back.layers).toEqual(m.layers);
    expect(back.head).toBe(m.head);
    expect(back.inputShape).toEqual(m.inputShape);
  });

  it("float64 weights serialize as number arrays and come back bit-exactly", () => {
    const rand = mulberry32(99);
    const kernel = Array.from({ length: 12 }, () => rand() * 2 - 1); // not float32-representable
    const doc = withLayer(mlp(), 0, { kernel, activation: "leakyRelu", alpha: 0.1 });
    const m = Model.fromJSON(doc);
    const json = m.toJSON();
    expect(Array.isArray(json.layers[0].kernel)).toBe(true);
    expect(Array.isArray(json.layers[1].kernel)).toBe(true); // float32-exact, but the model as a whole is not
    const back = Model.fromJSON(JSON.stringify(json));
    expect(back.layers).toEqual(m.layers);
    expect(Array.from((back.layers[0] as { kernel: Float64Array }).kernel)).toEqual(kernel);
    expect(modelToJSON(back)).toEqual(json);
    expect(back.head).toBe("softmax");
    expect(JSON.parse(JSON.stringify(m))).toEqual(JSON.parse(JSON.stringify(json))); // Model#toJSON drives JSON.stringify
  });
});

describe("Model.load", () => {
  it("loads a model file by path and by file: URL", async () => {
    const dir = await mkdtemp(join(tmpdir(), "foliate-model-"));
    try {
      const path = join(dir, "mlp.json");
      await writeFile(path, JSON.stringify(Model.fromJSON(mlp()).toJSON()));
      for (const where of [path, pathToFileURL(path)]) {
        const m = await Model.load(where);
        expect(m.layers).toEqual(Model.fromJSON(mlp()).layers);
        expect(m.inputSize).toBe(4);
        expect(m.outputSize).toBe(2);
      }
      await writeFile(path, '{"format": "foliate-model", "version": 1, "inputShape": [4], "layers": [');
      await expect(Model.load(path)).rejects.toBeInstanceOf(ModelFormatError);
      await expect(Model.load(join(dir, "missing.json"))).rejects.toThrow(/could not read model file .*missing\.json: ENOENT/);
      await expect(Model.load(join(dir, "missing.json"))).rejects.toBeInstanceOf(ModelLoadError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("loads a model over HTTP; HTTP errors and refused connections throw ModelLoadError", async () => {
    const body = JSON.stringify(Model.fromJSON(mlp()));
    const server = createServer((req, res) => {
      if (req.url === "/mlp.json") res.writeHead(200, { "content-type": "application/json" }).end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const m = await Model.load(`http://127.0.0.1:${port}/mlp.json`);
      expect(m.layers).toEqual(Model.fromJSON(mlp()).layers);
      await expect(Model.load(`http://127.0.0.1:${port}/nope.json`)).rejects.toThrow(/could not load model from .*nope\.json: HTTP 404/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const refused = Model.load(`http://127.0.0.1:${port}/mlp.json`);
    await expect(refused).rejects.toBeInstanceOf(ModelLoadError);
    await expect(refused).rejects.toThrow(/could not load model from/);
  });
});

describe("parseModelJSON: each error has its type and a message naming layer, field, expected and got", () => {
  const cases: [string, () => unknown, abstract new (...a: never[]) => Error, RegExp][] = [
    ["not JSON", () => "{nope", ModelFormatError, /does not parse/],
    ["a number", () => 42, ModelFormatError, /must be an object or a JSON string.*the number 42/],
    ["an array", () => [], ModelFormatError, /must be an object.*an array of 0/],
    ["wrong format", () => ({ ...mlp(), format: "keras" }), ModelFormatError, /field "format" must be "foliate-model", got the string "keras"/],
    ["version 3", () => ({ ...mlp(), version: 3 }), ModelFormatError, /field "version" must be 1 \(a chain of layers\) or 2 \(a graph of nodes\), got the number 3/],
    ["version missing", () => ({ ...mlp(), version: undefined }), ModelFormatError, /field "version".*missing/],
    ["inputShape 2-D", () => ({ ...mlp(), inputShape: [2, 2] }), ModelFormatError, /field "inputShape" must be \[d\] or \[H, W, C\]/],
    ["inputShape negative", () => ({ ...mlp(), inputShape: [-4] }), ModelFormatError, /field "inputShape\[0\]" must be a positive integer.*-4/],
    ["inputShape fractional", () => ({ ...mlp(), inputShape: [4.5] }), ModelFormatError, /inputShape\[0\].*4\.5/],
    ["inputShape huge", () => ({ ...mlp(), inputShape: [4096, 4096, 3] }), ModelFormatError, /inputShape.*50331648 values, above the limit/],
    ["layers missing", () => ({ ...mlp(), layers: undefined }), ModelFormatError, /field "layers" must be an array/],
    ["layers empty", () => ({ ...mlp(), layers: [] }), ModelFormatError, /field "layers" is empty/],
    ["too many layers", () => ({ ...mlp(), layers: new Array(LIMITS.maxLayers + 1).fill({ type: "relu" }) }), ModelFormatError, /513 layers, above the limit of 512/],
    ["layer not an object", () => ({ ...mlp(), layers: [7] }), ModelFormatError, /layer 0: must be an object.*the number 7/],
    ["layer type missing", () => withLayer(mlp(), 1, { type: undefined }), ModelFormatError, /layer 1: field "type" must be a string/],
    ["unknown layer type", () => withLayer(mlp(), 1, { type: "lstm" }), UnsupportedLayerError, /layer 1: unsupported layer type "lstm"; supported: dense, conv2d, maxPool2d, avgPool2d, flatten/],
    ["units negative", () => withLayer(mlp(), 0, { units: -3 }), ModelFormatError, /layer 0 \(dense\): field "units" must be a positive integer ≤ 1048576, got the number -3/],
    ["units string", () => withLayer(mlp(), 0, { units: "3" }), ModelFormatError, /layer 0 \(dense\): field "units".*the string "3"/],
    ["units 1e9", () => withLayer(mlp(), 0, { units: 1e9 }), ModelFormatError, /field "units" must be a positive integer ≤ 1048576, got the number 1000000000/],
    ["params over limit", () => ({ ...mlp(), inputShape: [1 << 20], layers: [{ type: "dense", units: 1 << 10, kernel: [], bias: [] }] }), ModelFormatError, /layer 0 \(dense\): field "kernel" would hold in×units = 1048576×1024 = 1073741824 values; the model would exceed the limit/],
    ["kernel short", () => withLayer(mlp(), 0, { kernel: new Array(11).fill(0) }), ModelFormatError, /layer 0 \(dense\): field "kernel" has 11 values, expected in×units = 4×3 = 12/],
    ["kernel wrong type", () => withLayer(mlp(), 0, { kernel: { a: 1 } }), ModelFormatError, /field "kernel" must be a number array, nested arrays or a base64 string; got an object/],
    ["kernel entry string", () => withLayer(mlp(), 0, { kernel: [1, 2, 3, "4", 5, 6, 7, 8, 9, 10, 11, 12] }), ModelFormatError, /field "kernel": entry \[3\] must be a number, got the string "4"/],
    ["nested row short", () => withLayer(mlp(), 0, { kernel: [[1, 2, 3], [4, 5], [7, 8, 9], [10, 11, 12]] }), ModelFormatError, /field "kernel": entry \[1\] has 2 entries, expected 3/],
    ["base64 wrong length", () => withLayer(mlp(), 0, { kernel: encodeFloat32Base64([1, 2, 3]) }), ModelFormatError, /field "kernel" is a base64 string of 16 characters \(3 float32 values\), expected 64 characters for in×units = 4×3 = 12/],
    ["base64 bad char", () => withLayer(mlp(), 1, { bias: "AAAAAAAAAA$=" }), ModelFormatError, /layer 1 \(dense\): field "bias": base64 text has an invalid character "\$"/],
    ["bias missing", () => withLayer(mlp(), 1, { bias: undefined }), ModelFormatError, /layer 1 \(dense\): field "bias" must be.*missing/],
    ["bias long", () => withLayer(mlp(), 1, { bias: [1, 2, 3] }), ModelFormatError, /field "bias" has 3 values, expected units = 2/],
    ["NaN weight", () => withLayer(mlp(), 0, { kernel: [1, 2, 3, 4, 5, NaN, 7, 8, 9, 10, 11, 12] }), NonFiniteError, /layer 0 \(dense\): field "kernel" has a non-finite value NaN at flat index 5/],
    ["Infinity in nested", () => withLayer(mlp(), 0, { kernel: [[1, 2, 3], [4, 5, 6], [7, Infinity, 9], [10, 11, 12]] }), NonFiniteError, /field "kernel" has a non-finite value Infinity at flat index 7 \(entry \[2\]\[1\]\)/],
    ["1e400 in JSON text", () => JSON.stringify(mlp()).replace('"bias":[0,1]', '"bias":[0,1e400]').replace("[0,1e400]", "[0,1e400]"), NonFiniteError, /layer 1 \(dense\): field "bias" has a non-finite value Infinity at flat index 1/],
    ["NaN in base64", () => withLayer(mlp(), 1, { bias: encodeFloat32Base64([0, NaN]) }), NonFiniteError, /field "bias" has a non-finite value NaN at flat index 1/],
    ["unknown activation", () => withLayer(mlp(), 0, { activation: "gelu" }), UnsupportedLayerError, /layer 0 \(dense\): unsupported activation "gelu"; supported: linear, relu, leakyRelu, sigmoid, tanh, softplus/],
    ["activation not string", () => withLayer(mlp(), 0, { activation: 3 }), ModelFormatError, /field "activation" must be a string, got the number 3/],
    ["alpha string", () => withLayer(mlp(), 0, { activation: "leakyRelu", alpha: "0.2" }), ModelFormatError, /field "alpha" must be a number/],
    ["alpha NaN", () => withLayer(mlp(), 0, { activation: "leakyRelu", alpha: NaN }), NonFiniteError, /field "alpha" must be finite, got NaN/],
    ["softmax activation early", () => withLayer(mlp(), 0, { activation: "softmax" }), UnsupportedLayerError, /layer 0 \(dense\): softmax is only supported as the classifier head, on the last layer \(this is layer 0 of 3\)/],
    ["softmax layer early", () => ({ ...mlp(), layers: [{ type: "softmax" }, ...mlp().layers] }), UnsupportedLayerError, /layer 0 \(softmax\): softmax is only supported as the classifier head/],
    ["only softmax", () => ({ ...mlp(), layers: [{ type: "softmax" }] }), ModelFormatError, /no layers besides the softmax head/],
    ["dense on image", () => ({ ...cnn(), layers: [cnn().layers[0], cnn().layers[3]] }), ModelFormatError, /layer 1 \(dense\): expects a flat input, got shape \[5,5,3\]; add a \{"type": "flatten"\}/],
    ["conv on flat", () => ({ ...cnn(), inputShape: [50] }), ModelFormatError, /layer 0 \(conv2d\): expects an \[H, W, C\] input, got shape \[50\]/],
    ["kernelSize bad", () => withLayer(cnn(), 0, { kernelSize: [3, 0] }), ModelFormatError, /layer 0 \(conv2d\): field "kernelSize\[1\]" must be a positive integer.*the number 0/],
    ["kernelSize triple", () => withLayer(cnn(), 0, { kernelSize: [3, 3, 3] }), ModelFormatError, /field "kernelSize" must be a positive integer or a pair \[h, w\], got an array of 3/],
    ["strides zero", () => withLayer(cnn(), 0, { strides: 0 }), ModelFormatError, /field "strides" must be a positive integer.*0/],
    ["padding bad", () => withLayer(cnn(), 0, { padding: "causal" }), ModelFormatError, /field "padding" must be "valid" or "same", got the string "causal"/],
    ["conv kernel count", () => withLayer(cnn(), 0, { kernel: new Array(53).fill(0) }), ModelFormatError, /layer 0 \(conv2d\): field "kernel" has 53 values, expected kh×kw×inC×filters = 3×3×2×3 = 54/],
    ["conv window too big", () => withLayer(cnn(), 0, { kernelSize: 6, padding: "valid", kernel: new Array(216).fill(0) }), ModelFormatError, /layer 0 \(conv2d\): kernel 6×6 is larger than its input 5×5/],
    ["conv dilation", () => withLayer(cnn(), 0, { dilationRate: [2, 2] }), UnsupportedLayerError, /field "dilationRate" must be 1/],
    ["conv softmax", () => withLayer(cnn(), 0, { activation: "softmax" }), UnsupportedLayerError, /activation "softmax" on a conv2d layer is per-pixel/],
    ["pool on flat", () => ({ ...mlp(), layers: [{ type: "maxPool2d" }] }), ModelFormatError, /layer 0 \(maxPool2d\): expects an \[H, W, C\] input, got shape \[4\]/],
    ["pool too big", () => withLayer(cnn(), 1, { poolSize: [6, 1] }), ModelFormatError, /layer 1 \(maxPool2d\): pool window 6×1 is larger than its input 5×5/],
    ["pool size string", () => withLayer(cnn(), 1, { poolSize: "2" }), ModelFormatError, /field "poolSize" must be a positive integer or a pair/],
    ["chain mismatch after pool", () => withLayer(cnn(), 3, { kernel: new Array(36).fill(0) }), ModelFormatError, /layer 3 \(dense\): field "kernel" has 36 values, expected in×units = 12×2 = 24/],
    ["activation layer without activation", () => ({ ...mlp(), layers: [{ type: "activation" }] }), ModelFormatError, /layer 0 \(activation\): field "activation" is required/],
    ["softmax over pixels", () => ({ ...cnn(), layers: [cnn().layers[0], { type: "softmax" }] }), UnsupportedLayerError, /softmax over an \[H, W, C\] = \[5,5,3\] output is per-pixel/],
    ["deep JSON text", () => '{"format": "foliate-model", "x": ' + "[".repeat(100) + "]".repeat(100) + "}", ModelFormatError, /nested deeper than 64 levels/],
    ["deep object", () => {
      let deep: unknown = 1;
      for (let k = 0; k < 100; k++) deep = [deep];
      return { ...mlp(), extra: deep };
    }, ModelFormatError, /nested deeper than 64 levels/],
    ["cyclic object", () => {
      const doc = mlp() as Doc & { self?: unknown };
      doc.self = doc;
      (doc.layers[0] as { kernel: unknown[] }).kernel = [doc];
      return doc;
    }, ModelFormatError, /layer 0 \(dense\): field "kernel" has 1 values, expected in×units = 4×3 = 12/],
    ["sparse array of 1e9", () => withLayer(mlp(), 0, { kernel: new Array(1e9) }), ModelFormatError, /more than \d+ array entries/],
  ];
  for (const [name, make, type, message] of cases) {
    it(name, () => {
      const input = make();
      expectFoliateError(() => Model.fromJSON(input), type as never, message);
    });
  }
});
