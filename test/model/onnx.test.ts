import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import onnxProto from "onnx-proto";
import fc from "fast-check";
import { Model } from "../../src/model/model.js";
import { modelFromOnnx } from "../../src/model/onnx.js";
import { float32Literal } from "../../src/model/onnx-decode.js";
import { onnxNodeNames } from "../../src/model/onnx-names.js";
import { FoliateError, ModelFormatError, NonFiniteError, UnsupportedLayerError } from "../../src/errors.js";
import type { Conv2dLayer, DenseLayer } from "../../src/model/types.js";
import { referenceForward } from "../../src/reference/forward.js";
import { buildOnnx, chain, type TestTensor } from "./onnx-builder.js";

const onnxBytes = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/onnx-pytorch/${name}.onnx`, import.meta.url)));

/** An initializer decoded straight from the protobuf (independently of the importer): dims and float32 values. */
function rawInitializer(name: string, tensor: string): { dims: number[]; values: Float32Array } {
  const m = onnxProto.onnx.ModelProto.decode(onnxBytes(name));
  const t = m.graph!.initializer!.find((i) => i.name === tensor)!;
  const raw = t.rawData!;
  return { dims: t.dims!.map(Number), values: new Float32Array(raw.slice().buffer) };
}

const mat = (rows: number, cols: number, f: (r: number, c: number) => number): TestTensor => ({
  dims: [rows, cols],
  values: Array.from({ length: rows * cols }, (_, k) => f(Math.floor(k / cols), k % cols)),
});
const vec = (values: number[]): TestTensor => ({ dims: [values.length], values });

describe("modelFromOnnx on PyTorch exports", () => {
  it("imports the ReLU/LeakyReLU MLP: Gemm(transB) → dense with kernel = Wᵀ, activations fused", () => {
    const m = Model.fromOnnx(onnxBytes("mlp_relu_leaky"));
    expect(m.inputShape).toEqual([6]);
    expect(m.head).toBe("none");
    expect(m.layers.map((l) => [l.type, (l as DenseLayer).units, (l as DenseLayer).activation])).toEqual([
      ["dense", 16, "relu"],
      ["dense", 12, "leakyRelu"],
      ["dense", 4, "linear"],
    ]);
    expect((m.layers[1] as DenseLayer).alpha).toBe(0.1); // float32 0.10000000149011612 → PyTorch's 0.1
    const W = rawInitializer("mlp_relu_leaky", "net.0.weight"); // [16, 6]
    const b = rawInitializer("mlp_relu_leaky", "net.0.bias");
    const dense = m.layers[0] as DenseLayer;
    for (let i = 0; i < 6; i++) for (let j = 0; j < 16; j++) expect(dense.kernel[i * 16 + j]).toBe(W.values[j * 6 + i]);
    expect(Array.from(dense.bias)).toEqual(Array.from(b.values));
  });

  it("imports the smooth net (sigmoid, tanh, softplus)", () => {
    const m = Model.fromOnnx(onnxBytes("smooth_regression"));
    expect(m.inputShape).toEqual([2]);
    expect(m.layers.map((l) => (l as DenseLayer).activation)).toEqual(["sigmoid", "tanh", "softplus", "linear"]);
    expect(m.outputSize).toBe(1);
    expect(m.isPiecewiseLinear).toBe(false);
  });

  it("imports the CNN as NHWC: input [14, 14, 1], kernels [kh, kw, inC, outC], the dense rows permuted from CHW to HWC", () => {
    const m = Model.fromOnnx(onnxBytes("cnn_mnist_like"));
    expect(m.inputShape).toEqual([14, 14, 1]);
    expect(m.layers.map((l) => l.type)).toEqual(["conv2d", "maxPool2d", "conv2d", "avgPool2d", "flatten", "dense"]);
    expect(m.shapes).toEqual([[12, 12, 4], [6, 6, 4], [6, 6, 6], [3, 3, 6], [54], [10]]);
    const conv2 = m.layers[2] as Conv2dLayer;
    expect(conv2.padding).toBe("same"); // PyTorch padding=1 with a 3×3 kernel, stride 1
    expect((m.layers[0] as Conv2dLayer).padding).toBe("valid");
    const Wc = rawInitializer("cnn_mnist_like", "net.3.weight"); // [6, 4, 3, 3]
    for (let o = 0; o < 6; o++)
      for (let c = 0; c < 4; c++)
        for (let y = 0; y < 3; y++)
          for (let x = 0; x < 3; x++) expect(conv2.kernel[((y * 3 + x) * 4 + c) * 6 + o]).toBe(Wc.values[((o * 4 + c) * 3 + y) * 3 + x]);
    // Feature (y, x, c) of the 3×3×6 map is row (y·3 + x)·6 + c for Foliate and column c·9 + y·3 + x of PyTorch's W [10, 54].
    const Wd = rawInitializer("cnn_mnist_like", "net.7.weight");
    const dense = m.layers[5] as DenseLayer;
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 3; x++)
        for (let c = 0; c < 6; c++)
          for (let j = 0; j < 10; j++) expect(dense.kernel[((y * 3 + x) * 6 + c) * 10 + j]).toBe(Wd.values[j * 54 + c * 9 + y * 3 + x]);
  });
});

describe("channels-first (NCHW) ONNX models with C > 1, against hand-computed values", () => {
  const nchw = Array.from({ length: 2 * 4 * 5 }, (_, i) => Math.sin(1.7 * i) + 0.1 * i); // x[c, y, x], C=2, H=4, W=5
  const nhwc = (c: number, h: number, w: number, v: number[]) => Float64Array.from({ length: c * h * w }, (_, i) => v[(i % c) * h * w + Math.floor(i / c)]);

  it("the flattened input: a Gemm over Flatten(x) weighs x[c, y, x] by PyTorch's column c·H·W + y·W + x", () => {
    const w = Array.from({ length: 40 }, (_, k) => (k % 7) - 3 + k / 10); // W [1, 40]
    const m = Model.fromOnnx(buildOnnx({ input: ["n", 2, 4, 5], initializers: { w: { dims: [1, 40], values: w } }, nodes: chain([{ op: "Flatten" }, { op: "Gemm", extra: ["w"], attrs: { transB: 1 } }]) }));
    expect(m.inputShape).toEqual([4, 5, 2]);
    const expected = w.reduce((acc, wk, k) => acc + Math.fround(wk) * nchw[k], 0); // weights are stored as float32
    expect(referenceForward(m, nhwc(2, 4, 5, nchw)).output[0]).toBeCloseTo(expected, 12);
  });

  it("a 3×3 Conv with 2 input and 3 output channels, then Flatten and a one-hot Gemm picking feature (o, y, x)", () => {
    const k = Array.from({ length: 3 * 2 * 3 * 3 }, (_, i) => Math.cos(0.9 * i)); // [outC 3, inC 2, 3, 3]
    const b = [0.5, -0.25, 2];
    const [o, y, x] = [1, 0, 2]; // output map is [3, 2, 3]; PyTorch index 8, Foliate (NHWC) index 7
    const pick = Array.from({ length: 3 * 2 * 3 }, (_, i) => (i === o * 6 + y * 3 + x ? 1 : 0));
    const m = Model.fromOnnx(
      buildOnnx({
        input: ["n", 2, 4, 5],
        initializers: { k: { dims: [3, 2, 3, 3], values: k }, b: vec(b), pick: { dims: [1, 18], values: pick } },
        nodes: chain([{ op: "Conv", extra: ["k", "b"] }, { op: "Flatten" }, { op: "Gemm", extra: ["pick"], attrs: { transB: 1 } }]),
      }),
    );
    let expected = Math.fround(b[o]); // weights are stored as float32
    for (let c = 0; c < 2; c++)
      for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) expected += Math.fround(k[((o * 2 + c) * 3 + dy) * 3 + dx]) * nchw[c * 20 + (y + dy) * 5 + (x + dx)];
    expect(referenceForward(m, nhwc(2, 4, 5, nchw)).output[0]).toBeCloseTo(expected, 12);
  });
});

describe("modelFromOnnx on hand-built graphs", () => {
  const W = mat(3, 2, (r, c) => r - 2 * c + 0.5); // [in 3, out 2] unless transposed

  it("Gemm without transB, with alpha and beta and a [1, out] bias", () => {
    const spec = modelFromOnnx(
      buildOnnx({
        input: ["n", 3],
        initializers: { W, C: { dims: [1, 2], values: [1, -1] } },
        nodes: chain([{ op: "Gemm", extra: ["W", "C"], attrs: { alpha: 2, beta: 0.5 } }]),
      }),
    );
    const d = spec.layers[0] as DenseLayer;
    expect(Array.from(d.kernel)).toEqual(W.values.map((v) => 2 * v));
    expect(Array.from(d.bias)).toEqual([0.5, -0.5]);
  });

  it("MatMul + Add (bias on either side), float_data and DOUBLE initializers", () => {
    const spec = modelFromOnnx(
      buildOnnx({
        input: ["n", 3],
        initializers: { W: { ...W, storage: "typed" }, b: { dims: [2], values: [0.25, 3], dataType: 11, storage: "typed" } },
        nodes: [
          { op: "MatMul", inputs: ["x", "W"] },
          { op: "Add", inputs: ["b", "t0"] },
          { op: "Relu", inputs: ["t1"] },
        ],
      }),
    );
    expect(spec.layers).toHaveLength(1);
    const d = spec.layers[0] as DenseLayer;
    expect(Array.from(d.kernel)).toEqual(W.values);
    expect(Array.from(d.bias)).toEqual([0.25, 3]);
    expect(d.activation).toBe("relu");
  });

  it("Conv padding: symmetric pads → same, SAME_UPPER → same, a zero Pad folded into the Conv; Reshape [0, -1]; Dropout/Identity skipped; final Softmax → head", () => {
    const k = { dims: [2, 1, 3, 3], values: Array.from({ length: 18 }, (_, i) => i / 10) };
    const dense = mat(2 * 5 * 5, 3, (r, c) => r * 0.01 - c);
    const base = { input: ["n", 1, 5, 5] as (number | "n")[], initializers: { k, dense, shape: { dims: [2], values: [0, -1], dataType: 7 }, pads: { dims: [8], values: [0, 0, 1, 1, 0, 0, 1, 1], dataType: 7 } } };
    const tail = [
      { op: "Dropout" },
      { op: "Reshape", extra: ["shape"] },
      { op: "Identity" },
      { op: "Gemm", extra: ["dense"] },
      { op: "Softmax", attrs: { axis: 1 } },
    ];
    for (const head of [
      [{ op: "Conv", extra: ["k"], attrs: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] } }],
      [{ op: "Conv", extra: ["k"], attrs: { auto_pad: "SAME_UPPER" } }],
      [{ op: "Pad", extra: ["pads"] }, { op: "Conv", extra: ["k"] }],
    ]) {
      const m = new Model(modelFromOnnx(buildOnnx({ ...base, nodes: chain([...head, ...tail]) })));
      expect(m.layers.map((l) => l.type)).toEqual(["conv2d", "flatten", "dense"]);
      expect((m.layers[0] as Conv2dLayer).padding).toBe("same");
      expect(m.head).toBe("softmax");
      expect(m.shapes[1]).toEqual([50]);
    }
  });

  it("pooling: trailing pads or ceil_mode on an odd size place the windows of Keras' same; LeakyRelu without alpha gets ONNX's 0.01", () => {
    for (const [attrs, pads, ceilMode] of [
      [{ kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1] }, [0, 0, 1, 1], false],
      [{ kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }, [0, 0, 0, 0], true],
    ] as const) {
      const m = Model.fromOnnx(buildOnnx({ input: ["n", 1, 5, 5], nodes: chain([{ op: "MaxPool", attrs }, { op: "LeakyRelu" }, { op: "Flatten" }]) }));
      expect(m.layers[0]).toMatchObject({ type: "maxPool2d", poolSize: [2, 2], strides: [2, 2], pads, ceilMode, padding: "same" });
      expect(m.layers[1]).toMatchObject({ type: "activation", activation: "leakyRelu", alpha: 0.01 });
      expect(m.shapes[0]).toEqual([3, 3, 1]);
    }
    const floor = Model.fromOnnx(buildOnnx({ input: ["n", 1, 5, 5], nodes: chain([{ op: "AveragePool", attrs: { kernel_shape: [2, 2], strides: [2, 2] } }, { op: "Flatten" }]) }));
    expect(floor.layers[0]).toMatchObject({ type: "avgPool2d", padding: "valid", ceilMode: false });
    expect(floor.shapes[0]).toEqual([2, 2, 1]);
  });

  it("Conv(3, stride=2, padding=1) on an even size keeps PyTorch's pads (not Keras' same): the first window starts one row above the image", () => {
    const k = { dims: [1, 1, 3, 3], values: Array.from({ length: 9 }, (_, i) => i + 1) };
    const bytes = buildOnnx({ input: ["n", 1, 4, 4], initializers: { k }, nodes: chain([{ op: "Conv", name: "/down", extra: ["k"], attrs: { pads: [1, 1, 1, 1], strides: [2, 2] } }]) });
    const m = Model.fromOnnx(bytes);
    expect(m.layers[0]).toMatchObject({ type: "conv2d", name: "down", pads: [1, 1, 1, 1], strides: [2, 2] });
    expect((m.layers[0] as Conv2dLayer).padding).toBeUndefined(); // TensorFlow's same would pad 0 before, 1 after
    expect(m.shapes[0]).toEqual([2, 2, 1]);
    const x = Array.from({ length: 16 }, (_, i) => i * 0.5 - 3); // x[y, x] = 0.5 (4y + x) − 3
    // output (0, 0): rows −1..1, cols −1..1 → only x[0..1, 0..1] are real, under kernel taps (1, 1), (1, 2), (2, 1), (2, 2) = 5, 6, 8, 9
    const expected00 = 5 * x[0] + 6 * x[1] + 8 * x[4] + 9 * x[5];
    // output (1, 1): rows 1..3, cols 1..3, all inside
    let expected11 = 0;
    for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) expected11 += (dy * 3 + dx + 1) * x[(1 + dy) * 4 + 1 + dx];
    const y = referenceForward(m, x).output;
    expect(y[0]).toBeCloseTo(expected00, 12);
    expect(y[3]).toBeCloseTo(expected11, 12);
  });

  it("refusals name the op and the attribute", () => {
    const k = { dims: [2, 1, 3, 3], values: Array(18).fill(1) };
    const cases: [Parameters<typeof buildOnnx>[0], RegExp][] = [
      [{ input: ["n", 1, 4, 4], nodes: chain([{ op: "MaxPool", attrs: { kernel_shape: [2, 2], dilations: [2, 2] } }]) }, /\(MaxPool\): attribute dilations \[2,2\]/],
      [{ input: ["n", 3], initializers: { W }, nodes: chain([{ op: "Gemm", extra: ["W"], attrs: { transA: 1 } }]) }, /\(Gemm\): attribute transA = 1/],
      [{ input: ["n", 3], initializers: { W }, nodes: chain([{ op: "Softmax" }, { op: "Gemm", extra: ["W"] }]) }, /\(Softmax\): Softmax is supported only as the last node/],
      [{ input: ["n", 2, 4, 4], nodes: chain([{ op: "Flatten", attrs: { axis: 2 } }]) }, /\(Flatten\): attribute axis = 2/],
      [{ input: ["n", 2, 4, 4], nodes: [{ op: "Concat", inputs: ["x", "x"], attrs: { axis: 2 } }] }, /\(Concat\): attribute axis = 2/],
      [{ input: ["n", 1, 4, 4], initializers: { k }, nodes: chain([{ op: "Conv", extra: ["k"], attrs: { auto_pad: "WEIRD" } }]) }, /\(Conv\): attribute auto_pad "WEIRD"/],
      [
        { input: ["n", 2, 4, 4], initializers: { p: { dims: [8], values: [0, 0, 1, 1, 0, 0, 1, 1], dataType: 7 } }, nodes: chain([{ op: "Pad", extra: ["p"] }, { op: "MaxPool", attrs: { kernel_shape: [2, 2] } }]) },
        /\(MaxPool\): reads a zero Pad/,
      ],
      [
        { input: ["n", 2, 4, 4], initializers: { s: { dims: [2], values: [1, 2] } }, nodes: chain([{ op: "BatchNormalization", extra: ["s", "s", "s", "s"], attrs: { training_mode: 1 } }]) },
        /\(BatchNormalization\): attribute training_mode = 1/,
      ],
      [{ input: ["n", 2, 4, 4], initializers: { c: { dims: [4], values: [1, 2, 3, 4] } }, nodes: chain([{ op: "Add", extra: ["c"] }]) }, /\(Add\): constant operand dims \[4\] on \[n, 2, 4, 4\]/],
      [{ input: ["n", 2, 4, 4], nodes: [{ op: "Mul", inputs: ["x", "x"] }] }, /\(Mul\): Mul of two computed tensors is not supported/],
      [{ input: ["n", 2, 4, 4], nodes: chain([{ op: "Flatten" }]) }, /flattened channels-first feature map/],
      [{ input: ["n", 3, 5], nodes: chain([{ op: "Relu" }]) }, /must be \[n, d\] or \[n, C, H, W\]/],
    ];
    for (const [g, message] of cases) {
      expect(() => modelFromOnnx(buildOnnx(g)), String(message)).toThrow(message);
      expect(() => modelFromOnnx(buildOnnx(g)), String(message)).toThrow(FoliateError);
    }
  });

  it("names the first unsupported node: op type, name and index", () => {
    const bytes = buildOnnx({
      input: ["n", 3],
      initializers: { W },
      nodes: [
        { op: "Gemm", inputs: ["x", "W"] },
        { op: "Erf", name: "/act/Erf", inputs: ["t0"] },
        { op: "Cos", inputs: ["t1"] },
      ],
    });
    expect(() => modelFromOnnx(bytes)).toThrow(UnsupportedLayerError);
    expect(() => modelFromOnnx(bytes)).toThrow(/^ONNX node 1 "\/act\/Erf" \(Erf\) is not supported; Foliate imports Gemm, MatMul/);
    const custom = buildOnnx({ input: ["n", 3], nodes: [{ op: "Relu", domain: "com.example", inputs: ["x"] }] });
    expect(() => modelFromOnnx(custom)).toThrow(/ONNX node 0 .* in domain "com.example" is not supported/);
  });

  it("DAGs: a residual Add of two branches is an add node; a dead branch is dropped; an undefined tensor is a ModelFormatError", () => {
    const residual = Model.fromOnnx(buildOnnx({ input: ["n", 3], nodes: [{ op: "Relu", inputs: ["x"] }, { op: "Add", inputs: ["t0", "x"] }] }));
    expect(residual.layers.map((l) => [l.type, l.inputs])).toEqual([["activation", [-1]], ["add", [0, -1]]]);
    expect(Array.from(referenceForward(residual, [1, -2, 0.5]).output)).toEqual([2, -2, 1]);
    const branch = Model.fromOnnx(buildOnnx({ input: ["n", 3], outputName: "t1", nodes: [{ op: "Relu", inputs: ["x"] }, { op: "Sigmoid", inputs: ["x"] }] }));
    expect(branch.layers.map((l) => l.type === "activation" && l.activation)).toEqual(["sigmoid"]);
    const dangling = buildOnnx({ input: ["n", 3], outputName: "t1", nodes: [{ op: "Relu", inputs: ["x"] }, { op: "Tanh", inputs: ["elsewhere"] }] });
    expect(() => modelFromOnnx(dangling)).toThrow(ModelFormatError);
    expect(() => modelFromOnnx(dangling)).toThrow(/ONNX node 1 .*\(Tanh\): input 0 "elsewhere" is produced by no earlier node/);
  });

  it("names: PyTorch scopes become module paths; ops called in a container's forward get the op's name", () => {
    const names = onnxNodeNames(
      ["/layer1/layer1.0/conv1/Conv", "/layer1/layer1.0/Add", "/layer2/layer2.0/shortcut/shortcut.0/Conv", "/Flatten", "/fc/Gemm", "Gemm_7", "", "/Add_1"].map((name, i) => ({
        name,
        opType: "X",
        output: [`out${i}`],
      })),
    );
    expect(names).toEqual(["layer1.0.conv1", "layer1.0.add", "layer2.0.shortcut.0", "flatten", "fc", "Gemm_7", "out6", "add_1"]);
  });

  it("Add of a per-channel constant: folded into the Conv's bias when the Conv has no other consumer, else an exact affine node", () => {
    const k = { dims: [2, 1, 1, 1], values: [2, -1] };
    const c = { dims: [2, 1, 1], values: [0.5, 3] };
    const x = [1, -2, 0.25, 4]; // [1, 2, 2], channels-last = channels-first for C = 1
    const conv = (i: number) => [2 * x[i] + 0.5, -x[i] + 3]; // per pixel, channels (2·x + 0.5, −x + 3)
    const folded = Model.fromOnnx(
      buildOnnx({ input: ["n", 1, 2, 2], initializers: { k, c }, nodes: chain([{ op: "Conv", name: "/conv/Conv", extra: ["k"] }, { op: "Add", name: "/Add", extra: ["c"] }, { op: "Relu", name: "/relu/Relu" }]) }),
    );
    expect(folded.layers.map((l) => [l.name, l.type])).toEqual([["relu", "conv2d"]]);
    expect(Array.from((folded.layers[0] as Conv2dLayer).bias)).toEqual([0.5, 3]);
    expect(Array.from(referenceForward(folded, x).output)).toEqual([0, 1, 2, 3].flatMap((i) => conv(i).map((v) => Math.max(v, 0))));
    // the Conv's output also feeds a residual Add: the constant Add stays a node of its own
    const shared = Model.fromOnnx(
      buildOnnx({
        input: ["n", 1, 2, 2],
        initializers: { k, c },
        nodes: [
          { op: "Conv", inputs: ["x", "k"], outputs: ["y"] },
          { op: "Add", inputs: ["y", "c"], outputs: ["z"] },
          { op: "Add", inputs: ["z", "y"], outputs: ["out"] },
        ],
      }),
    );
    expect(shared.layers.map((l) => l.type)).toEqual(["conv2d", "batchNorm", "add"]);
    const expected = [0, 1, 2, 3].flatMap((i) => conv(i).map((v, ch) => 2 * v - [0.5, 3][ch]));
    expect(Array.from(referenceForward(shared, x).output)).toEqual(expected);
  });

  it("input normalization (x − mean) / std and a per-channel Mul become exact affine nodes", () => {
    const mean = { dims: [1, 2, 1, 1], values: [0.5, -1] };
    const std = { dims: [1, 2, 1, 1], values: [2, 0.25] };
    const scale = { dims: [2, 1, 1], values: [3, -2] };
    const m = Model.fromOnnx(
      buildOnnx({
        input: ["n", 2, 1, 2],
        initializers: { mean, std, scale },
        nodes: chain([{ op: "Sub", extra: ["mean"] }, { op: "Div", extra: ["std"] }, { op: "Mul", extra: ["scale"] }, { op: "Relu" }]),
      }),
    );
    expect(m.layers.map((l) => l.type)).toEqual(["batchNorm", "batchNorm", "batchNorm", "activation"]);
    const nchw = [1, 2, 3, 4]; // x[c, 0, w]
    const nhwc = [1, 3, 2, 4];
    const expected = [0, 1].flatMap((w) => [0, 1].map((c) => Math.max(0, ((nchw[c * 2 + w] - mean.values[c]) / std.values[c]) * scale.values[c])));
    const y = referenceForward(m, nhwc).output;
    expected.forEach((e, i) => expect(y[i]).toBeCloseTo(e, 14));
    // c − x: γ = −1, β = c
    const flip = Model.fromOnnx(buildOnnx({ input: ["n", 2], initializers: { c: { dims: [2], values: [1, 2] } }, nodes: [{ op: "Sub", inputs: ["c", "x"] }] }));
    expect(Array.from(referenceForward(flip, [5, -1]).output)).toEqual([-4, 3]);
  });

  it("ReduceMean over H and W (x.mean((2, 3))) is a global average pool; over other axes it is refused naming them", () => {
    const nhwc = [1, 10, 2, 20, 3, 30, 4, 40]; // NCHW [1, 2, 3, 4 | 10, 20, 30, 40]: C = 2, H = W = 2
    for (const keepdims of [0, 1]) {
      const m = Model.fromOnnx(buildOnnx({ input: ["n", 2, 2, 2], nodes: chain([{ op: "ReduceMean", attrs: { axes: [-1, -2], keepdims } }, { op: "Flatten" }]) }));
      expect(m.layers.map((l) => l.type)).toEqual(["globalAvgPool2d"]);
      expect(Array.from(referenceForward(m, nhwc).output)).toEqual([2.5, 25]);
    }
    const bad = buildOnnx({ input: ["n", 2, 2, 2], nodes: chain([{ op: "ReduceMean", attrs: { axes: [1] } }]) });
    expect(() => modelFromOnnx(bad)).toThrow(/\(ReduceMean\): attribute axes \[1\]/);
  });

  it("BatchNormalization of a flattened image permutes its per-feature statistics like the dense rows", () => {
    const nchw = [1, 2, 3, 4, 5, 6, 7, 8]; // x[c, y, x], C = 2, H = 1, W = 4
    const stat = (f: (k: number) => number) => ({ dims: [8], values: Array.from({ length: 8 }, (_, k) => f(k)) });
    const m = Model.fromOnnx(
      buildOnnx({
        input: ["n", 2, 1, 4],
        initializers: { g: stat((k) => k + 1), b: stat((k) => -k), mu: stat((k) => k / 2), v: stat(() => 4), w: { dims: [1, 8], values: [1, 0, 0, 0, 0, 0, 1, 0] } },
        nodes: chain([{ op: "Flatten" }, { op: "BatchNormalization", extra: ["g", "b", "mu", "v"], attrs: { epsilon: 0 }, floatAttrs: ["epsilon"] }, { op: "Gemm", extra: ["w"], attrs: { transB: 1 } }]),
      }),
    );
    const bn = (k: number) => ((k + 1) * (nchw[k] - k / 2)) / 2 - k; // ONNX feature k
    const nhwc = Float64Array.from({ length: 8 }, (_, i) => nchw[(i % 2) * 4 + Math.floor(i / 2)]);
    expect(referenceForward(m, nhwc).output[0]).toBeCloseTo(bn(0) + bn(6), 12);
  });

  it("weights: size mismatch, external data, FLOAT16, NaN are refused before use", () => {
    const gemm = (t: TestTensor) => buildOnnx({ input: ["n", 3], initializers: { W: t }, nodes: chain([{ op: "Gemm", extra: ["W"] }]) });
    expect(() => modelFromOnnx(gemm({ dims: [3, 4], values: W.values }))).toThrow(/dims \[3,4\] declare 12 values of FLOAT, the file stores 24 bytes/);
    expect(() => modelFromOnnx(gemm({ ...W, external: true }))).toThrow(/external data file/);
    expect(() => modelFromOnnx(gemm({ ...W, dataType: 10 }))).toThrow(/data type FLOAT16/);
    expect(() => modelFromOnnx(gemm({ dims: [3, 2], values: [1, 2, NaN, 4, 5, 6] }))).toThrow(NonFiniteError);
    expect(() => modelFromOnnx(gemm({ dims: [4, 2], values: Array(8).fill(1) }))).toThrow(/take 4 inputs, the incoming tensor has 3/);
  });

  it("truncated or foreign bytes are a ModelFormatError", () => {
    const bytes = onnxBytes("mlp_relu_leaky");
    for (let len = 0; len < bytes.length; len += 7) expect(() => modelFromOnnx(bytes.subarray(0, len)), `${len} bytes`).toThrow(ModelFormatError);
    expect(() => modelFromOnnx(bytes.subarray(0, bytes.length - 1))).toThrow(ModelFormatError);
    expect(() => modelFromOnnx(readFileSync(new URL("../fixtures/onnx-pytorch/manifest.json", import.meta.url)))).toThrow(FoliateError);
    expect(() => modelFromOnnx(new Uint8Array(0))).toThrow(/empty/);
  });

  it("fuzz: garbled bytes of the CNN either import or throw a FoliateError, never anything else", () => {
    const bytes = onnxBytes("cnn_mnist_like");
    let rejected = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }), (edits) => {
        const garbled = bytes.slice();
        for (const [at, value] of edits) garbled[at] = value;
        try {
          new Model(modelFromOnnx(garbled));
        } catch (e) {
          if (!(e instanceof FoliateError)) throw e;
          rejected++;
        }
      }),
      { numRuns: 300, seed: 3 },
    );
    expect(rejected).toBeGreaterThan(30);
  });

  it("float32 attributes come back as the decimal the author wrote", () => {
    expect(float32Literal(Math.fround(0.1))).toBe(0.1);
    expect(float32Literal(Math.fround(0.01))).toBe(0.01);
    expect(float32Literal(1)).toBe(1);
    expect(float32Literal(Math.fround(1 / 3))).toBe(0.33333334);
  });
});
