import type { FramePool } from './frame-pool.js';

/** A decoded frame waiting for the consumer. */
export interface BufferedFrame {
  yuv: Buffer;
  ptsMs: number;
  /** Wall clock (ms since the epoch) when ffmpeg handed it over. */
  arrivedAtMs: number;
}

export interface FrameBufferOptions {
  /** Frames held before the oldest is dropped (dropOldest) or ffmpeg should pause. @defaultValue 2 */
  capacity?: number;
  /** Drop the oldest frame past `capacity` instead of holding more. @defaultValue false */
  dropOldest?: boolean;
  /** Dropped frames' buffers go back here. @defaultValue undefined */
  pool?: FramePool;
}

/**
 * Decoded frames between ffmpeg and the consumer. With `dropOldest` (live sources, which must be
 * read at their own pace) it never holds more than `capacity`: the oldest goes, and is counted.
 */
export class FrameBuffer {
  readonly capacity: number;
  private readonly dropOldest: boolean;
  private readonly pool: FramePool | undefined;
  private readonly items: BufferedFrame[] = [];
  private droppedCount = 0;

  constructor(opts: FrameBufferOptions = {}) {
    this.capacity = Math.max(1, opts.capacity ?? 2);
    this.dropOldest = opts.dropOldest ?? false;
    this.pool = opts.pool;
  }

  get length(): number {
    return this.items.length;
  }

  /** Frames dropped so far to stay within capacity. */
  get dropped(): number {
    return this.droppedCount;
  }

  push(frame: BufferedFrame): void {
    this.items.push(frame);
    if (this.dropOldest && this.items.length > this.capacity) {
      const old = this.items.shift()!; // outside the call: `pool?.give(shift())` would not shift without a pool
      this.pool?.give(old.yuv);
      this.droppedCount++;
    }
  }

  shift(): BufferedFrame | undefined {
    return this.items.shift();
  }

  /** Forgets the frames held (nobody will take them); not counted as dropped. */
  clear(): void {
    this.items.length = 0;
  }
}
