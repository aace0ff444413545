/**
 * A stop that waits can race against, once per wait, without leaking.
 *
 * `Promise.race([work, stopped])` against one long-lived pending promise adds a reaction to it on
 * every call, and each reaction keeps its race's settled value alive until `stopped` settles: in a
 * compositor that raced once per frame, every frame's pixels (0.5-1.4 MB) stayed reachable for the
 * whole stream (RSS grew by the frame size per frame in `segstream compose`). Here each race adds a
 * listener and removes it when the race is over.
 */
export class StopRequest {
  private requested = false;
  private readonly listeners = new Set<() => void>();

  get stopped(): boolean { return this.requested; }

  /** Settles every pending `race` with `STOPPED`, and every later one at once. */
  request(): void {
    if (this.requested) return;
    this.requested = true;
    for (const l of [...this.listeners]) l();
    this.listeners.clear();
  }

  /** `work`'s value, or `STOPPED` once a stop is requested, whichever comes first. */
  race<T>(work: Promise<T>): Promise<T | typeof STOPPED> {
    if (this.requested) {
      work.catch(() => undefined);
      return Promise.resolve(STOPPED);
    }
    return new Promise<T | typeof STOPPED>((resolve, reject) => {
      const onStop = (): void => resolve(STOPPED);
      this.listeners.add(onStop);
      work.then(
        (v) => { this.listeners.delete(onStop); resolve(v); },
        (e: unknown) => { this.listeners.delete(onStop); reject(e); },
      );
    });
  }
}

export const STOPPED = Symbol('stopped');
