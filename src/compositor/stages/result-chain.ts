import type { FrameResult } from '../../core/types.js';
import type { Yuv420Image } from '../../core/yuv420.js';
import type { ResultStage } from './result-stage.js';

/**
 * The stages in order; a failed frame (`error` set, no instances) passes through untouched so the
 * stages' state (a tracker's clock) only ever sees frames that were really inferred.
 */
export class ResultChain {
  constructor(readonly stages: readonly ResultStage[]) {}

  process(result: FrameResult): FrameResult {
    if (result.error) return result;
    let r = result;
    for (const s of this.stages) r = s.process(r);
    return r;
  }

  reset(): void {
    for (const s of this.stages) s.reset();
  }

  /** The state of every stage that can resume, by stage name, as JSON; undefined when none can. */
  snapshotJson(): string | undefined {
    const state: Record<string, unknown> = {};
    let any = false;
    for (const s of this.stages) if (s.snapshot) { state[s.name] = s.snapshot(); any = true; }
    return any ? JSON.stringify(state) : undefined;
  }

  /**
   * Resumes each stage from its part of a {@link snapshotJson} (a stage it does not name starts
   * afresh); returns what was resumed, stage by stage, for the log.
   */
  restoreJson(json: string): string[] {
    const state = JSON.parse(json) as Record<string, unknown>;
    const done: string[] = [];
    for (const s of this.stages) if (s.restore && state[s.name] !== undefined) done.push(`${s.name}: ${s.restore(state[s.name])}`);
    return done;
  }

  /** Every stage's events since the last call, stage by stage. */
  takeEvents(): object[] {
    return this.stages.flatMap((s) => s.takeEvents?.() ?? []);
  }

  /** True when some stage reports events (the compositor then writes an events file). */
  get hasEvents(): boolean {
    return this.stages.some((s) => s.takeEvents !== undefined);
  }

  draw(frame: Yuv420Image): void {
    for (const s of this.stages) s.draw?.(frame);
  }
}
