/**
 * Property-based tests (fast-check, fixed seeds): malformed model documents of every kind are rejected with a
 * FoliateError — never a TypeError/RangeError, never a hang, never a large allocation.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Model } from "../../src/model/model.js";
import { encodeFloat32Base64, float32CountOfBase64 } from "../../src/model/base64.js";
import { LAYER_TYPES } from "../../src/model/json.js";
import { referenceForward } from "../../src/reference/forward.js";
import { FoliateError } from "../../src/errors.js";
import { mulberry32, uniformF32 } from "../reference/seeded.js";

type Json = Record<string, any>;
type WeightForm = "flat" | "nested" | "base64";

/** Generator parameters of a small valid model: a dense net or a CNN. */
interface Recipe {
  cnn: boolean;
  d: number;
  image: [number, number, number];
  widths: number[];
  filters: number;
  kernelSize: number;
  stride: number;
  convPadding: "valid" | "same";
  pool: "maxPool2d" | "avgPool2d" | "none";
  activations: string[];
  softmax: "none" | "layer" | "activation";
  form: WeightForm;
  seed: number;
}

const recipeArb: fc.Arbitrary<Recipe> = fc.record({
  cnn: fc.boolean(),
  d: fc.integer({ min: 1, max: 6 }),
  image: fc.tuple(fc.integer({ min: 3, max: 7 }), fc.integer({ min: 3, max: 7 }), fc.integer({ min: 1, max: 2 })),
  widths: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
  filters: fc.integer({ min: 1, max: 3 }),
  kernelSize: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 2 }),
  convPadding: fc.constantFrom("valid", "same"),
  pool: fc.constantFrom("maxPool2d", "avgPool2d", "none"),
  activations: fc.array(fc.constantFrom("linear", "relu", "leakyRelu", "sigmoid", "tanh", "softplus"), { minLength: 4, maxLength: 4 }),
  softmax: fc.constantFrom("none", "layer", "activation"),
  form: fc.constantFrom("flat", "nested", "base64"),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

function weights(rand: () => number, dims: number[], form: WeightForm): unknown {
  const flat = uniformF32(rand, dims.reduce((a, b) => a * b, 1));
  if (form === "base64") return encodeFloat32Base64(flat);
  if (form === "flat" || dims.length === 1) return Array.from(flat);
  const nest = (level: number, offset: number): unknown[] => {
    const stride = dims.slice(level + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: dims[level] }, (_, i) => (level === dims.length - 1 ? flat[offset + i] : nest(level + 1, offset + i * stride)));
  };
  return nest(0, 0);
}

/** A valid foliate-model document built from the recipe (seeded weights). */
function buildDoc(r: Recipe): Json {
  const rand = mulberry32(r.seed);
  const layers: Json[] = [];
  let flatIn: number;
  if (r.cnn) {
    const [h, w, c] = r.image;
    const k = r.kernelSize;
    layers.push({ type: "conv2d", filters: r.filters, kernelSize: [k, k], strides: r.stride, padding: r.convPadding, activation: r.activations[0], kernel: weights(rand, [k, k, c, r.filters], r.form), bias: weights(rand, [r.filters], r.form) });
    const out = (n: number) => (r.convPadding === "same" ? Math.ceil(n / r.stride) : Math.floor((n - k) / r.stride) + 1);
    let [oh, ow] = [out(h), out(w)];
    if (r.pool !== "none") {
      layers.push({ type: r.pool, poolSize: 2, padding: "same" });
      [oh, ow] = [Math.ceil(oh / 2), Math.ceil(ow / 2)];
    }
    layers.push({ type: "flatten" });
    flatIn = oh * ow * r.filters;
  } else flatIn = r.d;
  r.widths.forEach((units, i) => {
    const act = r.activations[(i + 1) % 4];
    layers.push({ type: "dense", units, activation: act, ...(act === "leakyRelu" ? { alpha: 0.1 } : {}), kernel: weights(rand, [flatIn, units], r.form), bias: weights(rand, [units], r.form) });
    if (i === 0) layers.push({ type: r.activations[3] });
    flatIn = units;
  });
  if (r.softmax === "layer") layers.push({ type: "softmax" });
  if (r.softmax === "activation") layers[layers.length - 1].activation = "softmax";
  return { format: "foliate-model", version: 1, inputShape: r.cnn ? [...r.image] : [r.d], layers };
}

