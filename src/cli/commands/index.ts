/**
 * The command registry: every `foliate` subcommand, in help order. A new analysis adds its command by adding
 * a file next to this one that exports a CliCommand and one line here.
 */
import type { CliCommand } from "../command.js";
import { infoCommand } from "./info.js";
import { forwardCommand } from "./forward.js";
import { jacobianCommand } from "./jacobian.js";
import { dimCommand } from "./dim.js";
import { leafCommand } from "./leaf.js";
import { classCommand } from "./class.js";
import { spectrumCommand } from "./spectrum.js";
import { distancesCommand } from "./distances.js";
import { reproduceCommand } from "./reproduce.js";
import { reportCommand } from "./report.js";
import { startCommand } from "./start.js";
import { serveCommand } from "./serve.js";
import { ricciCommand } from "./ricci.js";
import { reproduceRicciCommand } from "./reproduceRicci.js";
import { regionsCommand } from "./regions.js";
import { reproduceSpiralCommand } from "./reproduceSpiral.js";
import { localgeoCommand } from "./localgeo.js";
import { workerCommand } from "./worker.js";

export const commands: CliCommand[] = [
  infoCommand,
  forwardCommand,
  jacobianCommand,
  dimCommand,
  leafCommand,
  classCommand,
  spectrumCommand,
  distancesCommand,
  reproduceCommand,
  reportCommand,
  startCommand,
  serveCommand,
  ricciCommand, reproduceRicciCommand, regionsCommand, reproduceSpiralCommand, localgeoCommand,
  workerCommand,
];
