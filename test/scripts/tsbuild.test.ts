/**
 * scripts/tsbuild.mjs (issue 12, item 6): `npm start` and `npm test` compile the TypeScript only when a
 * source changed, incrementally. Exercised on a two-file project in a temporary folder (its own src/,
 * tsconfig.json and package.json; this repository's node_modules), never on this repository's dist/.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "../..");
let dir: string;

function tsbuild(): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(dir, "scripts/tsbuild.mjs")], { cwd: dir, encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

const write = (file: string, text: string) => writeFileSync(join(dir, file), text);
const mtime = (file: string) => statSync(join(dir, file)).mtimeMs;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "foliate-tsbuild-"));
  mkdirSync(join(dir, "scripts"));
  mkdirSync(join(dir, "src"));
  copyFileSync(join(repo, "scripts/tsbuild.mjs"), join(dir, "scripts/tsbuild.mjs"));
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  write("package.json", JSON.stringify({ name: "p", type: "module" }));
  write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", strict: true, outDir: "dist", rootDir: "src", types: [] }, include: ["src/**/*.ts"] }));
  write("src/a.ts", "export const a: number = 1;\n");
  write("src/b.ts", 'import { a } from "./a.js";\nexport const b = a + 1;\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("compiles once, skips tsc while nothing changed, recompiles after an edit, a new file, a type error, or dist/ removed", () => {
  const first = tsbuild();
  expect(first.status, first.out).toBe(0);
  expect(first.out).toContain("tsbuild: dist/");
  expect(readFileSync(join(dir, "dist/b.js"), "utf8")).toContain("a + 1");

  // nothing changed: tsc does not run (no output, outputs untouched)
  const before = mtime("dist/b.js");
  const again = tsbuild();
  expect(again).toEqual({ status: 0, out: "" });
  expect(mtime("dist/b.js")).toBe(before);

  // an edited source is compiled
  write("src/b.ts", 'import { a } from "./a.js";\nexport const b = a + 2;\n');
  expect(tsbuild().status).toBe(0);
  expect(readFileSync(join(dir, "dist/b.js"), "utf8")).toContain("a + 2");
  expect(tsbuild().out).toBe("");

  // a new file is compiled
  write("src/c.ts", "export const c = 3;\n");
  expect(tsbuild().status).toBe(0);
  expect(existsSync(join(dir, "dist/c.js"))).toBe(true);

  // a type error fails the build, and keeps failing until fixed (never skipped as up to date)
  write("src/a.ts", 'export const a: number = "one";\n');
  const bad = tsbuild();
  expect(bad.status).not.toBe(0);
  expect(bad.out).toMatch(/TS2322/);
  expect(tsbuild().status).not.toBe(0);
  write("src/a.ts", "export const a: number = 1;\n");
  expect(tsbuild().status).toBe(0);

  // dist/ removed (the incremental state with it): a full build
  rmSync(join(dir, "dist"), { recursive: true });
  expect(tsbuild().status).toBe(0);
  expect(["a.js", "b.js", "c.js"].every((f) => existsSync(join(dir, "dist", f)))).toBe(true);
}, 120_000);
