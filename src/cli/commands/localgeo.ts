/**
 * `foliate localgeo [model]`: the local geometric analysis of feature extraction (Shisher, Ornee, Sun; Xu,
 * Huang, Zheng, Wornell): experiments 1–3 of src/experiments/localGeometry.ts — learned softmax-regression
 * features against the SVD of the divergence transition matrix, in and outside the local regime (the regime
 * sweep), the hidden-layer version, and MMSE against reduced-rank regression — and, given a model and
 * labelled data, experiment 4: the H-score of the input of one of its dense layers beside its accuracy.
 */
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { withEngine, workersOption } from "../engineSession.js";
import { loadModelFile, readInputs } from "../files.js";
import { hiddenLayerExperiment, hScoreBesideAccuracy, mmseExperiment, regimeSweep, softmaxExperiment, type HScoreAccuracy, type RegimeSweepRow } from "../../experiments/localGeometry.js";
import { networkLayerFeatures } from "../../analyses/localGeometry/network.js";
import type { Engine } from "../../api/engine.js";
import type { Model } from "../../model/model.js";

export interface LocalGeometryRun {
  softmax: { maxAngle: number; productError: number; featureError: number; hLearned: number; hTheory: number; sigma1: number; ms: number };
  hidden: { maxAngle: number; hLearned: number; hTheory: number; ms: number };
  mmse: { maxAngle: number; learnedMse: number; theoryMse: number; mapError: number; ms: number };
  sweep: { local: RegimeSweepRow[]; far: RegimeSweepRow[]; ms: number };
}

const maxOf = (a: ArrayLike<number>) => Math.max(...Array.from(a));

/** Experiments 1–3 and the regime sweeps; `quick` shortens training (fewer steps and ε values). */
export async function localGeometryExperiments(quick: boolean, tick: () => void = () => {}): Promise<LocalGeometryRun> {
  const steps = quick ? 600 : 2000;
  let t = performance.now();
  const s = await softmaxExperiment({ steps, samples: 100_000 });
  const softmax = {
    maxAngle: maxOf(s.comparison.principalAngles), productError: s.comparison.relativeError.product ?? NaN, featureError: s.comparison.relativeError.features,
    hLearned: s.comparison.hScore.learned, hTheory: s.comparison.hScore.theory, sigma1: s.spectrum[0], ms: performance.now() - t,
  };
  tick();
  t = performance.now();
  const h = await hiddenLayerExperiment({ steps });
  const hidden = { maxAngle: maxOf(h.comparison.principalAngles), hLearned: h.comparison.hScore.learned, hTheory: h.comparison.hScore.theory, ms: performance.now() - t };
  tick();
  t = performance.now();
  const m = await mmseExperiment(quick ? { n: 400, steps: 300 } : {});
  const mmse = { maxAngle: maxOf(m.principalAngles), learnedMse: m.learnedMse, theoryMse: m.theoryMse, mapError: m.mapError, ms: performance.now() - t };
  tick();
  t = performance.now();
  const epsilons = quick ? [0.02, 1] : [0.02, 0.1, 0.3, 1];
  const local = await regimeSweep({ kind: "local", epsilons, steps });
  const far = await regimeSweep({ kind: "far", epsilons, steps });
  tick();
  return { softmax, hidden, mmse, sweep: { local, far, ms: performance.now() - t } };
}

/** Experiment 4: the H-score of the input of dense layer `layer` (default: the last) on (X, labels), beside the model's accuracy there. */
export async function modelHScore(engine: Engine, model: Model, X: Float32Array, labels: ArrayLike<number>, layer?: number): Promise<HScoreAccuracy & { layer: number }> {
  const L = layer ?? model.layers.length - 1;
  const feats = await networkLayerFeatures(engine, model, L, X);
  const f = await engine.forward(model, X);
  const predicted = new Int32Array(f.n);
  for (let i = 0; i < f.n; i++) {
    let best = 0;
    for (let c = 1; c < f.m; c++) if (f.logits[i * f.m + c] > f.logits[i * f.m + best]) best = c;
    predicted[i] = best;
  }
  return { ...hScoreBesideAccuracy(feats.features, feats.n, feats.k, labels, predicted, { ridge: 1e-9 }), layer: L };
}

