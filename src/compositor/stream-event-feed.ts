import type { Transport } from '../core/transport/transport.js';
import type { StreamEvent } from '../core/types.js';

/**
 * A stream's source events, handed out where they belong among its frames: `before(seq)` gives
 * the ones due before frame `seq` (the producer publishes an event before the frame it precedes,
 * so all of them are there by the time that frame's result is), `rest()` those after the last.
 */
export class StreamEventFeed {
  private read = 0;
  private pending: StreamEvent[] = [];

  /** @param fromSeq a resumed compositor's first seq: the events before it were written by its predecessor. */
  constructor(private readonly transport: Transport, private readonly streamId: string, private readonly fromSeq = 0) {}

  async before(seq: number): Promise<StreamEvent[]> {
    await this.fetch();
    const due = this.pending.filter((e) => e.atSeq <= seq);
    if (due.length) this.pending = this.pending.filter((e) => e.atSeq > seq);
    return due;
  }

  async rest(): Promise<StreamEvent[]> {
    await this.fetch();
    const all = this.pending;
    this.pending = [];
    return all;
  }

  private async fetch(): Promise<void> {
    const fresh = await this.transport.streamEvents(this.streamId, this.read);
    this.read += fresh.length;
    this.pending.push(...fresh.filter((e) => e.atSeq >= this.fromSeq));
  }
}
