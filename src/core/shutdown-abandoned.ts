/**
 * A role gave up its graceful stop (ShutdownGuard). It ends by dying of the signal that asked it to
 * stop, which is also what a supervisor expects of a process it sent SIGTERM: process.exit() would
 * first join the model's session thread, which waits for a session.run in progress to return and
 * then aborts inside onnxruntime (seen: 12 s past a 1 s bound, exit 134).
 */
export class ShutdownAbandoned extends Error {
  constructor(message: string, readonly signal: NodeJS.Signals) {
    super(message);
  }

  /** Re-raises the signal with its default action (the guard's handlers are gone by now). */
  dieOfSignal(): void {
    process.kill(process.pid, this.signal);
  }
}
