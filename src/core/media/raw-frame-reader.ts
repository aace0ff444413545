import type { FramePool } from './frame-pool.js';

/**
 * Cuts ffmpeg's raw stdout into whole frames of `frameSize` bytes, each in its own buffer (from
 * the pool when there is one). Bytes that come before the frame size is known (stdout overtook
 * the stderr header that gives it) are held until {@link setFrameSize}.
 */
export class RawFrameReader {
  /** Whole frames not yet taken, oldest first. */
  readonly frames: Buffer[] = [];
  private size = 0;
  private early: Buffer[] = [];
  private cur: Buffer | null = null;
  private fill = 0;

  /** @param pool where frame buffers come from. @defaultValue undefined (a new buffer per frame) */
  constructor(private readonly pool?: FramePool) {}

  get frameSize(): number {
    return this.size;
  }

  /** True while bytes wait for the frame size. */
  get holdingEarlyBytes(): boolean {
    return this.early.length > 0;
  }

  /** Bytes of an unfinished frame (non-zero at exit: the stream ended mid-frame). */
  get partialBytes(): number {
    return this.cur ? this.fill : 0;
  }

  setFrameSize(bytes: number): void {
    this.size = bytes;
    const early = this.early;
    this.early = [];
    for (const c of early) this.push(c);
  }

  push(chunk: Buffer): void {
    if (this.size === 0) {
      this.early.push(chunk);
      return;
    }
    let off = 0;
    while (off < chunk.length) {
      // allocUnsafeSlow: its own ArrayBuffer (never the shared pool), fully overwritten below.
      this.cur ??= this.pool?.take(this.size) ?? Buffer.allocUnsafeSlow(this.size);
      const n = Math.min(this.size - this.fill, chunk.length - off);
      chunk.copy(this.cur, this.fill, off, off + n);
      this.fill += n;
      off += n;
      if (this.fill === this.size) {
        this.frames.push(this.cur);
        this.cur = null;
        this.fill = 0;
      }
    }
  }

  /** Forgets every frame and partial frame (nobody will take them). */
  clear(): void {
    this.frames.length = 0;
    this.early = [];
    this.cur = null;
    this.fill = 0;
  }
}
