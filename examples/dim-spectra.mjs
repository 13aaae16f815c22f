// Reproduction 1 of issue 3 (DIM spectra across datasets), full or reduced form, from the built package:
//   npm run build && node examples/dim-spectra.mjs [--widths 32,64,128] [--pool max|avg] [--epochs 3] [--points 250]
//     [--train 8000] [--cache .cache/models] [--workers 0] [--out spectra.json] [--svg spectra.svg]
// Prints our table beside the authors' published medians; --out writes the result (tables, plot data),
// --svg the figure (median log10 λ_j per eigen-position with the 10–90 % band, per dataset).
import { writeFileSync } from "node:fs";
import { runDimSpectra } from "../dist/experiments/dimSpectra.js";
import { dimSpectraPlotSpec } from "../dist/experiments/dimSpectraPlot.js";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const num = (k, d) => (args[k] === undefined ? d : Number(args[k]));
const [conv1, conv2, dense] = (args.widths ?? "32,64,128").split(",").map(Number);
const res = await runDimSpectra({
  widths: { conv1, conv2, dense },
  pool: args.pool ?? "max",
  epochs: num("epochs", 3),
  trainLimit: num("train", undefined),
  points: num("points", 250),
  seed: num("seed", 1),
  workers: num("workers", 0),
  cacheDir: args.cache ?? ".cache/models",
  log: (m) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`),
});
console.log(res.table);
if (args.out) {
  const plain = { ...res, model: undefined, signatures: Object.fromEntries(Object.entries(res.signatures).map(([k, s]) => [k, { ...s, median: [...s.median], q10: [...s.q10], q90: [...s.q90], samples: undefined }])), distances: { names: res.distances.names, matrix: [...res.distances.matrix] } };
  writeFileSync(args.out, JSON.stringify(plain, null, 1));
}
if (args.svg) {
  const vega = await import("vega");
  const vegaLite = await import("vega-lite");
  const view = new vega.View(vega.parse(vegaLite.compile(dimSpectraPlotSpec(res)).spec), { renderer: "none" });
  writeFileSync(args.svg, await view.toSVG());
  view.finalize();
}
