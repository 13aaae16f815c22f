/**
 * The lab page: wires the controls to training (tfjs, in its own Web Worker: lab/trainer.ts) and to Foliate (in
 * two Web Workers). The main thread only validates inputs, paints and routes messages: training reports
 * snapshots with a progress bar and stops at once on Cancel, grid and leaf computations run in the engine's
 * workers, and latest-wins lanes drop stale requests (mouse moves, training snapshots).
 */
import { createEngine, Model, type Engine } from "../dist/index.js";
import { addPoint, DATASETS, makeDataset, type Dataset, type DatasetName } from "./datasets.js";
import { LatestOnly } from "./coalesce.js";
import { traceLeaf, type Leaf } from "./leaves.js";
import { computeGrid, paintGrid, type Grid, type RegionView } from "./regions.js";
import { fieldOf, parseIntegerField } from "./inputs.js";
import { Trainer, TrainingCancelled } from "./trainer.js";

const LO = -1.6, HI = 1.6, SIZE = 520, RES = 200;
const SVG = "http://www.w3.org/2000/svg";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  dataset: $<HTMLSelectElement>("dataset"), npoints: $<HTMLInputElement>("npoints"), seed: $<HTMLInputElement>("seed"),
  clickMode: $<HTMLSelectElement>("click-mode"), arch: $<HTMLSelectElement>("arch"), epochs: $<HTMLInputElement>("epochs"),
  train: $<HTMLButtonElement>("train"), cancel: $<HTMLButtonElement>("cancel"), progress: $<HTMLProgressElement>("train-progress"),
  inputError: $("input-error"), trainStatus: $("train-status"), view: $<HTMLSelectElement>("view"),
  edges: $<HTMLInputElement>("edges"), viewLegend: $("view-legend"), clearLeaves: $<HTMLButtonElement>("clear-leaves"), status: $("status"),
  timings: $("timings"), readout: $("readout"), canvas: $<HTMLCanvasElement>("regions"), overlay: $("overlay") as unknown as SVGSVGElement,
  points: $("points") as unknown as SVGGElement, leaves: $("leaves") as unknown as SVGGElement, markers: $("markers") as unknown as SVGGElement,
};

/** Measured durations (ms) of the last training, grid and leaf computations; read by the end-to-end test. */
const timings: {
  train?: number; grid?: number; leaf?: number; longestTask?: number; longestStartupTask?: number; backend?: string; shared?: boolean;
} = {};
(globalThis as { __lab?: unknown }).__lab = { timings };
let readyAt = Infinity;
// The longest main-thread tasks seen (Long Tasks API, ≥ 50 ms) while loading and once ready: how responsive
// the page stayed.
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.startTime >= readyAt) timings.longestTask = Math.max(timings.longestTask ?? 0, e.duration);
      else timings.longestStartupTask = Math.max(timings.longestStartupTask ?? 0, e.duration);
    }
  }).observe({ type: "longtask", buffered: true });
} catch {
  // no Long Tasks API in this browser
}

let engine: Engine;
let data: Dataset = { points: new Float32Array(0), labels: new Uint8Array(0) };
let model: Model | undefined;
let grid: Grid | undefined;
let training = false;
let trainer: Trainer;
const seeds: [number, number][] = [];

const toPx = (x: number, y: number): [number, number] => [((x - LO) / (HI - LO)) * SIZE, ((HI - y) / (HI - LO)) * SIZE];
const fromPx = (px: number, py: number): [number, number] => [LO + (px / SIZE) * (HI - LO), HI - (py / SIZE) * (HI - LO)];

const report = (e: unknown) => {
  ui.status.textContent = `Error: ${e instanceof Error ? e.message : String(e)}`;
  ui.status.classList.add("warn");
  console.error(e);
};
const gridLane = new LatestOnly(report);
const leafLane = new LatestOnly(report);
const cursorLane = new LatestOnly(report);

function drawPoints(): void {
  ui.points.replaceChildren();
  for (let i = 0; i < data.labels.length; i++) {
    const c = document.createElementNS(SVG, "circle");
    const [px, py] = toPx(data.points[2 * i], data.points[2 * i + 1]);
    c.setAttribute("cx", px.toFixed(1));
    c.setAttribute("cy", py.toFixed(1));
    c.setAttribute("r", "3");
    c.setAttribute("class", `point c${data.labels[i]}`);
    ui.points.append(c);
  }
  updateTrainButton();
}

/** The numeric inputs when all are valid; otherwise undefined, with every problem shown under the controls. */
function readInputs(): { npoints: number; seed: number; epochs: number } | undefined {
  const fields = [[ui.npoints, "Points"], [ui.seed, "Seed"], [ui.epochs, "Epochs"]] as const;
  const errors: string[] = [];
  const values = fields.map(([input, label]) => {
    const r = parseIntegerField(input.value, fieldOf(input, label));
    input.setAttribute("aria-invalid", String("error" in r));
    if ("error" in r) errors.push(r.error);
    return "value" in r ? r.value : NaN;
  });
  ui.inputError.textContent = errors.length ? `${errors.join("; ")}. Nothing is generated or trained until it is fixed.` : "";
  ui.inputError.hidden = errors.length === 0;
  return errors.length ? undefined : { npoints: values[0], seed: values[1], epochs: values[2] };
}

