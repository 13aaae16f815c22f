#!/usr/bin/env node
/** The `foliate` executable (package.json "bin"). See src/cli/program.ts for commands and exit codes. */
import { runCli } from "./program.js";

runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`foliate: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 3;
  },
);
