/**
 * The report as ONE self-contained HTML file: inline CSS and inline SVG, no script, no external resource
 * (tests assert the file contains no URL). Sections appear in registry order with a table of contents.
 */
import type { ReportSection, SectionResult } from "./section.js";

export interface RenderedSection {
  section: Pick<ReportSection, "id" | "title" | "about">;
  result?: SectionResult;
  error?: string;
  ms: number;
}

export interface ReportMeta {
  title: string;
  generated: string;
  machine: string;
  quick: boolean;
  totalMs: number;
}

const esc = (s: unknown) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
/** Inline `code` spans in prose. */
const prose = (s: string) => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");

const CSS = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:1100px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.5rem}
.meta{color:#666;font-size:.9rem}.about{background:#f6f8fa;border-left:3px solid #4c78a8;padding:.5rem .8rem}
figure{display:inline-block;vertical-align:top;margin:.5rem 1rem 1rem 0;max-width:100%;box-sizing:border-box}figure>svg{display:block;width:100%;height:auto}figcaption{font-size:.85rem;color:#444}
.table{max-width:100%;overflow-x:auto}table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.85rem}th,td{border:1px solid #ddd;padding:.2rem .5rem;text-align:right}
th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}caption{text-align:left;font-weight:600;padding:.3rem 0}
.error{color:#b00;font-weight:600}code{background:#f0f0f0;padding:0 .2rem}nav li{margin:.1rem 0}`;

/**
 * A number as a table shows it: integers whole, others to 4 significant digits, and a value that is not a
 * finite number as "—" (a section that can produce one says why in its own cell; NaN is never shown).
 */
export function cellText(v: string | number): string {
  if (typeof v !== "number") return v;
  if (!Number.isFinite(v)) return "— (not a number)";
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

function table(caption: string, headers: string[], rows: (string | number)[][]): string {
  // a table wider than the page scrolls inside its own box instead of widening the page
  return `<div class="table"><table><caption>${esc(caption)}</caption><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((v) => `<td>${esc(cellText(v))}</td>`).join("")}</tr>`)
    .join("")}</tbody></table></div>`;
}

/**
 * A figure as wide as its chart's natural width and never wider than its container: the SVG then scales
 * down with its viewBox (a chart with a fixed pixel width would otherwise overflow and be painted over by
 * its neighbour), and the caption wraps at the chart's width instead of widening the figure.
 */
function figure(svg: string, caption: string): string {
  const width = Number(/^<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
  const style = Number.isFinite(width) && width > 0 ? ` style="width:${width}px"` : "";
  return `<figure${style}>${svg}<figcaption>${prose(caption)}</figcaption></figure>`;
}

function renderSection({ section, result, error, ms }: RenderedSection): string {
  const parts = [`<section id="${esc(section.id)}">`, `<h2>${esc(section.title)}</h2>`, `<p class="about">${prose(section.about)}</p>`];
  if (error) parts.push(`<p class="error">This section failed: ${esc(error)}</p>`);
  if (result) {
    for (const f of result.figures) parts.push(figure(f.svg, f.caption));
    if (result.numbers.length)
      parts.push(table("Numbers", ["quantity", "value", "published / expected", "source"], result.numbers.map((n) => [n.name, `${cellText(n.value)}${n.unit ? ` ${n.unit}` : ""}`, n.published ? String(n.published.value) : "–", n.published?.source ?? ""])));
    for (const t of result.tables) parts.push(table(t.caption, t.headers, t.rows));
    for (const note of result.notes ?? []) parts.push(`<p>${prose(note)}</p>`);
    parts.push(table(`Timings (section total ${(ms / 1000).toFixed(2)} s)`, ["step", "ms", "points/s"], result.timings.map((t) => [t.what, t.ms.toFixed(1), t.points ? Math.round((t.points / t.ms) * 1000) : "–"])));
  }
  parts.push("</section>");
  return parts.join("\n");
}

export function renderReport(meta: ReportMeta, rendered: RenderedSection[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(meta.title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(meta.title)}</h1>
<p class="meta">Generated ${esc(meta.generated)} on ${esc(meta.machine)} in ${(meta.totalMs / 1000).toFixed(1)} s${meta.quick ? " (quick mode: reduced sizes)" : ""}.</p>
<nav><ul>${rendered.map((r) => `<li><a href="#${esc(r.section.id)}">${esc(r.section.title)}</a>${r.error ? " (failed)" : ""}</li>`).join("")}</ul></nav>
${rendered.map(renderSection).join("\n")}
</body></html>
`;
}
