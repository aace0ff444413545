import type { Logger } from '../core/log.js';
import type { StreamEnd } from '../core/types.js';

/** How one camera of a multi-camera command ended. */
export interface CameraOutcome {
  id: string;
  /** Frames published (produce) or written (run, compose). */
  frames: number;
  /** Why the camera failed; unset when it did its whole job. */
  error?: string;
  /** What it wrote (run, compose). */
  wrote?: string;
}

/** The reason a camera's run is not a success, if any: its own throw, or a stream cut short. */
export function failureOf(err: unknown, end: StreamEnd | null | undefined): string | undefined {
  if (err !== undefined) return (err as Error).message.split('\n')[0];
  if (end?.error) return `decoding stopped early after ${end.frames} frames: ${end.error} (outputs hold the frames before it)`;
  return undefined;
}

/**
 * One line on stderr as a camera ends (`camera 'gate': ...`, `camera 'yard' failed: ...`), while the
 * others go on. On a terminal it is the logger's own line (which clears the progress line first);
 * otherwise a JSON log line for machines and the plain line for people.
 */
export function reportOutcome(o: CameraOutcome, what: string, logger: Logger): CameraOutcome {
  const line = o.error ? `camera '${o.id}' failed: ${o.error}` : `camera '${o.id}': ${o.frames} frames ${what}${o.wrote ? ` (${o.wrote})` : ''}`;
  if (!logger.json) {
    if (o.error) logger.error(line);
    else logger.info(line);
    return o;
  }
  if (o.error) logger.error(`camera '${o.id}' failed`, { camera: o.id, frames: o.frames, error: o.error });
  else logger.info(`camera '${o.id}' finished`, { camera: o.id, frames: o.frames });
  process.stderr.write(line + '\n');
  return o;
}

/** Throws when any camera failed, so that the exit status says so. */
export function failIfAnyFailed(outcomes: CameraOutcome[]): void {
  const failed = outcomes.filter((o) => o.error);
  if (failed.length) {
    throw new Error(`${failed.length} of ${outcomes.length} cameras failed: ${failed.map((o) => `'${o.id}'`).join(', ')} (the others finished)`);
  }
}
