/** One check's answer: ok, or why not. */
export interface CheckResult {
  ok: boolean;
  /** What was found (e.g. "no frame for 25.0 s", "PING timed out after 1000 ms"). */
  detail?: string;
}

export type ReadinessCheck = () => CheckResult | Promise<CheckResult>;

export interface ReadinessReport {
  ready: boolean;
  /** Names of the checks that failed. */
  failed: string[];
  checks: Record<string, CheckResult>;
}

/** A check that takes longer than this fails (a hung Redis is not a ready one). */
const CHECK_TIMEOUT_MS = 2000;

/**
 * The named checks behind /readyz: each role adds its own (model loaded, Redis reachable, source
 * delivering). Ready means every check passes; no check at all also means ready.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  add(name: string, check: ReadinessCheck): this {
    this.checks.set(name, check);
    return this;
  }

  get names(): string[] { return [...this.checks.keys()]; }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all([...this.checks].map(async ([name, check]): Promise<[string, CheckResult]> => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<CheckResult>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
      });
      try {
        return [name, await Promise.race([Promise.resolve().then(check), late])];
      } catch (err) {
        return [name, { ok: false, detail: (err as Error).message }];
      } finally {
        clearTimeout(timer);
      }
    }));
    const checks = Object.fromEntries(entries);
    const failed = entries.filter(([, r]) => !r.ok).map(([n]) => n);
    return { ready: failed.length === 0, failed, checks };
  }
}
