/**
 * Reproduction 1 of issue 3: DIM spectra across datasets (Tron & Fioresi, arXiv 2409.07412).
 *
 * Train the paper's MNIST CNN (trainCnn.ts; widths and epochs are options), import it with Model.fromTfjs,
 * and evaluate the DIM spectrum (engine.dimSpectrum) on `points` images of each dataset: MNIST test
 * (in distribution), Fashion-MNIST test, uniform noise, inverted MNIST, rotated MNIST (45°, bilinear) and
 * adversarial MNIST (PGD L∞ on the same model, ε = 0.1 by default). Compare the per-dataset signatures with
 * the authors' published medians, compute the spectral distance of every dataset to MNIST, and run the
 * linear-probe transfer check (retrain only the last layer on each target dataset; linearProbe.ts) with
 * Spearman's ρ between probe accuracy and spectral distance.
 *
 * Node only (reads the committed data/ through loadDataset and, with `cacheDir`, the model cache).
 */
import { OptionError } from "../errors.js";
import { datasetDistances } from "../analyses/spectrum/spectrumDistance.js";
import type { DimSpectrumSignature } from "../analyses/spectrum/dimSpectrum.js";
import { adversarialExamples, type AdversarialOptions } from "../data/adversarial.js";
import { loadDataset, type Dataset, type DatasetName } from "../data/datasets.js";
import { createEngine, type Engine } from "../api/engine.js";
import type { Model } from "../model/model.js";
import { probeAccuracy, spearman, trainLinearProbe, type ProbeOptions } from "./linearProbe.js";
import { PAPER_WIDTHS, trainMnistCnn, type CnnWidths } from "./trainCnn.js";

export type SpectraDataset = "mnist" | "fashion" | "noise" | "mnist-inverted" | "mnist-rotated" | "mnist-adversarial";
export const SPECTRA_DATASETS: readonly SpectraDataset[] = ["mnist", "fashion", "noise", "mnist-inverted", "mnist-rotated", "mnist-adversarial"];

export interface DimSpectraOptions {
  /** CNN widths (default the paper's 32/64/128). */
  widths?: CnnWidths;
  /** Pooling of the CNN: "max" (default) or "avg" (see TrainCnnOptions.pool). */
  pool?: "max" | "avg";
  epochs?: number;
  /** Training images from mnist:train (default all 8 000). */
  trainLimit?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  /** Trained-model cache folder (foliate-model JSON); none: always train. */
  cacheDir?: string;
  /** Points per dataset for the spectra (default 250). */
  points?: number;
  /** Test images for the accuracy (default all 2 000). */
  accuracyLimit?: number;
  datasets?: readonly SpectraDataset[];
  /** Adversarial MNIST (default PGD, L∞, ε = 0.1, 10 steps). */
  adversarial?: AdversarialOptions;
  /** Linear probe: training and test images per dataset (defaults 500 and 250); probe: false skips it. */
  probe?: false | (ProbeOptions & { trainPoints?: number; testPoints?: number });
  /** log10 floor of the spectra (default −20). */
  floor?: number;
  /** An engine to use (else one with `workers` workers, default 0, closed at the end). */
  engine?: Engine;
  workers?: number;
  log?: (message: string) => void;
}

/** One dataset's row: our signature beside the authors' published values. */
export interface SpectraRow {
  dataset: SpectraDataset;
  n: number;
  /** Median and 10/90 % quantiles of log10 λ1. */
  medianLogLambda1: number;
  q10LogLambda1: number;
  q90LogLambda1: number;
  medianLogTrace: number;
  /** Span of the per-position median curve, median log10 λ1 − median log10 λ_r (the paper's spread; dimSpectrum.ts). */
  medianSpread: number;
  /** Mean over points of log10 λ1 − log10 λ_r (our per-point statistic; dimSpectrum.ts). */
  meanSpread: number;
  /** Spectral distance to MNIST test (decades). */
  distanceToMnist: number;
  /** The authors' medians, as published (ranges where they give one for a group of datasets). */
  paper: { logLambda1: string; logTrace: string; spread: string };
  /** Linear-probe accuracy on this dataset (absent when the probe is off). */
  probeAccuracy?: number;
}

