/**
 * Which result stages run, in order, from the compositor's options: one line per stage. The
 * score floor goes last, so the stages before it see every detection a worker sent.
 */
import { ResultChain } from './result-chain.js';
import type { ResultStage } from './result-stage.js';
import { ScoreFloorStage } from './score-floor-stage.js';
import { TrackerStage, type TrackerStageOptions } from './tracker-stage.js';

export interface StageOptions {
  /** Track objects (set `trackId`); false turns the tracker off. @defaultValue on, ByteTrack */
  track?: TrackerStageOptions | false;
}

export function buildResultChain(o: StageOptions = {}): ResultChain {
  const stages: ResultStage[] = [];
  if (o.track !== false) stages.push(new TrackerStage(o.track ?? {}));
  stages.push(new ScoreFloorStage());
  return new ResultChain(stages);
}
