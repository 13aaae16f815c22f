/**
 * The figure of reproduction 1 as a Vega-Lite spec: per dataset, the median of log10 λ_j against the
 * eigen-position j (1 = largest) with the 10–90 % band, one colour per dataset. Render it with vega in Node:
 * `new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "none" }).toSVG()`.
 */
import type { DimSpectraResult } from "./dimSpectra.js";

export function dimSpectraPlotSpec(result: Pick<DimSpectraResult, "plot" | "config">, title = "DIM spectra across datasets"): Record<string, unknown> {
  const x = { field: "position", type: "quantitative", title: "eigen-position j (1 = largest)", axis: { tickMinStep: 1 } };
  const color = { field: "dataset", type: "nominal", title: "dataset" };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    width: 420,
    height: 300,
    data: { values: result.plot },
    layer: [
      { mark: { type: "area", opacity: 0.15 }, encoding: { x, y: { field: "q10", type: "quantitative" }, y2: { field: "q90" }, color } },
      {
        mark: { type: "line", point: true },
        encoding: { x, y: { field: "median", type: "quantitative", title: `log10 λ_j (median, 10–90 % band; floor ${result.config.floor})` }, color },
      },
    ],
  };
}