export interface DimSpectraResult {
  config: { widths: CnnWidths; epochs: number; trainImages: number; points: number; seed: number; adversarial: AdversarialOptions; floor: number };
  model: Model;
  modelSource: "trained" | "cache" | "shipped";
  trainSeconds: number;
  /** MNIST test accuracy of the imported model (computed by the engine). */
  accuracy: number;
  rows: SpectraRow[];
  signatures: Record<string, DimSpectrumSignature>;
  distances: { names: string[]; matrix: Float64Array };
  /** Spearman ρ between probe accuracy and distance to MNIST over the datasets (NaN without the probe). */
  probeSpearman: number;
  /** What to plot: per dataset and eigen-position the median and 10–90 % band of log10 λ_j. */
  plot: { dataset: string; position: number; median: number; q10: number; q90: number }[];
  /** Our table beside the paper's, as Markdown. */
  table: string;
}

/**
 * A reduced run (about 25 s on a busy 2-core machine, the form the tests use): a 4/8/32 CNN, 2 epochs on
 * 3 000 images (≈ 91 % test accuracy), 40 points of MNIST, noise, inverted and adversarial MNIST (PGD 3 steps),
 * a small probe. Spread it into the options and override what you need.
 */
export const REDUCED_DIM_SPECTRA: DimSpectraOptions = {
  widths: { conv1: 4, conv2: 8, dense: 32 }, epochs: 2, trainLimit: 3000, points: 40, accuracyLimit: 500,
  datasets: ["mnist", "noise", "mnist-inverted", "mnist-adversarial"],
  adversarial: { steps: 3 }, probe: { trainPoints: 150, testPoints: 80, steps: 60 },
};

const PAPER_MNIST = { logLambda1: "−1.78", logTrace: "−1.52", spread: "4.7–4.9" };
const PAPER_OTHER = { logLambda1: "+0.1 … +0.5", logTrace: "≈ 0", spread: "4.7–4.9" };
const PAPER_NOISE = { logLambda1: "+0.1 … +0.5", logTrace: "≈ 0", spread: "1.7" };

/** `limit` images of a dataset from its train or test split (adversarial: PGD on the clean split, on this model). */
async function datasetImages(name: SpectraDataset, split: "train" | "test", limit: number, seed: number, engine: Engine, model: Model, adv: AdversarialOptions): Promise<Dataset> {
  const base: Record<Exclude<SpectraDataset, "noise" | "mnist-adversarial">, DatasetName> = {
    mnist: `mnist:${split}`, fashion: `fashion:${split}`, "mnist-inverted": `mnist-inverted:${split}`, "mnist-rotated": `mnist-rotated:${split}`,
  };
  if (name === "noise") return loadDataset("noise", { limit, seed: seed + (split === "train" ? 1000 : 0) });
  if (name === "mnist-adversarial") {
    const clean = await loadDataset(`mnist:${split}`, { limit });
    const { X } = await adversarialExamples(engine, model, clean.X, clean.labels, { ...adv, seed: adv.seed ?? seed });
    return { ...clean, name: `mnist-adversarial:${split}`, X };
  }
  return loadDataset(base[name], { limit });
}

function fmt(v: number, digits = 2): string {
  return Number.isNaN(v) ? "—" : (v >= 0 ? "+" : "") + v.toFixed(digits);
}

