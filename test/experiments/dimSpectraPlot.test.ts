import { describe, expect, test } from "vitest";
import * as vega from "vega";
import * as vegaLite from "vega-lite";
import { dimSpectraPlotSpec } from "../../src/experiments/dimSpectraPlot.js";

describe("dimSpectraPlotSpec", () => {
  test("renders to SVG with one line per dataset", async () => {
    const plot = ["mnist", "noise"].flatMap((dataset, k) =>
      [1, 2, 3].map((position) => ({ dataset, position, median: -k - position, q10: -k - position - 0.5, q90: -k - position + 0.5 })));
    const spec = dimSpectraPlotSpec({ plot, config: { floor: -20 } as never });
    const view = new vega.View(vega.parse(vegaLite.compile(spec as never).spec), { renderer: "none" });
    const svg = await view.toSVG();
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("mnist");
    expect(svg).toContain("noise");
    expect((svg.match(/class="mark-line/g) ?? []).length).toBeGreaterThanOrEqual(1);
    view.finalize();
  });
});
