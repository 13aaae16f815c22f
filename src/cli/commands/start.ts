/** `foliate start` (`npm start`): the main job — models, every analysis, report/index.html, summary. */
import type { CliCommand } from "../command.js";
import { parseWorkers, workersOption } from "../engineSession.js";
import { formatMs } from "../progress.js";
import { checkOutputFolder } from "../files.js";

export const startCommand: CliCommand = {
  name: "start",
  summary: "the main job: train (or load) the models, run every analysis, write report/index.html",
  options: (cmd) => {
    cmd
      .option("--quick", "reduced sizes (smoke test, about a minute)")
      .option("-o, --out <dir>", "report folder", "report")
      .option("--cache <dir>", "trained-model cache folder", "cache")
      .option("--fresh", "retrain even if the cache has the models");
    workersOption(cmd);
  },
  examples: ["npm start", "foliate start --quick --out /tmp/report"],
  async run(_args, opts, ctx) {
    await checkOutputFolder("--out", opts.out);
    await checkOutputFolder("--cache", opts.cache);
    const { runMainJob } = await import("../mainJob.js"); // vega, tfjs: loaded only when needed
    const r = await runMainJob({
      quick: !!opts.quick, outDir: String(opts.out), cacheDir: String(opts.cache), fresh: !!opts.fresh,
      workers: parseWorkers(opts.workers), progress: ctx.progress,
    });
    const data = {
      report: r.path, totalMs: r.totalMs, failed: r.failed,
      sections: r.rendered.map((s) => ({ id: s.section.id, ok: !s.error, ms: s.ms, summary: s.result?.summary, error: s.error })),
    };
    if (r.failed) process.exitCode = 3;
    return { data, text: `${r.summary}\n\nreport: ${r.path} (${formatMs(r.totalMs)})` };
  },
};
