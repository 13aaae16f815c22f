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

const NUM = "(-?[\\d.]+(?:e[-+]?\\d+)?)";
const RECT = new RegExp(`d="M${NUM},${NUM}h${NUM}v${NUM}h${NUM}Z"`, "g");
/** Coordinates rounded to 1/1000 px: the shared edge of two neighbouring cells becomes the same number. */
const r3 = (v: number) => String(Math.round(v * 1000) / 1000);

/**
 * A group of rect marks drawn without seams. Anti-aliased edges of adjacent cells at fractional pixel
 * positions each cover the shared pixel partly and leave a light hairline between them; drawn with crisp
 * edges they snap to pixels, but vega writes each cell as x + width, and where x + width and the next cell's
 * x differ in the last bits and straddle a half pixel, the two snap apart and leave a 1-px gap. So every cell
 * is rewritten with absolute edges rounded to 1/1000 px (neighbours then share the same number, and snap
 * together) and the group gets shape-rendering="crispEdges".
 */
function seamlessRects(group: string): string {
  return group
    .replace("<g ", '<g shape-rendering="crispEdges" ')
    .replace(RECT, (_m, x, y, w, h) => {
      const x0 = +x, y0 = +y, x1 = x0 + +w, y1 = y0 + +h;
      return `d="M${r3(x0)},${r3(y0)}H${r3(x1)}V${r3(y1)}H${r3(x0)}Z"`;
    });
}

/**
 * Render a Vega-Lite spec to an SVG string for inlining. Element ids (clip paths, gradients) are prefixed
 * per chart: inline SVGs share the document's id space, and two charts' "gradient_0" would collide.
 * Rect marks (heat-map cells, bars) are drawn seamlessly (seamlessRects).
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
      .replace(/<g class="mark-rect role-mark[^>]*>.*?<\/g>/gs, seamlessRects);
  } finally {
    view.finalize();
  }
}
