/**
 * The command registry's contract. One file per command under src/cli/commands/ exports a `CliCommand`;
 * commands/index.ts lists them; main.ts turns each into a commander subcommand with `--help`, `--json` and
 * the exit-code policy (0 ok, 1 usage error, 2 input error). A command never calls process.exit and never
 * writes to stdout directly: it returns its result, and main prints it (as JSON with --json, else `text`).
 */
import type { Command } from "commander";
import type { Progress } from "./progress.js";

export interface CliContext {
  /** True when `--json` was given: results go to stdout as one JSON document. */
  json: boolean;
  /** Progress on stderr (bars on a TTY, plain lines otherwise, silent with --quiet). */
  progress: Progress;
  /** One line of information on stderr (never stdout, which carries results). */
  log(line: string): void;
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM: pass it to every engine call as `signal` so long work stops. */
  signal: AbortSignal;
}

/** What a command returns: `data` is printed with --json; `text` (default: JSON of data) otherwise. */
export interface CliResult {
  data: unknown;
  text?: string;
}

export interface CliCommand {
  /** The subcommand, e.g. "jacobian". */
  name: string;
  /** Positional arguments in commander syntax, e.g. "<model>" or "[model]". */
  args?: string;
  /** One line for `foliate --help`. */
  summary: string;
  /** Declare the command's options (`--json` and `--quiet` are added by main). */
  options?(cmd: Command): void;
  /**
   * The command finishes its own work when `ctx.signal` aborts (the first SIGINT/SIGTERM) and returns normally,
   * however long that takes (`worker` finishes its running jobs): no grace deadline, exit code 0. A second
   * signal still ends the process at once.
   */
  drainsOnSignal?: boolean;
  /** Extra help text (examples) shown after the options. */
  examples?: string[];
  /** Run with the positional arguments and parsed options. Throw FoliateError for bad input, UsageError for bad usage. */
  run(args: string[], opts: Record<string, unknown>, ctx: CliContext): Promise<CliResult | void>;
}

/** Bad usage the parser cannot see (missing one-of options, conflicting options): exit code 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
