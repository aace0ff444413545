/**
 * `segstream produce INPUT... --stream ID`: several files, folders or globs (expanded as a `run`
 * batch expands them, src/batch/batch-inputs.ts) published into Redis as one stream each,
 * `ID-0000`, `ID-0001`, ... in batch order, up to `--parallel` at once, so every `segstream
 * work` on that Redis takes their frames. Each stream is composed as any other
 * (`segstream compose --stream ID-0003 -o …`). A bad input is one line and a row; the others go on.
 */
import type { Logger } from '../core/log.js';
import { log as rootLog } from '../core/log.js';
import type { Transport } from '../core/transport/transport.js';
import { Producer, type ProducerOptions } from '../producer/producer.js';
import { expandInputs } from '../batch/batch-inputs.js';
import { DEFAULT_BATCH_PARALLEL } from '../batch/batch-runner.js';
import { UsageError } from './usage-error.js';

export interface ProduceBatchOptions {
  inputs: string[];
  /** Stream id prefix: input n (batch order) is `<streamPrefix>-<n, 4 digits>`. */
  streamPrefix: string;
  producer: Omit<ProducerOptions, 'source' | 'streamId'>;
  /** Inputs decoding at once. @defaultValue 4 */
  parallel?: number;
}

export interface ProducedRow {
  input: string;
  stream: string;
  frames: number;
  error?: string;
}

export function produceStreamId(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(4, '0')}`;
}

/** Publishes every input; stop() ends each stream after its current frame and starts no new one. */
export class ProduceBatch {
  private stopping = false;
  private readonly running = new Set<Producer>();

  constructor(private readonly transport: Transport, private readonly o: ProduceBatchOptions, private readonly log: Logger = rootLog) {}

  stop(): void {
    this.stopping = true;
    for (const p of this.running) p.stop();
  }

  async run(): Promise<ProducedRow[]> {
    const { items, missing } = expandInputs(this.o.inputs);
    if (items.length === 0 && missing.length === 0) throw new UsageError(`no media file in ${this.o.inputs.map((i) => `'${i}'`).join(', ')}`);
    // The longest id must still be a valid stream id (64 characters).
    if (this.o.streamPrefix.length > 59) throw new UsageError(`--stream '${this.o.streamPrefix}' is too long for a batch (at most 59 characters: '-NNNN' is added)`);
    const rows: ProducedRow[] = missing.map((m) => ({ input: m.rel, stream: '-', frames: 0, error: m.reason }));
    for (const r of rows) this.log.error(`${r.input}: ${r.error}`);
    const done: ProducedRow[] = new Array(items.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (!this.stopping && next < items.length) {
        const index = next++;
        const item = items[index];
        const stream = produceStreamId(this.o.streamPrefix, index);
        const producer = new Producer(this.transport, { ...this.o.producer, source: item.input, streamId: stream, ...(item.kind === 'image' ? { maxFrames: 1 } : {}) }, this.log);
        this.running.add(producer);
        this.log.info('producing', { input: item.input, stream });
        try {
          const end = await producer.run();
          done[index] = { input: item.rel, stream, frames: end.frames, ...(end.error ? { error: end.error } : {}) };
        } catch (err) {
          const msg = (err as Error).message.split('\n')[0];
          this.log.error(`${item.rel}: ${msg}`);
          done[index] = { input: item.rel, stream, frames: 0, error: msg };
        } finally {
          this.running.delete(producer);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.o.parallel ?? DEFAULT_BATCH_PARALLEL, items.length)) }, lane));
    return [...done.filter(Boolean), ...rows];
  }
}

/** input, stream, frames, status: the table a batch produce ends with. */
export function formatProducedTable(rows: readonly ProducedRow[]): string {
  const head = ['input', 'stream', 'frames', 'status'];
  const cells = rows.map((r) => [r.input, r.stream, String(r.frames), r.error ? `failed: ${r.error}` : 'published']);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (i === 3 ? 0 : c[i].length))));
  const fmt = (c: string[]) => c.map((v, i) => (i === 3 ? v : i === 2 ? v.padStart(w[i]) : v.padEnd(w[i]))).join('  ');
  return [fmt(head), ...cells.map(fmt)].join('\n');
}
