import { renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fsReason } from './fs-reason.js';

/** Temporary files not yet committed or aborted, removed if the process exits first (Ctrl-C twice). */
const pending = new Set<string>();
let exitHookInstalled = false;

function track(tmpPath: string): void {
  pending.add(tmpPath);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of pending) rmSync(p, { force: true });
  });
}

/**
 * A file that appears under its name only once it is whole. It is written under a hidden name
 * beside the target, `.NAME.PID.partial.EXT` (same directory, so the rename stays on one file
 * system and is atomic), renamed over the target by {@link commit} and removed by {@link abort}.
 * Until the commit an existing target stays exactly as it was; a SIGKILL leaves at most the hidden
 * file behind, never a half-written target.
 */
export class AtomicFile {
  readonly target: string;
  readonly tmpPath: string;
  private state: 'open' | 'committed' | 'aborted' = 'open';

  constructor(target: string) {
    this.target = path.resolve(target);
    const base = path.basename(this.target);
    // The extension stays last so tools that go by it (ffmpeg's muxer guess, editors) still can.
    this.tmpPath = path.join(path.dirname(this.target), `.${base}.${process.pid}.partial${path.extname(base)}`);
    track(this.tmpPath);
  }

  /** Renames the temporary file over the target. On failure the temporary file is removed. */
  commit(): void {
    if (this.state !== 'open') throw new Error(`AtomicFile: commit after ${this.state} (${this.target})`);
    try {
      renameSync(this.tmpPath, this.target);
      this.state = 'committed';
    } catch (err) {
      this.abort();
      throw new Error(`cannot write '${this.target}': ${fsReason(err)}`);
    } finally {
      pending.delete(this.tmpPath);
    }
  }

  /** Removes the temporary file; the target is not touched. Idempotent, and a no-op after commit. */
  abort(): void {
    if (this.state === 'committed') return;
    this.state = 'aborted';
    rmSync(this.tmpPath, { force: true });
    pending.delete(this.tmpPath);
  }
}
