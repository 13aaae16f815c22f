/**
 * The DIM-spectra section (Tron & Fioresi, arXiv 2409.07412; src/experiments/dimSpectra.ts in its REDUCED
 * preset): a small MNIST CNN (trained once, cached in the report's cache folder), the DIM spectrum on MNIST,
 * uniform noise, inverted and adversarial MNIST — box plots per eigen-position, the spectral distance matrix,
 * our medians beside the paper's, and the linear-probe transfer check.
 */
import { REDUCED_DIM_SPECTRA, SPECTRA_DATASETS, runDimSpectra } from "../../../experiments/dimSpectra.js";
import { renderChart } from "../charts.js";
import type { Figure, NumberRow, ReportContext, ReportSection, SectionResult, Table, Timing } from "../section.js";
import { paperTable } from "../paperTable.js";

const sign = (v: number, digits = 2) => (Number.isNaN(v) ? "—" : (v >= 0 ? "+" : "") + v.toFixed(digits));

/** The report's CNN: the configuration shipped in data/models (no training on a fresh clone). */
const REPORT_CNN = { widths: { conv1: 8, conv2: 16, dense: 64 }, epochs: 4, trainLimit: 8000, accuracyLimit: 2000 };

export const dimSpectraSection: ReportSection = {
  id: "dim-spectra",
  title: "DIM spectra of datasets",
  about:
    "Under one trained classifier, the eigenvalues of the data information matrix D(x) at the points of a dataset form a spectrum that tells in-distribution data (small eigenvalues: the network is confident and locally flat) from other data. " +
    "Datasets are compared through a distance between their spectra, which should track how well the network's features transfer to them (a linear probe).",
  async run(ctx): Promise<SectionResult> {
    const figures: Figure[] = [], tables: Table[] = [], numbers: NumberRow[] = [], timings: Timing[] = [];
    const cacheDir = ctx.cacheDir ?? "cache";
    const stage = ctx.stage("DIM spectra", 1);
    const t0 = performance.now();
    const log: string[] = [];
    const points = ctx.quick ? 40 : 250; // the issue asks for ≥ 250 points per dataset
    const r = await runDimSpectra({
      ...REDUCED_DIM_SPECTRA, points, cacheDir, engine: ctx.engine, log: (m) => log.push(m),
      // full report: the CNN shipped in data/models (8/16/64, 4 epochs on the 8 000 shipped images, 97.4 %)
      ...(ctx.quick ? {} : REPORT_CNN),
      // quick: the preset's four datasets and a smaller probe; full: all six datasets of the paper's comparison
      ...(ctx.quick ? { probe: { trainPoints: 100, testPoints: 60, steps: 40 } } : { datasets: SPECTRA_DATASETS }),
    });
    const ms = performance.now() - t0;
    stage.done();
    timings.push({ what: `CNN ${r.modelSource === "trained" ? "training (tfjs wasm)" : `from the ${r.modelSource}`}`, ms: r.trainSeconds * 1000 });
    timings.push({ what: `spectra of ${r.rows.length} datasets × ${points} points, adversarial examples, probes (all but training)`, ms: ms - r.trainSeconds * 1000, points: r.rows.length * points });

    const names = r.distances.names;
    const box: { dataset: string; j: number; logLambda: number }[] = [];
    for (const name of names) {
      const s = r.signatures[name];
      for (let j = 0; j < s.r; j++) for (let i = 0; i < s.n; i++) box.push({ dataset: name, j: j + 1, logLambda: s.samples[j * s.n + i] });
    }
    figures.push({
      svg: await renderChart({
        width: 520, height: 260, data: { values: box },
        mark: { type: "boxplot", extent: 1.5, size: 8, median: { color: "black" }, outliers: { size: 4 } },
        encoding: {
          x: { field: "j", type: "ordinal", title: "eigen-position j (1 = largest)", axis: { labelAngle: 0 } }, xOffset: { field: "dataset", type: "nominal", sort: names },
          y: { field: "logLambda", type: "quantitative", title: "log₁₀ λⱼ", scale: { zero: false } }, color: { field: "dataset", type: "nominal", sort: names, title: "dataset" },
        },
      }),
      caption: `log₁₀ of the DIM eigenvalues λ₁ ≥ … ≥ λ₉ per dataset (${points} points each, floor ${r.config.floor}); boxes are quartiles, whiskers 1.5 IQR.`,
    });
    const k = names.length, cells = [];
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) cells.push({ a: names[a], b: names[b], dist: r.distances.matrix[a * k + b] });
    const axis = (f: string) => ({ field: f, type: "nominal", sort: names, title: null, axis: { labelAngle: f === "a" ? -30 : 0 } });
    figures.push({
      svg: await renderChart({
        width: 60 * k, height: 60 * k, data: { values: cells },
        encoding: { x: axis("a"), y: axis("b") },
        layer: [
          { mark: { type: "rect" }, encoding: { color: { field: "dist", type: "quantitative", title: "distance (decades)", scale: { scheme: "viridis" } } } },
          { mark: { type: "text", fontSize: 10 }, encoding: { text: { field: "dist", type: "quantitative", format: ".2f" }, color: { condition: { test: "datum.dist > 0.4", value: "black" }, value: "white" } } },
        ],
      }),
      caption: "Spectral distance between datasets: the 1-D Wasserstein distance between the log₁₀ λⱼ distributions, averaged over eigen-positions j.",
    });
    tables.push({
      caption: `Our signatures beside the paper's medians (CNN conv ${r.config.widths.conv1}/${r.config.widths.conv2}, dense ${r.config.widths.dense}, ${r.config.epochs} epochs on ${r.config.trainImages} images; the paper's network is 32/64/128 on the full MNIST)`,
      headers: ["dataset", "points", "median log₁₀ λ₁ [10 %, 90 %]", "paper", "median log₁₀ trace", "paper", "spread of medians (log₁₀ λ₁ − log₁₀ λ₉)", "paper", "mean spread (per point)", "distance to MNIST", "linear probe accuracy"],
      rows: r.rows.map((row) => [row.dataset, row.n, `${sign(row.medianLogLambda1)} [${sign(row.q10LogLambda1)}, ${sign(row.q90LogLambda1)}]`, row.paper.logLambda1, sign(row.medianLogTrace), row.paper.logTrace, row.medianSpread.toFixed(2), row.paper.spread, row.meanSpread.toFixed(2), row.distanceToMnist.toFixed(3), row.probeAccuracy === undefined ? "—" : `${(100 * row.probeAccuracy).toFixed(1)} %`]),
    });
    const mnist = r.rows.find((row) => row.dataset === "mnist")!;
    const others = r.rows.filter((row) => row.dataset !== "mnist");
    const source = "Tron & Fioresi (arXiv 2409.07412), the authors' runs";
    numbers.push(
      { name: `MNIST test accuracy of the CNN (${r.config.widths.conv1}/${r.config.widths.conv2}/${r.config.widths.dense})`, value: `${(100 * r.accuracy).toFixed(1)} %`, published: { value: "≥ 97 % (full-size CNN)", source: "issue 3's target for the paper's network" } },
      { name: "median log₁₀ λ₁: MNIST vs the lowest other dataset", value: `${sign(mnist.medianLogLambda1)} vs ${sign(Math.min(...others.map((o) => o.medianLogLambda1)))}`, published: { value: "−1.78 vs +0.1 … +0.5", source } },
      { name: "median log₁₀ trace: MNIST vs the lowest other dataset", value: `${sign(mnist.medianLogTrace)} vs ${sign(Math.min(...others.map((o) => o.medianLogTrace)))}`, published: { value: "−1.52 vs ≈ 0", source } },
      ...r.rows.filter((row) => row.dataset === "noise").map((noise) => ({
        name: "spread of the median spectrum (median log₁₀ λ₁ − median log₁₀ λ₉): noise vs the other datasets",
        value: `${noise.medianSpread.toFixed(2)} vs ${r.rows.filter((o) => o.dataset !== "noise").map((o) => o.medianSpread.toFixed(2)).join(", ")}`,
        published: { value: "1.7 vs 4.7–4.9 (noise flattest)", source },
      })),
      { name: "Spearman ρ(distance to MNIST, linear-probe accuracy)", value: sign(r.probeSpearman), published: { value: "negative (farther datasets transfer worse)", source } },
    );
    const oursSetting = `CNN conv ${r.config.widths.conv1}/${r.config.widths.conv2}, dense ${r.config.widths.dense}, ${r.config.epochs} epochs on ${r.config.trainImages} MNIST images (${(100 * r.accuracy).toFixed(1)} %), ${points} points per dataset`;
    const paperSetting = "CNN conv 32/64, dense 128 on the 60 000 MNIST training images; box plots of the DIM's eigenvalues per dataset";
    const noise = r.rows.find((row) => row.dataset === "noise");
    const lowOthers = Math.min(...others.map((o) => o.medianLogLambda1)), highOthers = Math.max(...others.map((o) => o.medianLogLambda1));
    const rows = [
      {
        quantity: "median log₁₀ λ₁ on MNIST", paperSetting, published: "−1.78", ours: sign(mnist.medianLogLambda1), ourSetting: oursSetting,
        agree: Math.abs(mnist.medianLogLambda1 + 1.78) <= 0.3 ? "yes" as const : "no" as const,
        why: "Our CNN is smaller (¼ of the convolution widths, ½ of the dense width) and saw 8 000 of the 60 000 images: it is less sure on MNIST test digits, and λ₁ grows as the confidence falls. With the paper's widths (3 epochs on the same 8 000 images, 97.65 %) the same code measured −1.93 (examples/dim-spectra.md).",
      },
      {
        quantity: "median log₁₀ trace on MNIST", paperSetting, published: "−1.52", ours: sign(mnist.medianLogTrace), ourSetting: oursSetting,
        agree: Math.abs(mnist.medianLogTrace + 1.52) <= 0.3 ? "yes" as const : "no" as const,
        why: "As for λ₁ (the trace is dominated by λ₁); with the paper's widths −1.88 (examples/dim-spectra.md).",
      },
      {
        quantity: "median log₁₀ λ₁ on the other datasets", paperSetting, published: "+0.1 … +0.5", ours: `${sign(lowOthers)} … ${sign(highOthers)}`, ourSetting: oursSetting,
        agree: lowOthers >= 0.1 - 0.3 && highOthers <= 0.5 + 0.3 ? "yes" as const : "partly" as const,
        why: "The ordering holds (MNIST about two decades below every other dataset) but our values sit higher: the smaller network's gradients on unfamiliar inputs are larger. With the paper's widths +0.37 … +0.85 (examples/dim-spectra.md).",
      },
      ...(noise ? [{
        quantity: "spread of the median spectrum (median log₁₀ λ₁ − median log₁₀ λ₉): noise vs the others", paperSetting, published: "1.7 vs 4.7–4.9 (noise flattest)",
        ours: `${noise.medianSpread.toFixed(2)} vs ${Math.min(...r.rows.filter((o) => o !== noise).map((o) => o.medianSpread)).toFixed(2)}–${Math.max(...r.rows.filter((o) => o !== noise).map((o) => o.medianSpread)).toFixed(2)}`, ourSetting: oursSetting,
        agree: noise.medianSpread < Math.min(...r.rows.filter((o) => o !== noise).map((o) => o.medianSpread)) ? "yes" as const : "no" as const,
        why: "Not reproduced, with either network (paper's widths: 3.45 vs 3.38–6.11, examples/dim-spectra.md). The authors' code computes no scalar spread: 1.7 is read off their box plot, and their noise images may be drawn differently from ours (uniform pixels). The cause is not established.",
      }] : []),
      {
        quantity: "Spearman ρ(spectral distance to MNIST, linear-probe accuracy)", paperSetting, published: "negative", ours: sign(r.probeSpearman), ourSetting: oursSetting,
        agree: r.probeSpearman < 0 ? "yes" as const : "no" as const,
        why: `Not negative in this run: over ${r.rows.length} datasets ρ is coarse (each swapped pair of ranks moves it by ${(12 / (r.rows.length * (r.rows.length ** 2 - 1))).toFixed(2)}); the full report's CNN measured −0.60 and the paper's widths −0.83 (examples/dim-spectra.md).`,
      },
    ];
    tables.unshift(paperTable("Tron & Fioresi (arXiv 2409.07412), the MNIST CNN", rows));
    return {
      figures, tables, numbers, timings,
      notes: [
        r.modelSource === "shipped" ? "Model shipped with the package (data/models; trained by the same code, seed 1, and rebuilt by `node examples/dim-spectra.mjs --widths 8,16,64 --epochs 4`)."
          : `Model ${r.modelSource === "cache" ? "loaded from" : "trained and cached in"} ${cacheDir}/.`,
        "The convolutions are ¼ and the dense layer ½ of the paper's widths, trained on 8 000 instead of 60 000 images; `foliate reproduce spectra` runs the paper's 32/64/128 network.",
      ],
      summary: `MNIST median log λ₁ ${sign(mnist.medianLogLambda1)} (paper −1.78); ρ ${sign(r.probeSpearman)}; acc ${(100 * r.accuracy).toFixed(1)} %`,
    };
  },
};
