/**
 * What a running process holds, read from /proc (Linux): resident memory, open file descriptors
 * and live child processes. For the soak benchmark, which samples each role every minute.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessSample {
  rssMb: number;
  fds: number;
  children: number;
}

/** The sample, or null once the process is gone. */
export function sampleProcess(pid: number): ProcessSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    return { rssMb: rssKb / 1024, fds, children: childrenOf(pid).length };
  } catch {
    return null;
  }
}

/** Pids whose parent is `pid` (ffmpeg decoders and encoders, for our roles). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // exited while we read
    }
  }
  return out;
}

/**
 * The sample with the least RSS of `reads` readings `gapMs` apart (descriptors and children from
 * the last). Frame buffers are garbage collected in bursts, so one reading swings by tens of MB;
 * the floor between bursts is what grows when something leaks.
 */
export async function sampleProcessFloor(pid: number, reads = 5, gapMs = 1000): Promise<ProcessSample | null> {
  let best: ProcessSample | null = null;
  let last: ProcessSample | null = null;
  for (let i = 0; i < reads; i++) {
    if (i) await new Promise((r) => setTimeout(r, gapMs));
    last = sampleProcess(pid);
    if (!last) return null;
    if (!best || last.rssMb < best.rssMb) best = last;
  }
  return { rssMb: best!.rssMb, fds: last!.fds, children: last!.children };
}

/** CPU time a process has used so far (user + system), in ms; NaN once it is gone. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in USER_HZ (100 on Linux)
  } catch {
    return NaN;
  }
}
