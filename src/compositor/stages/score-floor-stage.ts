import type { FrameResult } from '../../core/types.js';
import type { ResultStage } from './result-stage.js';

/**
 * Drops the instances a worker sent only for the tracker: with tracking on, workers keep
 * detections down to the tracker's low threshold and mark the result with `displayScore` (the
 * user's --score); what is drawn and written keeps to that score. Last in the chain.
 */
export class ScoreFloorStage implements ResultStage {
  readonly name = 'score-floor';

  process(result: FrameResult): FrameResult {
    const floor = result.displayScore;
    if (floor === undefined) return result;
    const { displayScore: _, ...rest } = result;
    return { ...rest, instances: result.instances.filter((i) => i.score >= floor) };
  }

  reset(): void {}
}
