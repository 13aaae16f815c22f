/**
 * Latest-wins scheduling for work sent to the engine: at most one run at a time per lane; requests made while
 * one runs replace each other, and only the newest runs next. Mouse moves and training snapshots can ask as
 * often as they like without queueing stale work in the workers.
 */
export class LatestOnly {
  private running = false;
  private pending?: () => Promise<void>;

  constructor(private readonly onError: (e: unknown) => void) {}

  request(task: () => Promise<void>): void {
    this.pending = task;
    if (!this.running) void this.drain();
  }

  /** Resolves when nothing is running or pending. */
  async idle(): Promise<void> {
    while (this.running) await new Promise((r) => setTimeout(r, 10));
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.pending) {
      const task = this.pending;
      this.pending = undefined;
      try {
        await task();
      } catch (e) {
        this.onError(e);
      }
    }
    this.running = false;
  }
}
