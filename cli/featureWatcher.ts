/** Re-runs a build when feature files change. Editors write a file in several steps (truncate,
 * write, rename), so changes are debounced; a change during a build schedules exactly one more
 * build after it, so the last edit always wins and builds never overlap.
 *
 * Each directory gets its own watch, never each file: a file saved by rename (`sed -i`, `mv`,
 * vim's backup-and-rename) is a new file, and a watch on the old one (what Node's recursive
 * fs.watch on Linux keeps) never fires again; the directory's watch sees every later save. */
import fs from "node:fs";
import path from "node:path";

export interface FeatureWatcherOptions {
  dir: string;
  /** Default 150 ms: long enough to coalesce an editor's save, short enough to feel instant. */
  debounceMs?: number;
  rebuild: () => Promise<void>;
  onError: (error: Error) => void;
  /** Folders under `dir` that hold no feature sources and change by themselves: `snapfleet dev`'s
   * state dir when the entry sits in the project's root (`dev index.ts`), whose devices write
   * .json files all the time (each write rebuilt the app, about twice a second). */
  ignore?: readonly string[];
}

const WATCHED = /\.(ts|tsx|js|mjs|json)$/;
/** Folders that hold no feature sources. */
const SKIPPED = new Set(["node_modules", ".git"]);

export class FeatureWatcher {
  /** One watch per directory under `dir`, by path. */
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending = false;
  private closed = false;

  constructor(private readonly options: FeatureWatcherOptions) {
    for (const dir of directoriesUnder(options.dir, options.ignore)) this.watchDirectory(dir);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private watchDirectory(dir: string): void {
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(dir, (event, file) => this.changed(event, file));
    } catch {
      return; // removed since it was listed; the next rescan forgets it
    }
    watcher.on("error", () => this.forget(dir));
    this.watchers.set(dir, watcher);
  }

  private forget(dir: string): void {
    this.watchers.get(dir)?.close();
    this.watchers.delete(dir);
  }

  private changed(event: string, file: string | Buffer | null): void {
    if (this.closed) return;
    // A name appeared or went away: it may be a directory.
    if (event === "rename") this.rescan();
    if (file && WATCHED.test(String(file))) this.schedule();
  }

  /** Watches directories that appeared (and rebuilds if they came with sources, which may have
   * been written before the watch began) and forgets those that went away. */
  private rescan(): void {
    const now = new Set(directoriesUnder(this.options.dir, this.options.ignore));
    for (const dir of [...this.watchers.keys()]) if (!now.has(dir)) this.forget(dir);
    for (const dir of now) {
      if (this.watchers.has(dir)) continue;
      this.watchDirectory(dir);
      if (hasSources(dir)) this.schedule();
    }
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

function directoriesUnder(root: string, ignore: readonly string[] = []): string[] {
  const found: string[] = [];
  const ignored = new Set(ignore.map((d) => path.resolve(d)));
  const walk = (dir: string) => {
    if (ignored.has(path.resolve(dir))) return;
    found.push(dir);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory() && !SKIPPED.has(entry.name)) walk(path.join(dir, entry.name));
  };
  walk(root);
  return found;
}

function hasSources(dir: string): boolean {
  try {
    return fs.readdirSync(dir).some((name) => WATCHED.test(name));
  } catch {
    return false;
  }
}
