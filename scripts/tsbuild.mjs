// Compiles the TypeScript (src/ -> dist/) with tsc, incrementally, and not at all when nothing changed: tsc
// runs only if a file or folder under src/, tsconfig.json or package.json is newer than the stamp
// dist/.tsbuildinfo (tsc's own incremental state, kept inside dist/ so that deleting dist/ forces a full
// build). Run by `npm install` (prepare), `npm test`, `npm start`, `npm run lab` and `npm run bench`;
// `--force` always compiles. `tsc -p tsconfig.json` and `tsc --noEmit` by hand leave the stamp alone.
import { existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, dirname } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stamp = join(root, "dist", ".tsbuildinfo");

/** The newest modification time under `path` (folders included: adding or removing a file changes them). */
function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)));
  return t;
}

const inputsAt = Math.max(newest(join(root, "src")), newest(join(root, "tsconfig.json")), newest(join(root, "package.json")));
if (existsSync(stamp) && statSync(stamp).mtimeMs > inputsAt && !process.argv.includes("--force")) process.exit(0);

const started = new Date();
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const args = [tsc, "-p", "tsconfig.json", "--incremental", "--tsBuildInfoFile", stamp];
const { status } = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
if (status !== 0) {
  // tsc records its errors in its state: date the stamp back so that the next build runs tsc (and reports them) again
  if (existsSync(stamp)) utimesSync(stamp, 0, 0);
  console.error("tsbuild: tsc failed");
  process.exit(status ?? 1);
}
// date the stamp to the start of this compile: a source saved while tsc ran is newer, and compiles next time
utimesSync(stamp, started, started);
console.log("tsbuild: dist/");
