import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Model } from "../../src/model/model.js";
import { parseSimecText } from "../../src/model/simecText.js";
import { ModelFormatError, UnsupportedLayerError } from "../../src/errors.js";
import { referenceForward } from "../../src/reference/forward.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/simec-1d/${name}`, import.meta.url), "utf8");

describe("Model.fromSimecText", () => {
  test("loads every weight file of the authors with its architecture and activations", () => {
    const arch: Record<string, [number[], string]> = {
      "surface_1_good_weights.csv": [[2, 5, 5, 1], "sigmoid"],
      "surface_1_bad_weights.csv": [[2, 5, 5, 1], "sigmoid"],
      "surface_2_good_weights.csv": [[2, 5, 5, 1], "sigmoid"],
      "thermodynamics_weights_addestrata_bene.csv": [[2, 5, 10, 10, 5, 1], "sigmoid"],
      "thermodynamics_weights_addestrata_male.csv": [[2, 5, 10, 10, 5, 1], "sigmoid"],
      "weights_softplus_thermo.csv": [[2, 5, 10, 10, 5, 1], "softplus"],
      "weights_binary.csv": [[2, 5, 5, 5, 1], "sigmoid"],
    };
    for (const [file, [sizes, act]] of Object.entries(arch)) {
      const m = Model.fromSimecText(fixture(file));
      expect([m.inputSize, ...m.layers.map((l) => (l as { units: number }).units)]).toEqual(sizes);
      expect(m.layers.every((l) => "activation" in l && l.activation === act)).toBe(true);
      expect(m.head).toBe("none");
    }
  });

  test("reproduces the README's outputs N(0.25, 0.25) of surface 1 and 2 (float64)", () => {
    const y1 = referenceForward(Model.fromSimecText(fixture("surface_1_good_weights.csv")), [0.25, 0.25]).output[0];
    const y2 = referenceForward(Model.fromSimecText(fixture("surface_2_good_weights.csv")), [0.25, 0.25]).output[0];
    expect(y1).toBeCloseTo(0.154071, 6);
    expect(y2).toBeCloseTo(0.187682, 6);
  });

  test("W is rows×cols (outputs × inputs) row-major: kernel is its transpose; a hand-computed 2→1 layer", () => {
    const spec = parseSimecText("1\n1\t2\t1\t2\tFC_LAYER_SG\n0.5\t-1\n0.25\n");
    expect(Array.from((spec.layers[0] as { kernel: Float64Array }).kernel)).toEqual([0.5, -1]);
    const spec2 = parseSimecText("1\n2 3 2 3 FC_LAYER_SP\n1 2 3 4 5 6\n0 0\n");
    // kernel [in=3, out=2]: kernel[j*2+i] = W[i][j]
    expect(Array.from((spec2.layers[0] as { kernel: Float64Array }).kernel)).toEqual([1, 4, 2, 5, 3, 6]);
    const y = referenceForward(spec, [2, 1]).output[0];
    expect(y).toBeCloseTo(1 / (1 + Math.exp(-(0.5 * 2 - 1 + 0.25))), 15);
  });

  test("malformed files throw typed errors naming the problem", () => {
    const good = "1\n1\t2\t1\t2\tFC_LAYER_SG\n0.5\t-1\n0.25\n";
    const cases: [string, RegExp, typeof ModelFormatError][] = [
      ["", /empty/, ModelFormatError],
      ["x\n", /layer count/, ModelFormatError],
      ["2\n1\t2\t1\t2\tFC_LAYER_SG\n0.5\t-1\n0.25\n", /7 non-empty lines/, ModelFormatError],
      [good.replace("FC_LAYER_SG", "FC_LAYER_RELU"), /FC_LAYER_RELU/, UnsupportedLayerError],
      [good.replace("0.5\t-1", "0.5"), /2 values, got 1/, ModelFormatError],
      [good.replace("-1", "abc"), /not a finite number/, ModelFormatError],
      [good.replace("1\t2\t1\t2", "1\t2\t2\t2"), /out×in/, ModelFormatError],
      [good.replace("1\t2\t1\t2", "1\t-2\t1\t-2"), /integer/, ModelFormatError],
      [good.replace("1\t2\t1\t2\tFC_LAYER_SG", "1\t2\t1\t2"), /rows cols out in TYPE/, ModelFormatError],
      ["2\n2\t2\t2\t2\tFC_LAYER_SG\n1 2 3 4\n0 0\n1\t3\t1\t3\tFC_LAYER_SG\n1 2 3\n0\n", /takes 3 inputs but layer 0 gives 2/, ModelFormatError],
    ];
    for (const [text, msg, kind] of cases) {
      expect(() => Model.fromSimecText(text)).toThrow(kind);
      expect(() => Model.fromSimecText(text)).toThrow(msg);
    }
    expect(() => Model.fromSimecText(42 as unknown as string)).toThrow(ModelFormatError);
  });
});
