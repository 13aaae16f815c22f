/**
 * `foliate regions <model>`: exact linear regions (Lei, Luo, Yau, Gu 2020): the breakpoints along a segment
 * a → b (engine.regionsOnLine), or the polygonal partition of a 2-D slice (engine.regionsInPlane), beside the
 * rectified-linear-complexity bounds of the architecture (complexityBounds).
 */
import type { CliCommand } from "../command.js";
import { UsageError } from "../command.js";
import { withEngine } from "../engineSession.js";
import { writeFile } from "node:fs/promises";
import { checkOutputFile, loadModelFile, writeArraysJson } from "../files.js";
import { memoryBound, parseCount } from "../limits.js";
import { modelInfo } from "./info.js";
import { workersOption } from "../engineSession.js";
import { numberList } from "../listOption.js";
import { complexityBounds, type ComplexityBounds } from "../../analyses/regions/bounds.js";
import type { Model } from "../../model/model.js";

/** [input, hidden ReLU widths…, output] of a dense-only ReLU network, else undefined (the bounds are for those). */
export function denseArchitecture(model: Model): number[] | undefined {
  const hidden: number[] = [];
  const L = model.layers.length;
  for (let i = 0; i < L; i++) {
    const l = model.layers[i];
    if (l.type !== "dense") return undefined;
    if (i < L - 1) {
      if (l.activation !== "relu") return undefined;
      hidden.push(l.units);
    } else if (l.activation !== "linear") return undefined;
  }
  return hidden.length ? [model.inputSize, ...hidden, model.outputSize] : undefined;
}

/** The bounds as printable rows: [name, value (exact below 1e15, else 10^x), formula]. */
export function boundRows(b: ComplexityBounds): [string, string, string][] {
  const show = (v: { value: bigint; log10: number }) => (v.log10 < 15 ? v.value.toString() : `10^${v.log10.toFixed(1)}`);
  const rows: [string, string, string][] = [
    ["Lei et al. 2020 (Thm 4.5)", show(b.lei2020), b.lei2020.formula],
    ["Montúfar 2017", show(b.montufar2017), b.montufar2017.formula],
    ["Serra et al. 2018 (upper)", show(b.serra2018), b.serra2018.formula],
    ["2^ReLUs", show(b.trivial), b.trivial.formula],
  ];
  if (b.montufar2014Lower) rows.push(["Montúfar et al. 2014 (lower)", show(b.montufar2014Lower), b.montufar2014Lower.formula]);
  return rows;
}

