/** Re-runs a build when feature files change. Editors write a file in several steps (truncate,
 * write, rename), so changes are debounced; a change during a build schedules exactly one more
 * build after it, so the last edit always wins and builds never overlap. */
import fs from "node:fs";

export interface FeatureWatcherOptions {
  dir: string;
  /** Default 150 ms: long enough to coalesce an editor's save, short enough to feel instant. */
  debounceMs?: number;
  rebuild: () => Promise<void>;
  onError: (error: Error) => void;
}

const WATCHED = /\.(ts|tsx|js|mjs|json)$/;

export class FeatureWatcher {
  private readonly watcher: fs.FSWatcher;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending = false;

  constructor(private readonly options: FeatureWatcherOptions) {
    this.watcher = fs.watch(options.dir, { recursive: true }, (_event, file) => {
      if (file && WATCHED.test(String(file))) this.schedule();
    });
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher.close();
  }

  /** Resolves when no build is running or scheduled (tests wait on it). */
  async idle(): Promise<void> {
    while (this.running || this.timer) await (this.running ?? new Promise((r) => setTimeout(r, 20)));
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.options.debounceMs ?? 150);
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.pending = true;
      return;
    }
    this.running = this.options.rebuild().catch((e: Error) => this.options.onError(e));
    await this.running;
    this.running = undefined;
    if (this.pending) {
      this.pending = false;
      await this.run();
    }
  }
}
