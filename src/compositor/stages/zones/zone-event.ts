/** What the zone stage reports, one JSONL line each in `<output>.events.jsonl`. */
export interface ZoneEvent {
  event: 'zone-enter' | 'zone-leave' | 'line-cross';
  /** The zone's or line's name. */
  name: string;
  /** line-cross only: 'in' to the right of the line's direction (x1,y1) -> (x2,y2) as seen on screen, 'out' back. */
  direction?: 'in' | 'out';
  streamId: string;
  seq: number;
  ptsMs: number;
  /** When the compositor saw it (ISO 8601, UTC). */
  wallClock: string;
  trackId: number;
  classId: number;
  label: string;
}
