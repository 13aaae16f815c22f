/**
 * Progress on stderr: one cli-progress bar per stage (with ETA) on a TTY, plain lines otherwise ("stage:
 * 40% (400/1000)" at most every 10%, and "stage: done in 1.2 s"). Silent when quiet.
 */
import cliProgress from "cli-progress";

export interface Stage {
  /** Set the absolute amount done (clamped to total). */
  update(done: number): void;
  /** Add to the amount done. */
  tick(count?: number): void;
  /** Show a short status beside the bar (e.g. "3 live workers"); a plain line when not on a TTY. */
  label(text: string): void;
  /** Finish the stage; returns its wall time in ms. */
  done(note?: string): number;
}

/** Where text goes: process.stderr, or anything with write() (tests). Bars only when isTTY. */
export interface TextSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class Progress {
  private readonly tty: boolean;
  constructor(
    private readonly stream: TextSink = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = !!stream.isTTY && !process.env.CI;
  }

  /** A plain line (not a bar). */
  line(text: string): void {
    if (!this.quiet) this.stream.write(`${text}\n`);
  }

  stage(name: string, total: number): Stage {
    const start = performance.now();
    let done = 0;
    const bar = this.quiet || !this.tty ? undefined : new cliProgress.SingleBar(
      { format: `${name.padEnd(28)} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted}{label}`, stream: this.stream as NodeJS.WriteStream, hideCursor: true, clearOnComplete: false, etaBuffer: 20 },
      cliProgress.Presets.shades_classic,
    );
    bar?.start(Math.max(1, total), 0, { label: "" });
    let lastDecile = -1;
    const update = (v: number) => {
      done = Math.min(total, Math.max(0, v));
      if (bar) bar.update(done);
      else if (!this.quiet && total > 0) {
        const decile = Math.floor((10 * done) / total);
        if (decile > lastDecile && done < total) {
          lastDecile = decile;
          this.stream.write(`${name}: ${Math.floor((100 * done) / total)}% (${done}/${total})\n`);
        }
      }
    };
    return {
      update,
      tick: (count = 1) => update(done + count),
      label: (text: string) => {
        if (bar) bar.update(done, { label: ` | ${text}` });
        else this.line(`${name}: ${text}`);
      },
      done: (note?: string) => {
        const ms = performance.now() - start;
        if (bar) {
          bar.update(Math.max(1, total));
          bar.stop();
        }
        this.line(`${name}: done in ${formatMs(ms)}${note ? ` (${note})` : ""}`);
        return ms;
      },
    };
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
