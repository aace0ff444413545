/**
 * Reusable frame buffers of one size. A 720p frame is 1.4 MB: allocating one per frame keeps
 * V8's garbage collector busy (external memory pressure), so decoded frames come from here and go
 * back once the transport no longer needs their bytes. The buffers live on SharedArrayBuffers, so
 * handing a frame to the inference thread shares its pixels instead of copying them into yet
 * another 1.4 MB allocation over there.
 */
export class FramePool {
  private readonly free: Buffer[] = [];
  private allocatedCount = 0;

  /** @param max buffers kept for reuse; more are left to the GC. Default 32. */
  constructor(private readonly max = 32) {}

  /** A buffer of `size` bytes, its own SharedArrayBuffer, contents unspecified (overwrite it all). */
  take(size: number): Buffer {
    const buf = this.free.pop();
    if (buf && buf.length === size) return buf;
    if (buf) this.free.length = 0; // the frame size changed: the rest are the old size too
    this.allocatedCount++;
    return Buffer.from(new SharedArrayBuffer(size));
  }

  /** Hands a buffer back; its bytes must not be read or written by the giver afterwards. */
  give(buf: Buffer): void {
    if (this.free.length < this.max && !this.free.includes(buf)) this.free.push(buf);
  }

  /** Buffers allocated so far (the rest of the takes were reuses): for tests and benchmarks. */
  get allocated(): number {
    return this.allocatedCount;
  }
}
