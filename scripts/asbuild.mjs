// Builds the Wasm kernels (assembly/ -> build/*.wasm) for every target in asconfig.json, skipping the work
// when every output is newer than every source. Run by `npm install` (prepare), `npm test` and `npm start`.
import { readdirSync, statSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const config = JSON.parse(readFileSync(join(root, "asconfig.json"), "utf8"));

function newestSource(dir) {
  let t = statSync(join(root, "asconfig.json")).mtimeMs;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    t = Math.max(t, f.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return t;
}

const sourcesAt = newestSource(join(root, "assembly"));
mkdirSync(join(root, "build"), { recursive: true });
let failed = false;
for (const [target, opts] of Object.entries(config.targets)) {
  const out = join(root, opts.outFile);
  if (existsSync(out) && statSync(out).mtimeMs > sourcesAt && !process.argv.includes("--force")) continue;
  const { default: asc } = await import("assemblyscript/asc"); // loaded only when a target is stale
  const { error, stderr } = await asc.main(["assembly/index.ts", "--config", "asconfig.json", "--target", target], {
    stdout: process.stdout,
    stderr: process.stderr,
  });
  if (error) {
    console.error(`asbuild: target ${target} failed: ${error.message}`);
    failed = true;
  } else {
    console.log(`asbuild: ${opts.outFile}`);
  }
}
process.exit(failed ? 1 : 0);