function updateTrainButton(): void {
  ui.train.disabled = training || !readInputs() || new Set(data.labels).size < 2;
}

function newDataset(): void {
  const name = ui.dataset.value as DatasetName;
  const inputs = readInputs();
  if (!inputs) return updateTrainButton(); // the plot keeps the last valid dataset; the message says why
  data = makeDataset(name, inputs.npoints, inputs.seed);
  if (name === "draw" && ui.clickMode.value === "leaves") ui.clickMode.value = "add0";
  drawPoints();
}

const VIEW_LEGENDS: Record<RegionView, string> = {
  decision: "blue: class 0, orange: class 1; pale where the classifier is unsure",
  linear: "one color per activation pattern (linear region)",
  dim: "log₁₀ λ₁ from −8 (dark blue) through −3.5 (teal) to 1 (yellow)",
};

function repaint(): void {
  ui.viewLegend.textContent = VIEW_LEGENDS[ui.view.value as RegionView];
  if (grid) paintGrid(ui.canvas, grid, ui.view.value as RegionView, ui.edges.checked);
}

/** Recompute the grid for the current model (latest request wins). */
function refreshGrid(): void {
  const m = model;
  if (!m) return;
  const withDim = ui.view.value === "dim";
  gridLane.request(async () => {
    const t0 = performance.now();
    const g = await computeGrid(engine, m, RES, LO, HI, withDim);
    timings.grid = performance.now() - t0;
    if (m !== model) return; // a newer model arrived meanwhile
    grid = g;
    repaint();
    document.body.dataset.grid = String((Number(document.body.dataset.grid) || 0) + 1);
    showTimings();
    ui.status.textContent = `${g.regions} linear regions meet the ${RES}×${RES} grid.`;
  });
}

function pathOf(leaf: Leaf): string {
  const p = leaf.points, parts: string[] = [];
  for (let i = 0; i < p.length / 2; i++) {
    const [px, py] = toPx(p[2 * i], p[2 * i + 1]);
    parts.push(`${i === 0 ? "M" : "L"}${px.toFixed(1)} ${py.toFixed(1)}`);
  }
  return parts.join(" ") + (leaf.closed ? " Z" : "");
}

/** Trace the data and kernel leaves through every seed point for the current model. */
function traceLeaves(): void {
  const m = model;
  if (!m) return;
  const todo = seeds.slice();
  leafLane.request(async () => {
    const opts = { step: 0.015, maxSteps: 400, bounds: [LO, HI] as [number, number] };
    const t0 = performance.now();
    const leaves = await Promise.all(todo.flatMap((s) => [traceLeaf(engine, m, s, "data", opts), traceLeaf(engine, m, s, "kernel", opts)]));
    timings.leaf = (performance.now() - t0) / Math.max(1, todo.length);
    if (m !== model) return;
    ui.leaves.replaceChildren();
    ui.markers.replaceChildren();
    for (const leaf of leaves) {
      const path = document.createElementNS(SVG, "path");
      path.setAttribute("class", `leaf ${leaf.kind}`);
      path.setAttribute("d", pathOf(leaf));
      path.dataset.points = String(leaf.points.length / 2);
      ui.leaves.append(path);
    }
    for (const [x, y] of todo) {
      const c = document.createElementNS(SVG, "circle");
      const [px, py] = toPx(x, y);
      c.setAttribute("cx", px.toFixed(1));
      c.setAttribute("cy", py.toFixed(1));
      c.setAttribute("r", "4.5");
      c.setAttribute("class", "seed");
      ui.markers.append(c);
    }
    showTimings();
  });
}

function showTimings(): void {
  const f = (v?: number) => (v === undefined ? "–" : `${v.toFixed(0)} ms`);
  ui.timings.textContent =
    `train ${f(timings.train)} · grid forward ${RES}×${RES} ${f(timings.grid)} · leaves per point ${f(timings.leaf)}` +
    ` · longest main-thread task ${timings.longestTask === undefined ? "< 50 ms" : f(timings.longestTask)}`;
}

