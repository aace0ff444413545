/**
 * One step of the compositor's result chain. Stages see a stream's results in seq order, before
 * drawing and writing, and may change them (set `trackId`, drop instances). Each returns a new
 * result rather than editing its input.
 */
import type { FrameResult } from '../../core/types.js';
import type { Yuv420Image } from '../../core/yuv420.js';

export interface ResultStage {
  /** A short name for logs and errors. */
  readonly name: string;
  process(result: FrameResult): FrameResult;
  /** Forgets all state (a new stream, or a restart without a snapshot). */
  reset(): void;
  /** State as JSON data, for a stage that can resume after a compositor restart. */
  snapshot?(): unknown;
  /**
   * Resumes from what {@link snapshot} returned (possibly by a compositor with other options);
   * returns what it resumed, for the log.
   */
  restore?(state: unknown): string;
  /** Events (JSON records) found since the last call, for the events file. */
  takeEvents?(): object[];
  /** Draws the stage's own overlay on the frame, after the instances. */
  draw?(frame: Yuv420Image): void;
}