export const localgeoCommand: CliCommand = {
  name: "localgeo",
  args: "[model]",
  summary: "local geometry of feature extraction: learned features vs the SVD optimum (experiments 1–3), H-score of a model's features (4)",
  options: (cmd) => {
    cmd.option("--quick", "shorter training (600 steps, 2 regime values)");
    cmd.option("--skip-experiments", "only experiment 4 (needs a model and --data/--input with labels)");
    cmd.option("-d, --data <name>", "labelled data for experiment 4: a bundled dataset name[:split][:N]");
    cmd.option("-i, --input <file.json>", "labelled data for experiment 4: {X, labels}");
    cmd.option("--layer <i>", "experiment 4: the dense layer whose input is the feature (default: the last layer)");
    workersOption(cmd);
  },
  examples: ["foliate localgeo --quick", "foliate localgeo model.json --data glyphs:test:500 --skip-experiments"],
  async run([path], opts, ctx) {
    if (opts.skipExperiments && !path) throw new UsageError("--skip-experiments leaves only experiment 4, which needs a model");
    const layer = opts.layer === undefined ? undefined : Number(opts.layer);
    if (layer !== undefined && !Number.isInteger(layer)) throw new UsageError(`--layer must be an integer, got "${String(opts.layer)}"`);
    let exp4: (HScoreAccuracy & { layer: number }) | undefined;
    if (path) {
      const model = await loadModelFile(path);
      const batch = await readInputs(opts, model.inputShape, ctx.log);
      if (!batch.labels) throw new UsageError("experiment 4 needs labels: use --data or a JSON input {X, labels}");
      exp4 = await withEngine(opts, (engine) => modelHScore(engine, model, batch.X, batch.labels!, layer));
    }
    let run: LocalGeometryRun | undefined;
    if (!opts.skipExperiments) {
      const stage = ctx.progress.stage("localgeo", 4);
      run = await localGeometryExperiments(!!opts.quick, () => stage.tick());
      stage.done();
    }
    const f = (x: number) => (Number.isNaN(x) ? "NaN" : x.toPrecision(3));
    const lines: string[] = [];
    if (run) {
      lines.push(
        `1. softmax regression (|X| = 8, |Y| = 6, k = 2): max principal angle ${f(run.softmax.maxAngle)} rad, H-score learned ${f(run.softmax.hLearned)} vs SVD ${f(run.softmax.hTheory)}, product error ${f(run.softmax.productError)}`,
        `2. hidden layer (local regime): max principal angle ${f(run.hidden.maxAngle)} rad, H-score learned ${f(run.hidden.hLearned)} vs ${f(run.hidden.hTheory)}`,
        `3. MMSE: max principal angle ${f(run.mmse.maxAngle)} rad, MSE learned ${f(run.mmse.learnedMse)} vs reduced-rank ${f(run.mmse.theoryMse)}, map error ${f(run.mmse.mapError)}`,
        "regime sweep (ε: max angle local / far):",
        ...run.sweep.local.map((r, i) => `  ε = ${r.epsilon}: ${f(r.maxAngle)} / ${f(run!.sweep.far[i].maxAngle)}`),
      );
    }
    if (exp4) lines.push(`4. H-score of layer ${exp4.layer}'s input: ${f(exp4.hScore)} (max ${exp4.hScoreMax}), accuracy ${f(exp4.accuracy)} on ${exp4.n} points`);
    return { data: { ...(run ? { experiments: run } : {}), ...(exp4 ? { hScore: exp4 } : {}) }, text: lines.join("\n") };
  },
};