async function onTrain(): Promise<void> {
  const inputs = readInputs();
  if (!inputs || training) return;
  training = true;
  ui.train.disabled = true;
  ui.cancel.disabled = false;
  document.body.dataset.state = "training";
  seeds.length = 0;
  ui.leaves.replaceChildren();
  ui.markers.replaceChildren();
  const { epochs } = inputs;
  ui.progress.max = epochs;
  ui.progress.value = 0;
  const t0 = performance.now();
  try {
    const reportEvery = Math.max(25, Math.ceil(epochs / 200)); // at most ≈ 200 snapshots, whatever the epochs
    const result = await trainer.train(data, { hidden: ui.arch.value.split(",").map(Number), epochs, learningRate: 0.03, seed: inputs.seed, reportEvery }, (p) => {
      ui.progress.value = p.epoch;
      ui.trainStatus.textContent = `epoch ${p.epoch}/${epochs} · loss ${p.loss.toFixed(3)} · accuracy ${(100 * p.accuracy).toFixed(1)}%`;
      model = p.model;
      refreshGrid(); // in the engine's workers; training goes on in its own
    }, (epoch) => {
      ui.progress.value = epoch;
      if (!model) ui.trainStatus.textContent = `epoch ${epoch}/${epochs}`;
    });
    timings.train = performance.now() - t0;
    ui.progress.value = epochs;
    ui.trainStatus.textContent = `epoch ${epochs}/${epochs} · loss ${result.loss.toFixed(3)} · accuracy ${(100 * result.accuracy).toFixed(1)}%`;
    model = result.model;
    refreshGrid();
    await gridLane.idle();
    document.body.dataset.state = "trained";
    if (ui.clickMode.value !== "leaves") ui.clickMode.value = "leaves";
  } catch (e) {
    if (e instanceof TrainingCancelled) {
      ui.trainStatus.textContent = `Cancelled at epoch ${ui.progress.value}/${epochs}${model ? "; the plot shows the last snapshot" : ""}.`;
      document.body.dataset.state = "cancelled";
    } else {
      report(e);
      document.body.dataset.state = "ready";
    }
  } finally {
    training = false;
    ui.cancel.disabled = true;
    updateTrainButton();
    showTimings();
  }
}

function eventPoint(e: MouseEvent): [number, number] {
  const r = ui.overlay.getBoundingClientRect();
  return fromPx(((e.clientX - r.left) / r.width) * SIZE, ((e.clientY - r.top) / r.height) * SIZE);
}

function onClick(e: MouseEvent): void {
  const [x, y] = eventPoint(e);
  const mode = ui.clickMode.value;
  if (mode === "add0" || mode === "add1") {
    data = addPoint(data, x, y, mode === "add0" ? 0 : 1);
    drawPoints();
    return;
  }
  if (!model) {
    ui.status.textContent = "Train a classifier first: leaves belong to a trained model.";
    return;
  }
  seeds.push([x, y]);
  if (seeds.length > 4) seeds.shift();
  traceLeaves();
}

function onMove(e: MouseEvent): void {
  const m = model;
  if (!m) return;
  const [x, y] = eventPoint(e);
  cursorLane.request(async () => {
    const r = await engine.dim(m, new Float32Array([x, y]));
    const v = r.eigenvectors;
    ui.readout.textContent =
      `x = (${x.toFixed(3)}, ${y.toFixed(3)})   p(orange) = ${r.probs[1].toFixed(3)}\n` +
      `DIM eigenvalues: λ₁ = ${r.eigenvalues[0].toExponential(3)}, λ₂ = 0 (rank ≤ C − 1 = 1)\n` +
      `top eigenvector v₁ = (${v[0].toFixed(3)}, ${v[1].toFixed(3)})`;
  });
}

async function start(): Promise<void> {
  for (const d of DATASETS) ui.dataset.append(new Option(d.title, d.name));
  ui.dataset.value = "moons";
  ui.dataset.addEventListener("change", newDataset);
  ui.npoints.addEventListener("change", newDataset);
  ui.seed.addEventListener("change", newDataset);
  for (const input of [ui.npoints, ui.seed, ui.epochs]) input.addEventListener("input", updateTrainButton);
  ui.epochs.addEventListener("change", updateTrainButton);
  ui.train.addEventListener("click", () => void onTrain());
  ui.cancel.addEventListener("click", () => trainer.cancel());
  ui.view.addEventListener("change", () => (ui.view.value === "dim" && !grid?.lambda ? refreshGrid() : repaint()));
  ui.edges.addEventListener("change", repaint);
  ui.clearLeaves.addEventListener("click", () => {
    seeds.length = 0;
    ui.leaves.replaceChildren();
    ui.markers.replaceChildren();
  });
  ui.overlay.addEventListener("click", onClick);
  ui.overlay.addEventListener("mousemove", onMove);
  newDataset();
  repaint();
  ui.status.textContent = "Loading the tfjs backend and Foliate's workers…";
  trainer = new Trainer();
  const [tfjs, eng] = await Promise.all([trainer.ready, createEngine({ workers: 2, chunkSize: 2048 })]);
  engine = eng;
  timings.backend = tfjs.backend;
  timings.shared = globalThis.crossOriginIsolated === true;
  const notes = [
    `tfjs backend: ${tfjs.backend}${tfjs.note ? ` (fallback: ${tfjs.note})` : ""}`,
    `Foliate: 2 workers, results ${timings.shared ? "shared (SharedArrayBuffer)" : "copied (page not cross-origin isolated)"}`,
  ];
  ui.status.textContent = notes.join(" · ");
  if (tfjs.note) ui.status.classList.add("warn");
  document.body.dataset.state = "ready";
  readyAt = performance.now();
  drawPoints();
}

start().catch(report);
