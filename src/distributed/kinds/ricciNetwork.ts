/**
 * `ricci-network`: one network of the Ricci population study — build it (seeded), train it with tfjs, test
 * it and sweep ρ_k (measureNetwork). The coordinator gathers the networks in recipe order and summarises them
 * exactly as the single-process run does (summarizePopulation), so the result is the same bit for bit.
 */
import { measureNetwork, summarizePopulation, type NetworkResult, type PopulationResult } from "../../experiments/ricciPopulation.js";
import { populationData, POPULATION_DATASETS, type PopulationRecipe } from "../../experiments/ricciRecipe.js";
import type { LabelledPoints } from "../../analyses/ricci/datasets.js";
import { OptionError } from "../../errors.js";
import { decodeArray, encodeArray } from "../codec.js";
import { asObject, field, isInt, isNum, isPosInt, isStr, type JobKind } from "../jobKinds.js";

type Payload = Omit<PopulationRecipe, "networks" | "accuracyThreshold"> & { network: { hidden: number[]; seed: number } };
interface Result { hidden: number[]; seed: number; accuracy: number | null; finalLoss: number | null; rho: string; reasons: (string | null)[]; ric: string[]; g: string[] }

/** Each worker keeps the last data sets it built (a population run asks for the same ones every time). */
const dataCache = new Map<string, Promise<{ train: LabelledPoints; test: LabelledPoints }>>();

function data(p: Payload) {
  const key = JSON.stringify([p.dataset, p.nTrain, p.nTest, p.dataSeed]);
  let d = dataCache.get(key);
  if (!d) {
    if (dataCache.size >= 4) dataCache.clear();
    d = populationData(p);
    d.catch(() => dataCache.delete(key));
    dataCache.set(key, d);
  }
  return d;
}

const MAX_UNITS = 4096, MAX_LAYERS = 64;

export const ricciNetwork: JobKind<PopulationRecipe, Payload, Result, PopulationResult> = {
  name: "ricci-network",
  async plan(recipe) {
    const { networks, accuracyThreshold: _t, ...common } = recipe;
    return networks.map((network) => ({ ...common, network: { hidden: [...network.hidden], seed: network.seed } }));
  },
  validate(payload) {
    const p = asObject(payload);
    const dataset = field<string>(p, "dataset", isStr, "a data set name");
    if (!POPULATION_DATASETS.includes(dataset)) throw new OptionError(`dataset must be one of ${POPULATION_DATASETS.join(", ")}, got "${dataset}"`);
    for (const k of ["nTrain", "nTest", "epochs"]) field(p, k, (v) => isPosInt(v) && (v as number) <= 100_000, "an integer in 1..100000");
    field(p, "dataSeed", isInt, "an integer");
    field(p, "mode", (v) => v === "directed" || v === "union", "directed or union");
    field(p, "ks", (v) => Array.isArray(v) && v.length > 0 && v.length <= 64 && v.every(isPosInt), "a list of 1..64 positive integers");
    const net = asObject(p.network);
    field(net, "hidden", (v) => Array.isArray(v) && v.length >= 1 && v.length <= MAX_LAYERS && v.every((u) => isPosInt(u) && u <= MAX_UNITS), `1..${MAX_LAYERS} widths in 1..${MAX_UNITS}`);
    field(net, "seed", isInt, "an integer");
    return p as unknown as Payload;
  },
  async run(p, ctx) {
    const { train, test } = await data(p);
    await ctx.progress(0.05);
    const r = await measureNetwork(train, test, p.network, { epochs: p.epochs, ks: p.ks, mode: p.mode });
    const num = (x: number) => (Number.isFinite(x) ? x : null);
    return {
      hidden: r.hidden, seed: r.seed, accuracy: num(r.accuracy), finalLoss: num(r.finalLoss), rho: encodeArray(r.rho), reasons: r.reasons,
      ric: r.ric.map(encodeArray), g: r.g.map(encodeArray),
    };
  },
  async gather(results, recipe) {
    const networks: NetworkResult[] = results.map((r) => ({
      hidden: r.hidden, seed: r.seed, accuracy: r.accuracy ?? NaN, finalLoss: r.finalLoss ?? NaN,
      rho: decodeArray(Float64Array, r.rho, "rho", recipe.ks.length), reasons: r.reasons,
      ric: r.ric.map((a) => decodeArray(Float64Array, a, "ric")), g: r.g.map((a) => decodeArray(Float64Array, a, "g")),
    }));
    return summarizePopulation(networks, recipe.ks, recipe.accuracyThreshold);
  },
};
