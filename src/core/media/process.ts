/**
 * Spawning and killing ffmpeg children. Every child is tracked until it exits; a process 'exit'
 * hook SIGKILLs any still alive, so no ffmpeg outlives (or is left a zombie by) this process.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { renice } from '../priority.js';

const live = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllMediaChildren);
}

/**
 * SIGKILLs every ffmpeg child still running. Runs on process 'exit'; a CLI's SIGINT/SIGTERM
 * handler may call it too (a signal that kills Node skips 'exit' hooks).
 */
export function killAllMediaChildren(): void {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Number of ffmpeg children spawned here that have not exited yet (for tests and diagnostics). */
export function liveMediaChildren(): number {
  return live.size;
}

export interface Tracked {
  child: ChildProcess;
  /** Resolves once the child has exited and its stdio are closed (never rejects). */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>;
}

/** Spawns and tracks a child; `nice` > 0 runs it at that nice value (best effort). */
export function spawnTracked(bin: string, args: string[], opts: SpawnOptions, nice = 0): Tracked {
  hookExit();
  const child = spawn(bin, args, { ...opts, windowsHide: true });
  live.add(child);
  if (child.pid !== undefined) renice(child.pid, nice);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>(
    (resolve) => {
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        live.delete(child);
        resolve({ code, signal });
      });
      // Spawn failure (ENOENT, EACCES): 'close' may never follow.
      child.once('error', (err: Error) => {
        if (child.pid === undefined) {
          live.delete(child);
          resolve({ code: null, signal: null, spawnError: err });
        }
      });
    },
  );
  child.once('exit', () => live.delete(child));
  return { child, closed };
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && live.has(child);
}

/**
 * Stops a child: closes our ends of its pipes (a child blocked writing to a paused stdout gets
 * EPIPE), sends SIGTERM, and SIGKILL after `graceMs` if it is still running. Idempotent.
 */
export function stopChild(child: ChildProcess, graceMs = 1000): void {
  if (!isRunning(child)) return;
  try {
    child.kill('SIGTERM');
  } catch {
    /* gone */
  }
  child.stdin?.destroy();
  child.stdout?.destroy();
  const t = setTimeout(() => {
    if (isRunning(child)) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
  }, graceMs);
  t.unref();
  child.once('exit', () => clearTimeout(t));
}
