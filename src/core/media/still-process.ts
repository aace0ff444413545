/**
 * One long-lived ffmpeg that turns one still after another (a JPEG into a raw frame, a raw frame
 * into a JPEG), one at a time: a photo costs a write and a read instead of a process start (about
 * 20 ms of CPU each on our hosts, most of a photo's cost outside the model).
 *
 * It runs at `-loglevel level+info`, so every stderr line says its level. A job is given up (null)
 * as soon as anything is off: a warning or error line while it runs, ffmpeg exiting, or no
 * result in `timeoutMs`; the process is then retired (never reused) and the caller takes the
 * per-file way, which reports the photo as it always did. A clean job returns its bytes and
 * leaves the process ready for the next.
 */
import type { ChildProcess } from 'node:child_process';
import { ffmpegPath } from './ffmpeg-path.js';
import { LineSplitter } from './ffmpeg-log.js';
import { pipelineNiceness } from '../priority.js';
import { spawnTracked, stopChild } from './process.js';

export interface StillJobResult {
  /** The bytes of the job's result (its own buffer). */
  bytes: Buffer;
  /** The job's `showinfo` frame lines (decoders), in order. */
  frames: string[];
}

/** Whether a job is complete: the length of its result in `out` (0 while it is not there yet). */
export type StillDone = (out: Buffer, frames: readonly string[]) => number;

/**
 * Lines that say nothing about the pixels: swscale's note on JPEG's full range, and the JPEG
 * decoder's complaints about EXIF/APP metadata it cannot parse (phones write odd ones; ffmpeg uses
 * none of it for the picture, and we read the orientation ourselves).
 */
const BENIGN = [
  /^\[swscaler @ [^\]]*\] \[warning\] deprecated pixel format used/,
  /^\[mjpeg @ [^\]]*\] \[(warning|error)\] (mjpeg: )?(invalid TIFF header in EXIF data|unable to decode APP fields)/,
];

export class StillProcess {
  private readonly child: ChildProcess;
  private readonly lines = new LineSplitter();
  private out = Buffer.allocUnsafe(1 << 20);
  private outLen = 0;
  private frames: string[] = [];
  private job: { done: StillDone; alloc: (n: number) => Buffer; resolve: (r: StillJobResult | null) => void; timer: NodeJS.Timeout } | null = null;
  private dead = false;
  /** Why it was retired (tests, logs). */
  retiredFor: string | null = null;

  /** @param args ffmpeg's arguments after the logging ones; input on pipe:0, output on pipe:1. */
  constructor(args: string[], private readonly timeoutMs = 30_000) {
    const t = spawnTracked(ffmpegPath(), ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'level+info', ...args], { stdio: ['pipe', 'pipe', 'pipe'] }, pipelineNiceness());
    this.child = t.child;
    this.child.stdin!.on('error', () => this.retire('its input pipe broke'));
    this.child.stdout!.on('data', (c: Buffer) => this.onStdout(c));
    this.child.stderr!.setEncoding('latin1');
    this.child.stderr!.on('data', (s: string) => { for (const l of this.lines.push(s)) this.onLine(l); });
    void t.closed.then(({ code, signal, spawnError }) => this.retire(spawnError ? `cannot start ffmpeg (${spawnError.message})` : `ffmpeg ended (${code ?? signal})`));
  }

  /** Free for a job: alive and not busy. */
  get ready(): boolean { return !this.dead && this.job === null; }

  get alive(): boolean { return !this.dead; }

  /**
   * Feeds `input` and resolves with the result `done` finds, copied into `alloc(length)`, or null
   * (the process is retired then).
   */
  run(input: Uint8Array, done: StillDone, alloc: (n: number) => Buffer = (n) => Buffer.allocUnsafeSlow(n)): Promise<StillJobResult | null> {
    if (!this.ready) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.retire(`no result in ${this.timeoutMs} ms`), this.timeoutMs);
      this.job = { done, alloc, resolve, timer };
      this.child.stdin!.write(input);
    });
  }

  /** Ends it: ffmpeg gets EOF (and a signal if it lingers). */
  close(): void {
    this.retire('closed');
  }

  private onStdout(c: Buffer): void {
    if (!this.job) {
      this.retire('output with no job'); // something the protocol did not expect
      return;
    }
    if (this.outLen + c.length > this.out.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.outLen + c.length));
      this.out.copy(bigger, 0, 0, this.outLen);
      this.out = bigger;
    }
    c.copy(this.out, this.outLen);
    this.outLen += c.length;
    this.check();
  }

  private onLine(line: string): void {
    if (line.includes('] [info] n:')) {
      this.frames.push(line);
      this.check();
      return;
    }
    if (!/\[(warning|error|fatal|panic)\]/.test(line) || BENIGN.some((re) => re.test(line))) return;
    this.retire(line.trim());
  }

  private check(): void {
    const job = this.job;
    if (!job) return;
    const view = this.out.subarray(0, this.outLen);
    const n = job.done(view, this.frames);
    if (n === 0) return;
    if (n !== this.outLen) {
      this.retire(`${this.outLen - n} bytes more than one result`);
      return;
    }
    const bytes = job.alloc(n); // a copy: `out` is reused by the next job
    view.copy(bytes);
    this.outLen = 0;
    const frames = this.frames;
    this.frames = [];
    this.job = null;
    clearTimeout(job.timer);
    job.resolve({ bytes, frames });
  }

  private retire(why: string): void {
    if (!this.dead) {
      this.dead = true;
      this.retiredFor = why;
      this.child.stdin!.end();
      stopChild(this.child, 500);
    }
    const job = this.job;
    if (!job) return;
    this.job = null;
    clearTimeout(job.timer);
    job.resolve(null);
  }
}
