/**
 * The report's layout in real headless Chromium (Debian's `chromium`, driven by playwright-core): at 1 400 px
 * and at 800 px every figure lies inside its section and every chart inside its figure (none is painted over
 * by its neighbour), figures do not overlap, the page does not scroll sideways, and heat-map cells are drawn
 * without seams.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderChart } from "../../src/cli/report/charts.js";
import { foliate } from "./run.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const missing = () => new Error(`Chromium is missing at ${CHROMIUM}: install Debian's package (apt-get install -y chromium); .ci/run does this before npm test`);

interface Box { left: number; right: number; top: number; bottom: number }
interface FigureBoxes { section: string; index: number; figure: Box; chart: Box; container: Box }

/** Bounding boxes of every figure, its chart (the inline SVG) and its section, in page coordinates. */
async function figureBoxes(page: Page): Promise<FigureBoxes[]> {
  return page.$$eval("figure", (figs) => {
    const box = (e: Element) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top + scrollY, bottom: r.bottom + scrollY };
    };
    return figs.map((f, index) => ({ section: f.closest("section")!.id, index, figure: box(f), chart: box(f.querySelector("svg")!), container: box(f.parentElement!) }));
  });
}

const within = (a: Box, b: Box) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
const overlap = (a: Box, b: Box) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;

describe("the report in headless Chromium", () => {
  let browser: Browser;
  let dir: string;
  let report: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) return; // the tests fail below, by name, rather than being reported as skipped
    dir = mkdtempSync(join(tmpdir(), "foliate-report-layout-"));
    const r = await foliate(["start", "--quick", "--out", join(dir, "report"), "--cache", join(dir, "cache"), "--workers", "2", "-q"], 360_000);
    if (r.code !== 0) throw new Error(`foliate start --quick failed: ${r.stderr}`);
    report = pathToFileURL(join(dir, "report", "index.html")).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows no NaN in any table, and puts the papers' published values beside ours, one row each", async () => {
    if (!browser) throw missing();
    const html = readFileSync(new URL(report), "utf8");
    const text = html.replace(/<svg.*?<\/svg>/gs, "");
    expect(text).not.toMatch(/>\s*NaN\b|\bNaN\s*</);
    for (const id of ["dim-spectra", "ricci-flow"]) {
      const section = html.slice(html.indexOf(`<section id="${id}">`), html.indexOf("</section>", html.indexOf(`<section id="${id}">`)));
      expect(section).toContain("<caption>Published values beside ours:");
      expect(section).toContain("<th>paper&#39;s setting</th>".replace("&#39;", "'"));
    }
    expect(html).toMatch(/<td>median log₁₀ λ₁ on MNIST<\/td><td>[^<]*<\/td><td>−1.78<\/td><td>[-+]\d\.\d\d<\/td>/);
    expect(html).toMatch(/<td>fraction of well-trained networks with ρ_10 &lt; 0<\/td>/);
  });

  for (const width of [1400, 800]) {
    it(`at ${width} px no figure is wider than its box, none overlaps another, the page does not scroll sideways`, async () => {
      if (!browser) throw missing();
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        await page.goto(report);
        const boxes = await figureBoxes(page);
        expect(boxes.length).toBeGreaterThanOrEqual(15);
        const outside = boxes.filter((b) => !within(b.chart, b.figure) || !within(b.figure, b.container)).map((b) => `${b.section} figure ${b.index}: chart ${JSON.stringify(b.chart)} figure ${JSON.stringify(b.figure)} box ${JSON.stringify(b.container)}`);
        expect(outside).toEqual([]);
        const overlapping: string[] = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlap(boxes[i].figure, boxes[j].figure)) overlapping.push(`${boxes[i].index} and ${boxes[j].index}`);
        expect(overlapping).toEqual([]);
        const sideways = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
        expect(sideways).toBeLessThanOrEqual(0);
      } finally {
        await page.close();
      }
    });
  }

  it("draws a heat map of one colour without light seams between its cells", async () => {
    if (!browser) throw missing();
    // 37×23 cells of fractional pixel size (300/37 × 200/23), all one colour
    const cells = [];
    for (let i = 0; i < 37; i++) for (let j = 0; j < 23; j++) cells.push({ x: i, x2: i + 1, y: j, y2: j + 1 });
    const svg = await renderChart({ width: 300, height: 200, data: { values: cells }, mark: "rect", encoding: { x: { field: "x", type: "quantitative", axis: null, scale: { domain: [0, 37], nice: false } }, x2: { field: "x2" }, y: { field: "y", type: "quantitative", axis: null, scale: { domain: [0, 23], nice: false } }, y2: { field: "y2" }, color: { value: "#204080" } } });
    const page = await browser.newPage({ viewport: { width: 400, height: 300 } });
    try {
      await page.setContent(`<body style="margin:0;background:#fff">${svg}</body>`);
      // rasterise the same SVG in the page and read its pixels inside the plot (1 px in from its border)
      const light = await page.evaluate(async () => {
        const el = document.querySelector("svg")!;
        el.setAttribute("xmlns", "http://www.w3.org/2000/svg");
        const img = new Image();
        img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(el.outerHTML);
        await img.decode();
        const canvas = document.createElement("canvas");
        canvas.width = img.width;
        canvas.height = img.height;
        const g = canvas.getContext("2d")!;
        g.fillStyle = "#fff";
        g.fillRect(0, 0, canvas.width, canvas.height);
        g.drawImage(img, 0, 0);
        const plot = el.querySelector(".mark-rect")!.getBoundingClientRect(), svgBox = el.getBoundingClientRect();
        const x0 = Math.ceil(plot.left - svgBox.left) + 1, x1 = Math.floor(plot.right - svgBox.left) - 1;
        const y0 = Math.ceil(plot.top - svgBox.top) + 1, y1 = Math.floor(plot.bottom - svgBox.top) - 1;
        const d = g.getImageData(x0, y0, x1 - x0, y1 - y0).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 0x20 + 8 || d[i + 1] > 0x40 + 8 || d[i + 2] > 0x80 + 8) n++;
        return { n, pixels: d.length / 4 };
      });
      expect(light.pixels).toBeGreaterThan(250 * 150);
      expect(light.n).toBe(0);
    } finally {
      await page.close();
    }
  });
});
