/**
 * Scheduling priority of the work around the model. On a box where the model's threads want
 * every core the model is the pipeline's bottleneck, so everything else (ffmpeg decode and
 * encode, pre/postprocessing, drawing, the transport) runs niced: it fills the cores' idle
 * moments instead of slowing every session.run. The model's own threads keep normal priority.
 */
import { readlinkSync } from 'node:fs';
import os from 'node:os';

/**
 * The nice value the work around the model runs at: `SEGSTREAM_NICE` (0..19), default 10; 0 turns
 * it off. Never lowers a nice value already higher (a pipeline started under `nice -n 15` stays
 * at 15).
 */
export function pipelineNiceness(): number {
  const raw = process.env.SEGSTREAM_NICE;
  const v = raw === undefined || raw === '' ? 10 : Number(raw);
  return Number.isInteger(v) && v >= 0 && v <= 19 ? v : 10;
}

/** Sets process (or Linux thread id) `id` to nice value `nice`, unless it is already nicer. */
export function renice(id: number, nice: number): boolean {
  if (nice <= 0) return false;
  try {
    if (os.getPriority(id) < nice) os.setPriority(id, Math.min(19, nice));
    return true;
  } catch {
    return false; // not permitted, or gone
  }
}

/**
 * Renices the calling thread (main or worker), leaving the process's other threads alone: Linux
 * keeps a nice value per thread. Threads it starts afterwards inherit it, so call it after
 * starting the threads that must keep normal priority. False where unsupported.
 */
export function reniceThisThread(nice = pipelineNiceness()): boolean {
  let tid: number;
  try {
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return false; // not Linux
  }
  return Number.isInteger(tid) && tid > 0 && renice(tid, nice);
}
