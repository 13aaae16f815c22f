/**
 * Builds the `foliate` program from the command registry and applies the exit-code policy:
 * 0 ok; 1 usage error (unknown command or option, missing argument: commander's message and a hint);
 * 2 input error (any FoliateError: one line "foliate <command>: <message> [CODE]" on stderr);
 * 3 internal error (a bug: the stack trace);
 * 130 / 143 stopped by Ctrl-C (SIGINT) / SIGTERM: the command's engine calls are aborted through `ctx.signal`
 * (their workers stopped), one line "foliate <command>: stopped by SIGINT" is printed, nothing more is written.
 * A second signal, or work that has not stopped within `ABORT_GRACE_MS`, ends the process at once. A command
 * marked `drainsOnSignal` (`worker`) has no deadline: it finishes its work on the first signal and exits 0.
 */
import { Command, CommanderError } from "commander";
import { FoliateError } from "../errors.js";
import { UsageError, type CliCommand, type CliResult } from "./command.js";
import { commands } from "./commands/index.js";
import { Progress, type TextSink } from "./progress.js";

export const EXIT = { ok: 0, usage: 1, input: 2, internal: 3, sigint: 130, sigterm: 143 } as const;

/** How long an interrupted command may take to stop its workers before runCli returns anyway. */
export const ABORT_GRACE_MS = 2000;

/** Why the command's signal was aborted. */
export class InterruptError extends Error {
  override readonly name = "InterruptError";
  constructor(readonly signalName: "SIGINT" | "SIGTERM") {
    super(`stopped by ${signalName}`);
  }
}

export interface CliStreams {
  stdout: TextSink;
  stderr: TextSink;
}

function defineCommand(program: Command, c: CliCommand, outcome: { result?: CliResult | void; json: boolean }, streams: CliStreams, signal: AbortSignal): void {
  const sub = program.command(c.args ? `${c.name} ${c.args}` : c.name).description(c.summary);
  c.options?.(sub);
  sub.option("--json", "print the result as one JSON document on stdout");
  sub.option("-q, --quiet", "no progress on stderr");
  if (c.examples?.length) sub.addHelpText("after", `\nExamples:\n${c.examples.map((e) => `  $ ${e}`).join("\n")}`);
  sub.action(async function (this: Command) {
    const opts = this.opts();
    outcome.json = !!opts.json;
    const progress = new Progress(streams.stderr, !!opts.quiet);
    outcome.result = await c.run(this.processedArgs as string[], opts, {
      json: !!opts.json,
      progress,
      log: (line) => progress.line(line),
      signal,
    });
  });
}

export function buildProgram(streams: CliStreams, outcome: { result?: CliResult | void; json: boolean }, signal: AbortSignal = new AbortController().signal): Command {
  const program = new Command("foliate")
    .description("Riemannian geometry of ReLU networks: Jacobians, the data information matrix, linear regions, reports")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (s) => streams.stdout.write(s), writeErr: (s) => streams.stderr.write(s) })
    .exitOverride();
  for (const c of commands) defineCommand(program, c, outcome, streams, signal);
  program.commands.forEach((s) => s.exitOverride().configureOutput({ writeOut: (s2) => streams.stdout.write(s2), writeErr: (s2) => streams.stderr.write(s2) }).showHelpAfterError("(run with --help for usage)"));
  return program;
}

const VERSION = "0.1.0";

/** Run the CLI on argv (process.argv form: node, script, ...args) and return the exit code. */
export async function runCli(argv: string[], streams: CliStreams = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const outcome: { result?: CliResult | void; json: boolean } = { json: false };
  const controller = new AbortController();
  const program = buildProgram(streams, outcome, controller.signal);
  if (argv.length <= 2) {
    program.outputHelp();
    return EXIT.usage;
  }
  const name = argv[2];
  const drains = commands.find((c) => c.name === name)?.drainsOnSignal === true;
  let stopped: (() => void) | undefined;
  const interrupted = new Promise<void>((resolve) => (stopped = resolve));
  const onSignal = (sig: "SIGINT" | "SIGTERM") => {
    if (controller.signal.aborted) process.exit(sig === "SIGINT" ? EXIT.sigint : EXIT.sigterm); // the second Ctrl-C
    controller.abort(new InterruptError(sig));
    if (!drains) setTimeout(() => stopped?.(), ABORT_GRACE_MS).unref();
  };
  const onInt = () => onSignal("SIGINT"), onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  const interruptCode = () => {
    const sig = (controller.signal.reason as InterruptError).signalName;
    streams.stderr.write(`foliate ${name}: stopped by ${sig}\n`);
    return sig === "SIGINT" ? EXIT.sigint : EXIT.sigterm;
  };
  try {
    const finished = await Promise.race([program.parseAsync(argv).then(() => true), interrupted.then(() => false)]);
    if (!finished) return interruptCode();
  } catch (e) {
    if (controller.signal.aborted) return interruptCode();
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (e instanceof UsageError) {
      streams.stderr.write(`foliate ${name}: ${e.message} (run "foliate ${name} --help" for usage)\n`);
      return EXIT.usage;
    }
    if (e instanceof FoliateError) {
      streams.stderr.write(`foliate ${name}: ${e.message.split("\n")[0]} [${e.code}]\n`);
      return EXIT.input;
    }
    streams.stderr.write(`foliate ${name}: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT.internal;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
  const r = outcome.result;
  if (r) streams.stdout.write(outcome.json ? `${JSON.stringify(r.data)}\n` : `${r.text ?? JSON.stringify(r.data, null, 2)}\n`);
  return EXIT.ok;
}