const MUTATIONS = [
  "weightTruncate",
  "weightExtend",
  "weightBadEntry",
  "weightWrongType",
  "sizeField",
  "pairField",
  "padding",
  "activation",
  "alpha",
  "layerType",
  "layerNotObject",
  "softmaxMiddle",
  "chainBreak",
  "inputShapeBad",
  "inputShapeMismatch",
  "formatVersion",
  "layersBad",
  "deepNest",
  "hugeDeclared",
  "tooManyLayers",
] as const;
type Mutation = (typeof MUTATIONS)[number];

const pick = <T>(xs: readonly T[], k: number): T => xs[k % xs.length];

function nestDeep(v: unknown, levels: number): unknown {
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

/** Apply one mutation that is guaranteed to make the document invalid. */
function mutate(doc: Json, kind: Mutation, a: number, b: number): Json {
  const layers = doc.layers as any[];
  const weighted = layers.filter((l) => "kernel" in l);
  const wl = pick(weighted, a);
  const field = b % 2 === 0 ? "kernel" : "bias";
  const w = wl[field];
  switch (kind) {
    case "weightTruncate":
      if (typeof w === "string") wl[field] = w.slice(0, w.length - 4 * (1 + (a % Math.max(1, w.length / 4))));
      else if (Array.isArray(w[0])) w.pop();
      else wl[field] = w.slice(0, w.length - 1 - (a % w.length));
      break;
    case "weightExtend":
      if (typeof w === "string") wl[field] = w + "AAAA".repeat(1 + (a % 3));
      else w.push(...(Array.isArray(w[0]) ? [w[0]] : [0.5]));
      break;
    case "weightBadEntry": {
      const bad = pick([NaN, Infinity, -Infinity, "1", null, [], {}, true, undefined, 1e400], b >> 1);
      if (typeof w === "string") {
        const values = new Array(float32CountOfBase64(w)).fill(0.5);
        values[a % values.length] = pick([NaN, Infinity, -Infinity], b);
        wl[field] = encodeFloat32Base64(values);
      } else if (Array.isArray(w[0])) {
        const row = w[a % w.length];
        row[b % row.length] = bad;
      } else w[a % w.length] = bad;
      break;
    }
    case "weightWrongType":
      wl[field] = pick([null, 3, true, {}, "abc", undefined, "", [[[]]]], b >> 1);
      break;
    case "sizeField": {
      const key = wl.type === "dense" ? "units" : "filters";
      wl[key] = pick([0, -1, 1.5, 1e9, 2 ** 31, NaN, Infinity, -Infinity, "3", null, [], {}, true, undefined, wl[key] + 1 + (a % 5)], b);
      break;
    }
    case "pairField": {
      const windowed = layers.filter((l) => l.type === "conv2d" || l.type === "maxPool2d" || l.type === "avgPool2d");
      if (windowed.length === 0) return mutate(doc, "sizeField", a, b);
      const l = pick(windowed, a);
      const key = pick(l.type === "conv2d" ? ["kernelSize", "strides"] : ["poolSize", "strides"], b);
      l[key] = pick([0, -2, [1], [1, 2, 3], [0, 1], "2", null, {}, [1.5, 1], 1e9, [2, NaN], true, (1 << 20) + 1, [1, -1]], b >> 1);
      break;
    }
    case "padding": {
      const windowed = layers.filter((l) => l.type === "conv2d" || l.type === "maxPool2d" || l.type === "avgPool2d");
      if (windowed.length === 0) return mutate(doc, "activation", a, b);
      pick(windowed, a).padding = pick(["full", 1, null, "", "SAME", "causal"], b);
      break;
    }
    case "activation":
      wl.activation = pick(["gelu", 5, null, {}, "", "Relu", "elu", ["relu"]], b);
      break;
    case "alpha": {
      const l = pick(layers.filter((x) => x.type !== "flatten" && x.type !== "softmax" && x.type !== "maxPool2d" && x.type !== "avgPool2d"), a);
      if ("kernel" in l) l.activation = "leakyRelu";
      else l.type = "leakyRelu";
      l.alpha = pick(["0.2", NaN, Infinity, null, {}, [], true], b);
      break;
    }
    case "layerType": {
      const l = pick(layers, a);
      l.type = pick([`x${a}`, 3, null, undefined, "Dense", "conv2D", "lstm", "batchNorm", "", {}], b);
      if (typeof l.type === "string" && LAYER_TYPES.includes(l.type)) l.type = "nope";
      break;
    }
    case "layerNotObject":
      layers[a % layers.length] = pick<unknown>([null, 3, "dense", [], true, [{ type: "relu" }]], b);
      break;
    case "softmaxMiddle":
      layers.splice(a % layers.length, 0, { type: "softmax" });
      break;
    case "chainBreak": {
      const flattenAt = layers.findIndex((l) => l.type === "flatten");
      if (flattenAt >= 0) {
        const option = b % 3;
        if (option === 0) layers.splice(flattenAt, 1);
        else if (option === 1) layers.unshift({ type: "flatten" });
        else layers.splice(flattenAt + 1, 0, { type: "maxPool2d", poolSize: 1 });
      } else layers.splice(a % layers.length, 0, b % 2 ? { type: "maxPool2d" } : { type: "conv2d", filters: 1, kernelSize: 1, kernel: [1], bias: [0] });
      break;
    }
    case "inputShapeBad":
      doc.inputShape = pick([[0], [-1], [1.5], [], [2, 2], [1, 2, 3, 4], "x", null, {}, [1e9], [4096, 4096, 4], [NaN], undefined, [[3]]], b);
      break;
    case "inputShapeMismatch": {
      const s = doc.inputShape as number[];
      s[s.length - 1] += 1 + (a % 3);
      break;
    }
    case "formatVersion":
      if (b % 2) doc.version = pick([2, 0, "1", null, undefined, 1.0000001, true, [1]], a);
      else doc.format = pick(["foliate", null, undefined, "FOLIATE-MODEL", 1], a);
      break;
    case "layersBad":
      doc.layers = pick([null, {}, "x", [], 3, undefined], b);
      break;
    case "deepNest":
      if (b % 2) wl[field] = nestDeep(w, 70 + (a % 50));
      else doc.extra = nestDeep({ a: 1 }, 70 + (a % 50));
      break;
    case "hugeDeclared":
      // Declared sizes that would need gigabytes; the kernels stay tiny. Rejected by arithmetic.
      if (b % 3 === 0) doc.inputShape = doc.inputShape.length === 1 ? [1 << 20] : [1 << 11, 1 << 11, 1 << 2];
      if (b % 3 === 1) wl[wl.type === "dense" ? "units" : "filters"] = pick([(1 << 20) + 1, 1e12, 2 ** 53, 1e300], a);
      if (b % 3 === 2) {
        doc.inputShape = [1 << 20];
        doc.layers = [{ type: "dense", units: 1 << 12, kernel: [1], bias: [1] }];
      }
      break;
    case "tooManyLayers":
      for (let i = 0; i < 513; i++) layers.push({ type: "relu" });
      break;
  }
  return doc;
}

/** Call `fn`; return the error it throws (or undefined). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("property: malformed models are always rejected with a FoliateError", () => {
  it("the generator's unmutated documents are valid (so each mutation is what breaks them)", () => {
    fc.assert(
      fc.property(recipeArb, (r) => {
        const m = Model.fromJSON(buildDoc(r));
        const out = referenceForward(m, new Float64Array(m.inputSize).fill(0.25)).output;
        return out.length === r.widths[r.widths.length - 1] && Model.fromJSON(JSON.stringify(buildDoc(r))).layers.length === m.layers.length;
      }),
      { numRuns: 150, seed: 20261125 },
    );
  });

  it("every mutation kind, as an object and as JSON text", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(recipeArb, fc.constantFrom(...MUTATIONS), fc.nat(10_000), fc.nat(10_000), (r, kind, a, b) => {
        const doc = mutate(buildDoc(r), kind, a, b);
        const asObject = thrown(() => Model.fromJSON(doc));
        const asText = thrown(() => Model.fromJSON(JSON.stringify(doc)));
        for (const e of [asObject, asText]) {
          if (!(e instanceof FoliateError)) throw new Error(`${kind}: expected a FoliateError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
          expect(e.message.length).toBeGreaterThan(10);
          seen.add(e.name);
        }
      }),
      { numRuns: 1500, seed: 42 },
    );
    expect([...seen].sort()).toEqual(["ModelFormatError", "NonFiniteError", "UnsupportedLayerError"]);
  });

  it("truncated JSON text", () => {
    fc.assert(
      fc.property(recipeArb, fc.double({ min: 0, max: 1, noNaN: true }), (r, cut) => {
        const text = JSON.stringify(buildDoc(r));
        const e = thrown(() => Model.fromJSON(text.slice(0, Math.floor(cut * (text.length - 1)))));
        expect(e).toBeInstanceOf(FoliateError);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it("random garbage: JSON text, arbitrary values, arbitrary strings", () => {
    const garbage = fc.oneof(fc.json(), fc.anything({ withTypedArray: true, withSparseArray: true, withNullPrototype: true, withMap: true }), fc.string());
    fc.assert(
      fc.property(garbage, (g) => {
        expect(thrown(() => Model.fromJSON(g))).toBeInstanceOf(FoliateError);
        const wrapped = { format: "foliate-model", version: 1, inputShape: [3], layers: [g] };
        expect(thrown(() => Model.fromJSON(wrapped))).toBeInstanceOf(FoliateError);
      }),
      { numRuns: 400, seed: 99 },
    );
  });

  it("corrupted characters in valid JSON text: parses to a model or throws a FoliateError, nothing else", () => {
    fc.assert(
      fc.property(recipeArb, fc.nat(), fc.constantFrom(..."{}[]\",:0123456789.-eE+ aAtfn\\"), (r, at, ch) => {
        const text = JSON.stringify(buildDoc(r));
        const k = at % text.length;
        const e = thrown(() => Model.fromJSON(text.slice(0, k) + ch + text.slice(k + 1)));
        expect(e === undefined || e instanceof FoliateError).toBe(true);
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it("declared gigantic sizes are rejected by arithmetic, quickly and without allocating", () => {
    const before = process.memoryUsage().arrayBuffers;
    const start = performance.now();
    fc.assert(
      fc.property(fc.integer({ min: (1 << 20) + 1, max: 2 ** 31 }), fc.integer({ min: 1 << 10, max: 1 << 20 }), (huge, big) => {
        const docs = [
          { format: "foliate-model", version: 1, inputShape: [huge], layers: [{ type: "flatten" }] },
          { format: "foliate-model", version: 1, inputShape: [1 << 20], layers: [{ type: "dense", units: big, kernel: "AAAA", bias: [] }] },
          { format: "foliate-model", version: 1, inputShape: [big, big, 64], layers: [{ type: "flatten" }] },
          { format: "foliate-model", version: 1, inputShape: [64, 64, 64], layers: [{ type: "conv2d", filters: big, kernelSize: 64, kernel: [], bias: [] }] },
        ];
        for (const doc of docs) expect(thrown(() => Model.fromJSON(doc))).toBeInstanceOf(FoliateError);
      }),
      { numRuns: 200, seed: 5 },
    );
    expect(performance.now() - start).toBeLessThan(5000); // a hang guard, not a speed goal
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("referenceForward rejects inputs of the wrong length with a FoliateError", () => {
    fc.assert(
      fc.property(recipeArb, fc.nat(50), (r, len) => {
        const m = Model.fromJSON(buildDoc(r));
        fc.pre(len !== m.inputSize);
        expect(thrown(() => referenceForward(m, new Float64Array(len)))).toBeInstanceOf(FoliateError);
      }),
      { numRuns: 100, seed: 11 },
    );
  });
});
