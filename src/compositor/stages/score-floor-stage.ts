import type { FrameResult } from '../../core/types.js';
import type { ResultStage } from './result-stage.js';

/**
 * Drops the instances a worker sent only for the tracker: with tracking on, workers keep
 * detections down to the tracker's low threshold and mark the result with `displayScore` (the
 * user's --score); what is drawn and written keeps to that score. Last in the chain.
 *
 * A fixed `floor` replaces the worker's mark: in a multi-camera run one model session serves
 * cameras with different scores, so the worker keeps the lowest and each camera's compositor
 * applies its own.
 */
export class ScoreFloorStage implements ResultStage {
  readonly name = 'score-floor';

  constructor(private readonly floor?: number) {}

  process(result: FrameResult): FrameResult {
    const floor = this.floor ?? result.displayScore;
    if (floor === undefined) return result;
    const { displayScore: _, ...rest } = result;
    return { ...rest, instances: result.instances.filter((i) => i.score >= floor) };
  }

  reset(): void {}
}
