import { Backoff } from '../core/media/backoff.js';
import { classifySource } from '../core/media/source.js';
import type { Logger } from '../core/log.js';
import type { Transport } from '../core/transport/transport.js';
import type { StreamEnd } from '../core/types.js';
import { Producer, type ProducerHooks } from '../producer/producer.js';
import type { CameraPlan } from './camera-plan.js';

/**
 * A config camera's producer. A live camera that cannot be reached when the command starts is
 * tried again under its `reconnect` policy (0.5 s doubling to 10 s between attempts), so a camera
 * that boots after the recorder is recorded once it answers, and one down for good is given up on
 * after N attempts. (A single `segstream run rtsp://…` fails at once instead: there a bad URL is
 * more likely than a camera still booting.) Once the stream is open, the source supervisor does
 * the reconnecting, as for a single camera. Files are never retried.
 */
export class CameraProducer {
  private current: Producer | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  /** Failed first connections so far. */
  attempts = 0;

  constructor(private readonly transport: Transport, private readonly plan: CameraPlan, private readonly logger: Logger) {}

  async run(hooks: ProducerHooks = {}): Promise<StreamEnd> {
    const { plan } = this;
    const live = classifySource(plan.input).live === true;
    const policy = plan.producer.reconnect ?? 'always';
    const backoff = new Backoff();
    for (;;) {
      let opened = false;
      const producer = (this.current = new Producer(this.transport, { ...plan.producer, source: plan.input, streamId: plan.id }, this.logger));
      if (this.stopped) producer.stop();
      try {
        return await producer.run({ ...hooks, onInfo: (info) => { opened = true; hooks.onInfo?.(info); } });
      } catch (err) {
        if (opened || !live || this.stopped || policy === 'never') throw err;
        this.attempts++;
        const why = (err as Error).message.split('\n')[0];
        if (typeof policy === 'number' && this.attempts > policy) {
          throw new Error(`${why} (${this.attempts} attempts: the first and ${policy} more, 'reconnect: ${policy}')`);
        }
        const delayMs = backoff.next();
        this.logger.warn(`camera '${plan.id}' is not reachable: ${why}; trying again in ${delayMs / 1000} s`, { camera: plan.id, attempt: this.attempts });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delayMs);
          this.wake = () => { clearTimeout(timer); resolve(); };
        });
        this.wake = null;
        if (this.stopped) throw err;
      }
    }
  }

  /** Ends the stream after the current frame, or the wait for the next attempt. */
  stop(): void {
    this.stopped = true;
    this.current?.stop();
    this.wake?.();
  }
}
