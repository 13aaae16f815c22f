/**
 * Version 2 of the model JSON: graphs of named nodes. Outputs are checked against the network computed by hand
 * in float64 (closed form), errors by type and message, and round trips through toJSON.
 */
import { describe, expect, it } from "vitest";
import { Model } from "../../src/model/model.js";
import { ModelFormatError, UnsupportedLayerError } from "../../src/errors.js";
import { referenceForward } from "../../src/reference/forward.js";
import { randomWeights } from "../support/models.js";

const A = [1, -2, 0.5, 3, -1, 2]; // 2×3 dense kernel [in, out]
const B = [0.5, -1, 2, 1, -0.25, 0.75]; // 3×2
/** x (2) → a = relu(x·A + b1) (3) → y = a·B + b2 (2) → relu(y + x) → dense to 2 classes → softmax. */
function residualDoc(order: "listed" | "shuffled" = "listed"): Record<string, unknown> {
  const nodes = [
    { name: "fc1", type: "dense", inputs: ["input"], units: 3, kernel: A, bias: [0.1, -0.2, 0.3], activation: "relu" },
    { name: "fc2", type: "dense", inputs: ["fc1"], units: 2, kernel: B, bias: [0.05, -0.05] },
    { name: "sum", type: "add", inputs: ["fc2", "input"], activation: "relu" },
    { name: "head", type: "dense", inputs: ["sum"], units: 2, kernel: [1, -1, -1, 1], bias: [0, 0] },
    { name: "probs", type: "softmax", inputs: ["head"] },
  ];
  return { format: "foliate-model", version: 2, inputShape: [2], nodes: order === "listed" ? nodes : [nodes[3], nodes[0], nodes[4], nodes[2], nodes[1]] };
}

function residualByHand(x: number[]): number[] {
  const relu = (v: number) => Math.max(v, 0);
  const a = [0, 1, 2].map((j) => relu(x[0] * A[j] + x[1] * A[3 + j] + [0.1, -0.2, 0.3][j]));
  const y = [0, 1].map((j) => a[0] * B[j] + a[1] * B[2 + j] + a[2] * B[4 + j] + [0.05, -0.05][j]);
  const s = [relu(y[0] + x[0]), relu(y[1] + x[1])];
  return [s[0] - s[1], -s[0] + s[1]];
}

