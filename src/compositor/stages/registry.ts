/**
 * Which result stages run, in order, from the compositor's options: one line per stage. The
 * score floor goes last, so the stages before it see every detection a worker sent.
 */
import { ResultChain } from './result-chain.js';
import type { ResultStage } from './result-stage.js';
import { ScoreFloorStage } from './score-floor-stage.js';
import { TrackerStage, type TrackerStageOptions } from './tracker-stage.js';
import type { RegionSpec } from './zones/region-spec.js';
import { ZoneStage } from './zones/zone-stage.js';

export interface StageOptions {
  /** Track objects (set `trackId`); false turns the tracker off. @defaultValue on, ByteTrack */
  track?: TrackerStageOptions | false;
  /** Zones and lines to count tracks in and across (needs tracking). @defaultValue none */
  regions?: RegionSpec[];
  /**
   * Keep only instances scoring at least this, whatever the worker marked (a camera's own score
   * on a model session shared by cameras). @defaultValue the worker's `displayScore`
   */
  scoreFloor?: number;
}

export function buildResultChain(o: StageOptions = {}): ResultChain {
  const stages: ResultStage[] = [];
  if (o.track !== false) stages.push(new TrackerStage(o.track ?? {}));
  if (o.regions?.length) {
    if (o.track === false) throw new RangeError('zones and lines count tracks: they need tracking on');
    stages.push(new ZoneStage({ regions: o.regions }));
  }
  stages.push(new ScoreFloorStage(o.scoreFloor));
  return new ResultChain(stages);
}
