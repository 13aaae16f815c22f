/**
 * Charts: Vega-Lite specs compiled to Vega and rendered to SVG in Node (no browser, no DOM). The SVG is
 * inlined into the report, so the namespace attributes (which HTML does not need) are dropped: the report
 * then contains no URL at all.
 */
import * as vega from "vega";
import * as vegaLite from "vega-lite";

/** Shared look: small sans-serif text, no outer border. */
const CONFIG = {
  font: "system-ui, -apple-system, Segoe UI, sans-serif",
  view: { stroke: null },
  // no per-mark ARIA labels: they would triple the size of charts with thousands of marks
  mark: { aria: false },
  aria: false,
  axis: { labelFontSize: 10, titleFontSize: 11 },
  // labels as long as the report's (network and data-set names) are shown whole, not cut at 160 px
  legend: { labelFontSize: 10, titleFontSize: 11, labelLimit: 320 },
};

let chartCount = 0;

/**
 * Render a Vega-Lite spec to an SVG string for inlining. Element ids (clip paths, gradients) are prefixed
 * per chart: inline SVGs share the document's id space, and two charts' "gradient_0" would collide.
 * Rect marks (heat-map cells, bars) are drawn with crisp edges: anti-aliased edges of adjacent cells at
 * fractional pixel positions each cover the shared pixel partly and leave a light hairline seam between them.
 */
export async function renderChart(spec: Record<string, unknown>): Promise<string> {
  const prefix = `chart${++chartCount}-`;
  const full = { $schema: undefined, config: CONFIG, ...spec };
  delete full.$schema;
  // Warnings would go to the console (stdout carries results): keep errors only; they throw anyway.
  const compiled = vegaLite.compile(full as never, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
  try {
    const svg = await view.toSVG();
    return svg
      .replace(/\s+xmlns(:xlink)?="[^"]*"/g, "")
      .replace(/xlink:href=/g, "href=")
      .replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
      .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
      .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`)
      .replace(/<g class="mark-rect role-mark/g, '<g shape-rendering="crispEdges" class="mark-rect role-mark');
  } finally {
    view.finalize();
  }
}
