#!/usr/bin/env node
/** The `foliate` executable (package.json "bin"). See src/cli/program.ts for commands and exit codes. */
import { EXIT, runCli } from "./program.js";

runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
    // Interrupted (Ctrl-C, SIGTERM): work that ignored the abort may still hold workers; do not wait for it.
    if (code === EXIT.sigint || code === EXIT.sigterm) process.exit(code);
  },
  (e) => {
    process.stderr.write(`foliate: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 3;
  },
);
