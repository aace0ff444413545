/**
 * Strictly increasing PTS for a live source, across reconnects.
 *
 * The encoder derives the output rate from the first and last PTS, and each frame is placed by its
 * PTS, so they must never step back. ffmpeg can mis-time the first frames of a stream (RTSP: those
 * buffered while probing, before the RTCP sender report sets the clock: `0 -200 -160 ... -40 0 40`):
 *  - a small step back (<= 1 s): drop the frame. The loss is bounded by the size of the step: the
 *    PTS pass the last kept one again within 1 s of stream;
 *  - a large step back (a clock reset mid-stream): re-base, i.e. shift this and every later PTS so
 *    that this frame comes one nominal frame after the last one kept, rather than dropping
 *    everything until the new clock catches up with the old one.
 * After a reconnect ({@link resumeAfterGap}) the new session's clock starts anywhere: its first
 * frame is placed the real wall-clock gap after the last frame, and later ones keep their steps.
 * The last frame's time is not its arrival: an ffmpeg that is stopped (stall) or loses its input
 * flushes the frames its decoder held back, late. A live source comes in real time, so the
 * least-delayed `arrival - PTS` seen is the connection's clock offset; the last frame "arrived" at
 * its PTS plus that offset. The offset may creep up by 1 ms per s of stream (the camera's clock
 * running slow against ours) but not jump with a late burst.
 */
export class LivePts {
  /** Added to every source PTS (re-bases and reconnects). */
  private offsetMs = 0;
  private lastMs: number | null = null;
  /** Least delay seen, arrival - PTS (see the class comment), for the current connection. */
  private clockOffsetMs: number | null = null;
  private resuming = false;

  /** The last PTS kept, or null before the first frame. */
  get last(): number | null {
    return this.lastMs;
  }

  /**
   * The PTS to use for a frame of source PTS `ptsMs` that arrived at `arrivedAtMs` (a monotonic
   * clock, e.g. performance.now()), or null when the frame is mis-timed and must be dropped.
   * @param stepMs one nominal frame, for re-basing.
   */
  next(ptsMs: number, stepMs: number, arrivedAtMs: number): number | null {
    const last = this.lastMs;
    if (this.resuming && last !== null && this.clockOffsetMs !== null) {
      this.resuming = false;
      // From when the last frame was due (not when it came out) to now; at least a frame, so
      // that PTS still increase if the clock reading is coarse.
      const gapMs = Math.max(stepMs, arrivedAtMs - (last + this.clockOffsetMs));
      this.clockOffsetMs = null; // the new connection has its own delay
      this.offsetMs = last + gapMs - ptsMs;
    }
    let out = ptsMs + this.offsetMs;
    if (last !== null && out <= last) {
      if (last - out <= 1000) return null;
      this.offsetMs += last + stepMs - out;
      out = last + stepMs;
    }
    const delay = arrivedAtMs - out;
    const allowed = this.clockOffsetMs === null || last === null ? delay : this.clockOffsetMs + (out - last) / 1000;
    this.clockOffsetMs = Math.min(allowed, delay);
    this.lastMs = out;
    return out;
  }

  /** The next frame comes from a new connection, on a new clock. */
  resumeAfterGap(): void {
    this.resuming = true;
  }
}
