import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { sections } from "../../src/cli/report/sections/index.js";
import { foliate } from "./run.js";

test("foliate start --quick writes one self-contained report with every section, and reuses the model cache", async () => {
  const dir = mkdtempSync(join(tmpdir(), "foliate-start-"));
  const out = join(dir, "report"), cache = join(dir, "cache");
  const r = await foliate(["start", "--quick", "--out", out, "--cache", cache, "--workers", "2", "--json"], 240_000);
  expect(r.code, r.stderr).toBe(0);
  const summary = JSON.parse(r.stdout);
  expect(summary.report).toBe(join(out, "index.html"));
  expect(summary.failed).toBe(0);
  expect(summary.sections.map((s: { id: string }) => s.id)).toEqual(sections.map((s) => s.id));
  expect(r.stderr).toMatch(/model moons-mlp: done/); // plain progress lines (not a TTY)
  const html = readFileSync(summary.report, "utf8");
  for (const s of sections) expect(html).toContain(`<section id="${s.id}">`);
  // no URL at all, nothing to fetch (url(#id) is an in-document reference)
  const external = html.match(/https?:\/\/[^"' )]*|\/\/[a-z0-9.-]+\.[a-z]{2,}\/[^"' ]*|<script|<link|<img|<iframe|@import|url\((?!#)[^)]*\)/gi);
  expect(external).toBeNull();
  expect(html).not.toContain("This section failed");
  const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]); // inline SVGs share one id space
  expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
  expect(html).toMatch(/engine core|Engine core/);

  // second run: both models come from the cache
  const again = await foliate(["start", "--quick", "--out", out, "--cache", cache, "--workers", "2"], 240_000);
  expect(again.code, again.stderr).toBe(0);
  expect(again.stderr.match(/done in .* \(from cache\)/g)).toHaveLength(2);
  expect(again.stdout).toContain(`report: ${join(out, "index.html")}`);
}, 500_000);