/** Run the reproduction; see DimSpectraOptions for the reduced forms. */
export async function runDimSpectra(opts: DimSpectraOptions = {}): Promise<DimSpectraResult> {
  const log = opts.log ?? (() => {});
  const widths = opts.widths ?? PAPER_WIDTHS;
  const epochs = opts.epochs ?? 3, seed = opts.seed ?? 1, points = opts.points ?? 250, floor = opts.floor ?? -20;
  const adv: AdversarialOptions = { method: "pgd", norm: "linf", epsilon: 0.1, steps: 10, ...opts.adversarial };
  const names = opts.datasets ?? SPECTRA_DATASETS;
  if (!names.includes("mnist")) throw new OptionError(`datasets must include "mnist" (distances and the paper's table are relative to it), got ${JSON.stringify(names)}`);
  const engine = opts.engine ?? (await createEngine({ workers: opts.workers ?? 0 }));
  try {
    const train = await loadDataset("mnist:train", { limit: opts.trainLimit });
    const trained = await trainMnistCnn(train.X, train.labels, {
      widths, pool: opts.pool, epochs, batchSize: opts.batchSize, learningRate: opts.learningRate, seed, cacheDir: opts.cacheDir, log,
    });
    const model = trained.model;
    const test = await loadDataset("mnist:test", { limit: opts.accuracyLimit });
    const fw = await engine.forward(model, test.X);
    let right = 0;
    for (let i = 0; i < test.n; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (fw.logits[i * 10 + c] > fw.logits[i * 10 + best]) best = c;
      if (best === test.labels[i]) right++;
    }
    const accuracy = right / test.n;
    log(`MNIST test accuracy ${(100 * accuracy).toFixed(2)} % (${trained.source})`);

    const sets: Record<string, Float32Array> = {};
    for (const name of names) sets[name] = (await datasetImages(name, "test", points, seed, engine, model, adv)).X;
    const dist = await datasetDistances(engine, model, sets, { floor });
    const k = dist.names.length, mi = dist.names.indexOf("mnist");
    log(`spectra of ${k} datasets × ${points} points done`);

    const probeAcc: Record<string, number> = {};
    if (opts.probe !== false) {
      const p = opts.probe ?? {};
      const hidden = model.layers.length - 2; // the penultimate layer (Dense + ReLU): the frozen features
      const features = async (X: Float32Array) => (await engine.forward(model, X, { activations: true })).activations![hidden].data;
      for (const name of names) {
        const tr = await datasetImages(name, "train", p.trainPoints ?? 500, seed, engine, model, adv);
        const te = await datasetImages(name, "test", p.testPoints ?? 250, seed + 7, engine, model, adv);
        const probe = trainLinearProbe(await features(tr.X), tr.labels, 10, p);
        probeAcc[name] = probeAccuracy(probe, await features(te.X), te.labels);
        log(`probe ${name}: ${(100 * probeAcc[name]).toFixed(1)} %`);
      }
    }
    const rows: SpectraRow[] = dist.names.map((name, a) => {
      const s = dist.signatures[name];
      return {
        dataset: name as SpectraDataset, n: s.n,
        medianLogLambda1: s.median[0], q10LogLambda1: s.q10[0], q90LogLambda1: s.q90[0],
        medianLogTrace: s.medianLogTrace, medianSpread: s.medianSpread, meanSpread: s.meanSpread, distanceToMnist: dist.matrix[a * k + mi],
        paper: name === "mnist" ? PAPER_MNIST : name === "noise" ? PAPER_NOISE : PAPER_OTHER,
        ...(opts.probe !== false ? { probeAccuracy: probeAcc[name] } : {}),
      };
    });
    const probeSpearman = opts.probe !== false ? spearman(rows.map((r) => r.distanceToMnist), rows.map((r) => r.probeAccuracy!)) : Number.NaN;
    const plot = dist.names.flatMap((name) => {
      const s = dist.signatures[name];
      return Array.from({ length: s.r }, (_, j) => ({ dataset: name, position: j + 1, median: s.median[j], q10: s.q10[j], q90: s.q90[j] }));
    });
    const table = [
      `| dataset | n | median log10 λ1 [10 %, 90 %] | paper | median log10 trace | paper | spread of medians | paper | mean spread | W1 to MNIST | probe acc. |`,
      `|---|---|---|---|---|---|---|---|---|---|---|`,
      ...rows.map((r) =>
        `| ${r.dataset} | ${r.n} | ${fmt(r.medianLogLambda1)} [${fmt(r.q10LogLambda1)}, ${fmt(r.q90LogLambda1)}] | ${r.paper.logLambda1} | ${fmt(r.medianLogTrace)} | ${r.paper.logTrace} | ${r.medianSpread.toFixed(2)} | ${r.paper.spread} | ${r.meanSpread.toFixed(2)} | ${r.distanceToMnist.toFixed(2)} | ${r.probeAccuracy === undefined ? "—" : (100 * r.probeAccuracy).toFixed(1) + " %"} |`),
      ``,
      `Model: CNN conv ${widths.conv1}/${widths.conv2}, dense ${widths.dense}, ${epochs} epochs on ${train.n} images; MNIST test accuracy ${(100 * accuracy).toFixed(2)} %.`,
      `Spearman ρ(distance to MNIST, probe accuracy) = ${fmt(probeSpearman)}.`,
      `Spread of medians = median log10 λ1 − median log10 λ${dist.signatures.mnist.r} (the span of the authors' median curve); mean spread = mean over points of log10 λ1 − log10 λ_r (ours).`,
    ].join("\n");
    return {
      config: { widths, epochs, trainImages: train.n, points, seed, adversarial: adv, floor },
      model, modelSource: trained.source, trainSeconds: trained.seconds, accuracy, rows,
      signatures: dist.signatures, distances: { names: dist.names, matrix: dist.matrix }, probeSpearman, plot, table,
    };
  } finally {
    if (!opts.engine) await engine.close();
  }
}