export const regionsCommand: CliCommand = {
  name: "regions",
  args: "<model>",
  summary: "exact linear regions along a segment (--from/--to) or in a 2-D slice (--plane), or counted in a box (--count), with complexity bounds",
  options: (cmd) => {
    cmd.option("--from <point>", "segment start a (comma-separated, d values)");
    cmd.option("--to <point>", "segment end b (comma-separated, d values)");
    cmd.option("--plane", "partition the slice origin + s·u + t·v (default: a 2-D model's own input plane)");
    cmd.option("--origin <point>", "slice origin (default 0)");
    cmd.option("--u <vector>", "first slice direction (default e₁)");
    cmd.option("--v <vector>", "second slice direction (default e₂)");
    cmd.option("--extent <s0,s1,t0,t1>", "slice rectangle in (s, t)", "-2,2,-2,2");
    cmd.option("--count", "count the regions met by uniform samples of the box --lo/--hi (any dimension; exact too in 2-D)");
    cmd.option("--lo <point>", "box lower corner for --count (a single value applies to every coordinate)", "-1");
    cmd.option("--hi <point>", "box upper corner for --count", "1");
    cmd.option("--samples <n>", "samples for --count", "10000");
    cmd.option("-o, --out <file.json>", "write breakpoints and patterns (line) or polygons, classes, areas and boundary (plane)");
    workersOption(cmd);
  },
  examples: [
    "foliate regions model.json --from -2,0 --to 2,0",
    "foliate regions model.json --plane --extent -3,3,-3,3 --out partition.json",
    "foliate regions mnist-mlp.json --count --lo 0 --hi 1 --samples 20000",
  ],
  async run([path], opts, ctx) {
    const line = opts.from !== undefined || opts.to !== undefined;
    if ([line, !!opts.plane, !!opts.count].filter(Boolean).length !== 1) throw new UsageError("give one of --from <a> --to <b> (a segment), --plane (a 2-D slice) or --count (a box)");
    const out = await checkOutputFile("--out", opts.out, [".json"]);
    const model = await loadModelFile(path);
    const d = model.inputSize;
    const arch = denseArchitecture(model);
    const bounds = arch ? complexityBounds(arch) : undefined;
    const boundsData = bounds ? boundRows(bounds).map(([name, value, formula]) => ({ name, value, formula })) : null;
    const boundsText = bounds ? ["bounds on the regions of [" + arch!.join(", ") + "] in all of input space:", ...boundRows(bounds).map(([n, v]) => `  ${n}: ${v}`)] : ["(complexity bounds need a dense ReLU network)"];
    if (opts.count) {
      const corner = (name: string, v: unknown) => {
        const xs = numberList(name, v);
        return xs.length === 1 ? new Array(d).fill(xs[0]) : xs;
      };
      const lo = corner("--lo", opts.lo), hi = corner("--hi", opts.hi);
      // A sample holds its d float32 coordinates, m logits and m probabilities (float32), its pattern words, its
      // 64-bit region hash, and up to three hash-set entries (≈ 100 bytes) while the regions are counted.
      const bytes = 4 * d + 8 * model.outputSize + 4 * Math.ceil(modelInfo(model).reluUnits / 32) + 8 + 100;
      const samples = parseCount("--samples", opts.samples, { ...memoryBound(bytes, "sample"), min: 2 });
      const t0 = performance.now();
      const r = await withEngine(opts, (engine) => engine.countRegions(model, { box: { lo, hi }, samples }));
      const ms = performance.now() - t0;
      if (out) await writeFile(out, JSON.stringify({ ...r, lo, hi }));
      return {
        data: { kind: "count", ...r, ms, bounds: boundsData, ...(out ? { out } : {}) },
        text: [`${r.distinct} distinct regions among ${r.samples} samples of the box (capture–recapture estimate ${r.captureRecapture.toFixed(0)}, Chao1 ${r.chao1.toFixed(0)}${r.exact !== undefined ? `, exact ${r.exact}` : ""})${out ? `; wrote ${out}` : ""}`, ...boundsText].join("\n"),
      };
    }
    if (line) {
      const a = numberList("--from", opts.from), b = numberList("--to", opts.to);
      const t0 = performance.now();
      const r = await withEngine(opts, (engine) => engine.regionsOnLine(model, a, b));
      const ms = performance.now() - t0;
      const pieces = r.breakpoints.length + 1;
      if (out) await writeArraysJson(out, { breakpoints: { data: r.breakpoints, shape: [r.breakpoints.length] } }, { patterns: Array.from(r.patterns, (h) => h.toString(16).padStart(16, "0")), pieces });
      ctx.log(`regions: ${pieces} pieces on the segment in ${ms.toFixed(1)} ms`);
      return {
        data: { kind: "line", pieces, breakpoints: Array.from(r.breakpoints), ms, bounds: boundsData, ...(out ? { out } : {}) },
        text: [`${pieces} linear pieces on the segment (${r.breakpoints.length} breakpoints)${out ? `; wrote ${out}` : ""}`, ...boundsText].join("\n"),
      };
    }
    const origin = opts.origin !== undefined ? numberList("--origin", opts.origin) : new Array(d).fill(0);
    const u = opts.u !== undefined ? numberList("--u", opts.u) : Array.from({ length: d }, (_, i) => (i === 0 ? 1 : 0));
    const v = opts.v !== undefined ? numberList("--v", opts.v) : Array.from({ length: d }, (_, i) => (i === 1 ? 1 : 0));
    const extent = numberList("--extent", opts.extent, { length: 4 }) as [number, number, number, number];
    if (extent[0] >= extent[1] || extent[2] >= extent[3]) throw new UsageError(`--extent must be s0 < s1, t0 < t1, got ${String(opts.extent)}`);
    const t0 = performance.now();
    const r = await withEngine(opts, (engine) => engine.regionsInPlane(model, origin, u, v, extent));
    const ms = performance.now() - t0;
    if (out) {
      await writeArraysJson(out, {
        vertexStart: { data: r.vertexStart, shape: [r.vertexStart.length] }, vertices: { data: r.vertices, shape: [r.vertices.length / 2, 2] },
        areas: { data: r.areas, shape: [r.count] }, predicted: { data: r.predicted, shape: [r.count] }, boundary: { data: r.boundary, shape: [r.boundary.length / 4, 4] },
      }, { count: r.count, extent, patterns: Array.from(r.patterns, (h) => h.toString(16).padStart(16, "0")) });
    }
    const classes = new Set(r.predicted).size;
    ctx.log(`regions: ${r.count} polygons in ${ms.toFixed(1)} ms`);
    return {
      data: { kind: "plane", count: r.count, classes, boundarySegments: r.boundary.length / 4, ms, bounds: boundsData, ...(out ? { out } : {}) },
      text: [`${r.count} linear regions in the slice [${extent.join(", ")}] (${classes} predicted classes, ${r.boundary.length / 4} decision-boundary segments)${out ? `; wrote ${out}` : ""}`, ...boundsText].join("\n"),
    };
  },
};
