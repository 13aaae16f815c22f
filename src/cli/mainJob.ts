/**
 * The main job (`npm start` = `foliate start`): (a) train the zoo's models or load them from the cache,
 * (b) run every registered report section, (c) write report/index.html, (d) print a summary table and the
 * report's path. Offline; progress per stage on stderr.
 */
import { createEngine } from "../api/engine.js";
import { RECIPES } from "./models/zoo.js";
import { subjectFor } from "./models/train.js";
import type { Progress } from "./progress.js";
import { formatSummary, runReport, type ReportRun } from "./report/run.js";
import { sections } from "./report/sections/index.js";
import type { Subject } from "./report/section.js";

export interface MainJobOptions {
  quick: boolean;
  outDir: string;
  cacheDir?: string;
  /** Retrain even when the cache has the model. */
  fresh?: boolean;
  workers?: number;
  seed?: number;
  progress: Progress;
}

export async function runMainJob(o: MainJobOptions): Promise<ReportRun & { summary: string; subjects: Subject[] }> {
  const t0 = performance.now();
  const subjects: Subject[] = [];
  for (const recipe of RECIPES) {
    const epochs = o.quick ? recipe.quickEpochs : recipe.epochs;
    const stage = o.progress.stage(`model ${recipe.id}`, epochs);
    const s = await subjectFor(recipe, { quick: o.quick, cacheDir: o.cacheDir, fresh: o.fresh, onEpoch: (done) => stage.update(done) });
    stage.done(s.training?.cached ? "from cache" : `test accuracy ${(100 * s.training!.testAccuracy).toFixed(1)}%`);
    subjects.push(s);
  }
  const engine = await createEngine({ workers: o.workers });
  try {
    const run = await runReport(
      { engine, subjects, quick: o.quick, seed: o.seed ?? 1, cacheDir: o.cacheDir, stage: (name, total) => o.progress.stage(name, total) },
      sections,
      { outDir: o.outDir, title: "Foliate report", progress: o.progress, startedAt: t0 },
    );
    return { ...run, subjects, summary: formatSummary(run) };
  } finally {
    await engine.close();
  }
}
