import { watch, type FSWatcher } from "node:fs";
import * as path from "node:path";

/**
 * Calls `onChange` (debounced) when any of `files` may have changed. Directories are watched,
 * not the files: Kubernetes updates a mounted Secret or ConfigMap by swapping a `..data` symlink,
 * which a watch on the old file never sees. The callback decides whether anything really changed
 * (by content), so a spurious event costs one read.
 */
export class FileWatcher {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    files: readonly string[],
    private readonly onChange: () => void,
    private readonly debounceMs = 100,
  ) {
    this.watch(files);
  }

  /** Replaces the watched set (a reloaded policy may name other key files). */
  watch(files: readonly string[]): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.closed) return;
    for (const dir of new Set(files.map((f) => path.dirname(path.resolve(f))))) {
      try {
        const w = watch(dir, { persistent: false }, () => this.schedule());
        // a watch error (directory removed) must not crash the service: the old state stays
        w.on("error", () => undefined);
        this.watchers.push(w);
      } catch {
        // a directory that cannot be watched: its files are only re-read on the next other event
      }
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.onChange();
    }, this.debounceMs);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
