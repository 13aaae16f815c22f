/**
 * The results directory of distributed runs (`--results DIR`, a path every worker can reach): each run has
 * its folder DIR/<run id>/; each shard's files are written atomically (a temporary name, then rename) and
 * named with their SHA-256; the coordinator checks them and writes DIR/<run id>/manifest.json listing every
 * shard file once with its checksum, shape and dtype. No path can leave DIR.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile, rm } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { ResultsPathError } from "./errors.js";
import { OptionError } from "../errors.js";

/** Run ids and file names: letters, digits, '.', '_', '-'; 1..80 characters; not "." or "..". */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

export function checkRunId(id: unknown): string {
  const s = String(id);
  if (!SAFE_NAME.test(s) || s.includes("..")) throw new OptionError(`a run id must be 1–80 letters, digits, '.', '_' or '-' (starting with a letter or digit), got "${s}"`);
  return s;
}

/** DIR/<parts…>, refusing any result that is not strictly inside DIR. */
export function resultsPath(dir: string, ...parts: string[]): string {
  const root = resolve(dir);
  for (const p of parts) if (!SAFE_NAME.test(p) || p.includes("..")) throw new ResultsPathError(`results file name "${p}" is not a plain name (letters, digits, '.', '_', '-')`);
  const full = resolve(root, ...parts);
  const rel = relative(root, full);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel) || rel.split(sep).includes("..")) throw new ResultsPathError(`results path ${full} is outside the results directory ${root}`);
  return full;
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Write `bytes` to `path` atomically: a unique temporary name in the same folder, then rename. */
export async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** One shard file as listed in a run's manifest. */
export interface ShardFile {
  shard: number;
  /** The array's name ("jacobian", "eigenvalues", …). */
  array: string;
  /** File name inside DIR/<run id>/. */
  file: string;
  sha256: string;
  shape: number[];
  dtype: string;
  bytes: number;
}

/** Read a shard file back, refusing it when its bytes do not match the checksum the worker reported. */
export async function readShardFile(dir: string, runId: string, f: ShardFile): Promise<Uint8Array> {
  const path = resultsPath(dir, runId, f.file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new ResultsPathError(`shard ${f.shard}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is --results the same directory on every machine?`);
  }
  const sum = sha256(bytes);
  if (sum !== f.sha256) throw new ResultsPathError(`shard ${f.shard}: ${path} has SHA-256 ${sum.slice(0, 12)}…, the worker wrote ${f.sha256.slice(0, 12)}…`);
  return bytes;
}

export interface Manifest {
  run: string;
  kind: string;
  shards: number;
  files: ShardFile[];
}

export async function writeManifest(dir: string, m: Manifest): Promise<string> {
  const path = resultsPath(dir, m.run, "manifest.json");
  await writeAtomic(path, JSON.stringify(m, null, 1));
  return path;
}
