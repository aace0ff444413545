import type { FrameResult } from '../../core/types.js';
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
}
