import { afterAll, beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import {
  createEngine, EmptyBatchError, FoliateError, Model, NonFiniteError, OptionError, ShapeError, UnsupportedLayerError, type Engine,
} from "../../src/index.js";
import { randomMlp, randomPoints } from "../support/models.js";

let engine: Engine;
const model = randomMlp([4, 8, 3], 1);
const valid = randomPoints(5, 4, 1);

beforeAll(async () => {
  engine = await createEngine({ workers: 2 });
});
afterAll(() => engine.close());

async function servesValidCall() {
  const r = await engine.jacobian(model, valid);
  expect(r.shape).toEqual([5, 3, 4]);
}

describe("each bad input throws its typed error, then the engine serves a valid call", () => {
  const json = (layers: unknown[]) => ({ format: "foliate-model", version: 1, inputShape: [2], layers });

  test("NaN weight", async () => {
    expect(() => Model.fromJSON(json([{ type: "dense", units: 1, kernel: [1, NaN], bias: [0] }]))).toThrow(NonFiniteError);
    expect(() => Model.fromJSON(json([{ type: "dense", units: 1, kernel: [1, NaN], bias: [0] }]))).toThrow(/layer 0.*kernel/);
    await servesValidCall();
  });

  test("unknown layer", async () => {
    expect(() => Model.fromJSON(json([{ type: "lstm", units: 3 }]))).toThrow(UnsupportedLayerError);
    await servesValidCall();
  });

  test("wrong shape, d mismatch, empty batch, NaN input, wrong types", async () => {
    await expect(engine.jacobian(model, new Float32Array(7))).rejects.toThrow(ShapeError);
    await expect(engine.jacobian(model, new Float32Array(7))).rejects.toThrow(/7 values.*d = 4/);
    await expect(engine.forward(model, [[1, 2, 3]])).rejects.toThrow(/X\[0\] has 3 values, expected .* d = 4/);
    await expect(engine.dim(model, new Float32Array(0))).rejects.toThrow(EmptyBatchError);
    await expect(engine.dim(model, [])).rejects.toThrow(EmptyBatchError);
    await expect(engine.forward(model, Float64Array.from([1, 2, NaN, 4]))).rejects.toThrow(NonFiniteError);
    await expect(engine.forward(model, Float64Array.from([1, 2, 3, 4, 5, 6, Infinity, 8]))).rejects.toThrow(/point 1, coordinate 2 is Infinity/);
    await expect(engine.forward(model, "abc" as never)).rejects.toThrow(ShapeError);
    await expect(engine.forward({} as never, valid)).rejects.toThrow(OptionError);
    await servesValidCall();
  });

  test("bad options", async () => {
    await expect(engine.jacobian(model, valid, { output: "hidden" as never })).rejects.toThrow(OptionError);
    await expect(engine.jacobian(model, valid, { output: { layer: 9 } })).rejects.toThrow(/layer index in 0\.\.1/);
    await expect(engine.pullbackMetric(model, valid, { layer: -1 })).rejects.toThrow(OptionError);
    await expect(createEngine({ workers: -1 })).rejects.toThrow(OptionError);
    await servesValidCall();
    expect(engine.workerPool!.replaced).toBe(0);
  });
});

describe("property: malformed inputs and options never crash, hang or kill the pool", () => {
  test("garbage batches and options are rejected with a FoliateError or computed correctly", async () => {
    const garbageX = fc.oneof(
      fc.array(fc.double(), { maxLength: 13 }).map((a) => Float64Array.from(a)),
      fc.array(fc.float(), { maxLength: 13 }).map((a) => Float32Array.from(a)),
      fc.array(fc.array(fc.oneof(fc.double(), fc.string(), fc.constant(null)), { maxLength: 6 }), { maxLength: 4 }),
      fc.anything(),
    );
    const garbageOpts = fc.record({
      output: fc.oneof(fc.constantFrom("logits", "probs", "logprobs"), fc.record({ layer: fc.oneof(fc.integer(), fc.double(), fc.string()) }), fc.anything()),
      rankTol: fc.oneof(fc.double(), fc.anything()),
      layer: fc.oneof(fc.integer({ min: -3, max: 4 }), fc.anything()),
    }, { requiredKeys: [] });
    const method = fc.constantFrom("forward", "jacobian", "dim", "pullbackMetric") as fc.Arbitrary<"forward" | "jacobian" | "dim" | "pullbackMetric">;
    await fc.assert(
      fc.asyncProperty(method, garbageX, garbageOpts, async (m, X, opts) => {
        try {
          const res = (await engine[m](model, X as never, opts as never)) as { n?: number; shape?: number[] };
          // accepted: it must have been a valid batch of whole points
          const n = res.n ?? res.shape![0];
          expect(n).toBeGreaterThan(0);
        } catch (e) {
          if (!(e instanceof FoliateError)) throw new Error(`not a FoliateError: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
        }
      }),
      { numRuns: 600, seed: 1125 },
    );
    await servesValidCall();
    expect(engine.workerPool!.replaced).toBe(0);
  });
});
