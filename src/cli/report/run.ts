/**
 * Runs the registered sections over a context and writes `<outDir>/index.html`. A section that throws is
 * shown as failed in the report and in the summary; the others still run.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import type { Progress } from "../progress.js";
import { renderReport, type RenderedSection } from "./html.js";
import type { ReportContext, ReportSection } from "./section.js";

export interface ReportRun {
  path: string;
  rendered: RenderedSection[];
  totalMs: number;
  failed: number;
}

export function machineDescription(): string {
  const c = cpus();
  return `${c[0]?.model?.trim() ?? "unknown CPU"} (${c.length} cores), Node ${process.versions.node}, ${process.platform}/${process.arch}`;
}

export async function runReport(ctx: ReportContext, sections: readonly ReportSection[], o: { outDir: string; title: string; progress: Progress; startedAt?: number }): Promise<ReportRun> {
  const t0 = o.startedAt ?? performance.now();
  const rendered: RenderedSection[] = [];
  for (const section of sections) {
    const s0 = performance.now();
    try {
      const result = await section.run(ctx);
      rendered.push({ section, result, ms: performance.now() - s0 });
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      o.progress.line(`section ${section.id} failed: ${message}`);
      rendered.push({ section, error: message, ms: performance.now() - s0 });
    }
  }
  const totalMs = performance.now() - t0;
  const html = renderReport({ title: o.title, generated: new Date().toISOString().replace("T", " ").slice(0, 19) + " UTC", machine: machineDescription(), quick: ctx.quick, totalMs }, rendered);
  await mkdir(o.outDir, { recursive: true });
  const path = resolve(join(o.outDir, "index.html"));
  await writeFile(path, html);
  return { path, rendered, totalMs, failed: rendered.filter((r) => r.error).length };
}

/** The terminal summary: one row per section (status, time, its summary line). */
export function formatSummary(run: ReportRun): string {
  const rows = [["section", "status", "time", "summary"], ...run.rendered.map((r) => [r.section.id, r.error ? "FAILED" : "ok", `${(r.ms / 1000).toFixed(1)} s`, r.error ?? r.result?.summary ?? ""])];
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((v, c) => (c === 2 ? v.padStart(w[c]) : v.padEnd(w[c]))).join("  ").trimEnd();
  return [line(rows[0]), w.map((x) => "─".repeat(x)).join("  "), ...rows.slice(1).map(line)].join("\n");
}