describe("model JSON version 2 (graphs)", () => {
  it("parses a residual block in any node order and computes what the hand calculation gives", () => {
    for (const order of ["listed", "shuffled"] as const) {
      const m = Model.fromJSON(residualDoc(order));
      expect(m.layers.map((l) => l.name)).toEqual(["fc1", "fc2", "sum", "head"]);
      expect(m.layers[2].inputs).toEqual([1, -1]);
      expect(m.head).toBe("softmax");
      expect(m.isChain).toBe(false);
      for (const x of [[0.3, -0.7], [1.2, 0.4], [-2, 1]]) {
        const out = referenceForward(m, x).output;
        residualByHand(x).forEach((v, k) => expect(out[k]).toBeCloseTo(v, 12));
      }
    }
  });

  it("round-trips graphs as version 2 and chains as version 1", () => {
    const m = Model.fromJSON(residualDoc());
    const doc = m.toJSON();
    expect(doc.version).toBe(2);
    const back = Model.fromJSON(JSON.parse(JSON.stringify(doc)));
    expect(back.layers.map((l) => [l.name, l.inputs])).toEqual(m.layers.map((l) => [l.name, l.inputs]));
    expect(Array.from(referenceForward(back, [0.3, 0.2]).output)).toEqual(Array.from(referenceForward(m, [0.3, 0.2]).output));
    const chain = Model.fromJSON({ format: "foliate-model", version: 1, inputShape: [2], layers: [{ type: "dense", units: 2, kernel: B.slice(0, 4), bias: [0, 0] }] });
    expect(chain.toJSON().version).toBe(1);
  });

  it("takes conv pads, dilations, groups, pooling ceil mode, batchNorm, concat and global pooling", () => {
    const C = 4;
    const conv = (name: string, inputs: string[], extra: Record<string, unknown>, inC: number, groups = 1) => ({
      name, type: "conv2d", inputs, filters: C, kernelSize: 3, groups,
      kernel: Array.from(randomWeights(name.length, 9 * (inC / groups) * C, 0.3)), bias: [0, 0.1, -0.1, 0], ...extra,
    });
    const doc = {
      format: "foliate-model", version: 2, inputShape: [9, 9, 2],
      nodes: [
        conv("stem", ["input"], { pads: [1, 1, 1, 1], strides: 2, activation: "relu" }, 2),
        conv("dil", ["stem"], { padding: "same", dilations: 2 }, C),
        { name: "bn", type: "batchNorm", inputs: ["dil"], gamma: [1, 2, 0.5, 1], beta: [0, 0.1, 0, -0.1], mean: [0.1, 0, 0, 0.2], variance: [1, 0.5, 2, 1] },
        conv("dw", ["stem"], { pads: [1, 1, 1, 1] }, C, C),
        { name: "cat", type: "concat", inputs: ["bn", "dw"] },
        { name: "pool", type: "maxPool2d", inputs: ["cat"], poolSize: 2, ceilMode: true },
        { name: "gap", type: "globalAvgPool2d", inputs: ["pool"] },
        { name: "fc", type: "dense", inputs: ["gap"], units: 3, kernel: Array.from(randomWeights(9, 24, 0.3)), bias: [0, 0, 0] },
      ],
    };
    const m = Model.fromJSON(doc);
    expect(m.shapes).toEqual([[5, 5, 4], [5, 5, 4], [5, 5, 4], [5, 5, 4], [5, 5, 8], [3, 3, 8], [8], [3]]);
    const back = Model.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    const x = Array.from(randomWeights(3, 162, 1));
    expect(Array.from(referenceForward(back, x).output)).toEqual(Array.from(referenceForward(m, x).output));
  });

  const bad: [string, (d: Record<string, unknown>) => void, new (...a: never[]) => Error, RegExp][] = [
    ["a cycle", (d) => ((d.nodes as Record<string, unknown>[])[0].inputs = ["sum"]), ModelFormatError, /"fc1", "fc2", "sum".*form a cycle/],
    ["an unknown input", (d) => ((d.nodes as Record<string, unknown>[])[1].inputs = ["fc9"]), ModelFormatError, /node 1 "fc2": input the string "fc9" names no node/],
    ["a duplicate name", (d) => ((d.nodes as Record<string, unknown>[])[1].name = "fc1"), ModelFormatError, /node 1: name "fc1" is already used by node 0/],
    ["the reserved name", (d) => ((d.nodes as Record<string, unknown>[])[0].name = "input"), ModelFormatError, /"input" is reserved/],
    ["a dead node", (d) => (d.nodes as Record<string, unknown>[]).splice(1, 0, { name: "spare", type: "relu", inputs: ["fc1"] }), ModelFormatError, /"spare" \(activation\): its output is used by no node/],
    ["add of two shapes", (d) => ((d.nodes as Record<string, unknown>[])[2].inputs = ["fc1", "input"]), ModelFormatError, /"sum" \(add\): inputs must have one shape, got \[\[3\], \[2\]\]/],
    ["an unknown type", (d) => ((d.nodes as Record<string, unknown>[])[2].type = "lstm"), UnsupportedLayerError, /node 2 "sum" \(lstm\): unsupported node type "lstm"/],
    ["softmax inside", (d) => ((d.nodes as Record<string, unknown>[])[1].activation = "softmax"), UnsupportedLayerError, /softmax is only supported as the classifier head/],
  ];
  it.each(bad)("rejects %s with a typed error naming the node", (_, mutate, type, message) => {
    const d = residualDoc();
    mutate(d);
    expect(() => Model.fromJSON(d)).toThrow(type);
    expect(() => Model.fromJSON(d)).toThrow(message);
  });
});
