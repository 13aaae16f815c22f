/**
 * The report's registry contract. Each analysis contributes one ReportSection (one file under
 * src/cli/report/sections/, listed in sections/index.ts). The runner gives every section the same context —
 * the engine, the subjects (trained models with their data), progress — and renders what it returns.
 */
import type { Engine } from "../../api/engine.js";
import type { Model } from "../../model/model.js";
import type { LabeledSet } from "../../datasets/toy2d.js";
import type { Stage } from "../progress.js";

/** A model under study with its data. In `foliate start` these are the zoo's trained models. */
export interface Subject {
  /** Stable id, e.g. "moons-mlp". */
  id: string;
  title: string;
  model: Model;
  /** Training data (for `foliate report`, the given data). */
  train: LabeledSet;
  /** Held-out data the analyses run on (for `foliate report`, the given data). */
  test: LabeledSet;
  /** Training facts when the model was trained here. */
  training?: { trainAccuracy: number; testAccuracy: number; epochs: number; ms: number; cached: boolean };
}

export interface ReportContext {
  engine: Engine;
  subjects: Subject[];
  /** Reduced sizes for tests and smoke runs. */
  quick: boolean;
  /** Seed for every random choice a section makes. */
  seed: number;
  /** Folder for trained models that sections cache (`foliate start --cache`); default `cache/`. */
  cacheDir?: string;
  /** A progress stage (bar on a TTY, lines otherwise). */
  stage(name: string, total: number): Stage;
}

/** One figure: an inline SVG string (rendered with charts.ts) and its caption. */
export interface Figure {
  svg: string;
  caption: string;
}

export interface Table {
  caption: string;
  headers: string[];
  rows: (string | number)[][];
}

/** A headline number, beside the published value where a paper gives one. */
export interface NumberRow {
  name: string;
  value: number | string;
  unit?: string;
  published?: { value: number | string; source: string };
}

export interface Timing {
  what: string;
  ms: number;
  /** Points processed, when it makes sense (the report adds points/s). */
  points?: number;
}

export interface SectionResult {
  figures: Figure[];
  tables: Table[];
  numbers: NumberRow[];
  timings: Timing[];
  notes?: string[];
  /** One line for the terminal's summary table. */
  summary?: string;
}

export interface ReportSection {
  /** Stable anchor id, e.g. "engine-core". Also the section's HTML id. */
  id: string;
  title: string;
  /** What it is, in two sentences. */
  about: string;
  run(ctx: ReportContext): Promise<SectionResult>;
}

/** Time an async step into a Timing list. */
export async function timed<T>(timings: Timing[], what: string, fn: () => Promise<T>, points?: number): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  timings.push({ what, ms: performance.now() - t0, ...(points !== undefined ? { points } : {}) });
  return r;
}
