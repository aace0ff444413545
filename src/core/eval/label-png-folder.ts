/**
 * A folder of PNG label maps, one per frame (src/core/eval/label-png.ts: pixel value = class id,
 * 255 = ignored), as `segstream eval --gt DIR` / `--results DIR` take it.
 *
 * Frame order: every file in the folder (not its subfolders; names starting with '.' skipped) is
 * one frame, and must be a PNG (checked up front). When every name carries a number (its last run of digits: `000123.png`,
 * `frame_17.png`), files sort by that number and the numbers must run on without a gap, so a
 * missing frame is an error; otherwise they sort by name. The first file is frame seq 0, the
 * k-th frame seq k-1 — so `ffmpeg ... %06d.png` (numbered from 1) and `-start_number 0` both fit.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { EvalInputError } from './load.js';
import { decodeLabelPng, isPng, LabelPngError, type LabelImage } from './label-png.js';

export class LabelPngFolder {
  /** File names in frame order: files[seq]. */
  readonly files: readonly string[];
  private buf: Uint8Array = new Uint8Array(0);

  /** @param role 'gt' or 'results': starts each error message. */
  constructor(readonly dir: string, private readonly role: string) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => !n.startsWith('.') && statSync(path.join(dir, n)).isFile());
    } catch (err) {
      throw new EvalInputError(`${role} ${dir}: cannot read the folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (names.length === 0) throw new EvalInputError(`${role} ${dir}: no PNG label maps in the folder`);
    // Every file is a frame: one that is not a PNG is named now, not when its frame comes.
    const head = new Uint8Array(8);
    for (const n of names) {
      const file = path.join(dir, n);
      let got = 0;
      try {
        const fd = openSync(file, 'r');
        try {
          got = readSync(fd, head, 0, 8, 0);
        } finally {
          closeSync(fd);
        }
      } catch (err) {
        throw new EvalInputError(`${role} ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      if (got < 8 || !isPng(head)) throw new EvalInputError(`${role} ${file}: not a PNG file (a label-map folder holds only PNGs)`);
    }
    const numbers = names.map((n) => /(\d+)\D*$/.exec(n)?.[1]);
    if (numbers.every((d) => d !== undefined)) {
      const order = names.map((n, i) => ({ n, k: Number(numbers[i]) })).sort((a, b) => a.k - b.k || (a.n < b.n ? -1 : 1));
      for (let i = 1; i < order.length; i++) {
        const prev = order[i - 1], cur = order[i];
        if (cur.k === prev.k) throw new EvalInputError(`${role} ${path.join(dir, cur.n)}: frame number ${cur.k} again (also ${prev.n})`);
        if (cur.k !== prev.k + 1) throw new EvalInputError(`${role} ${dir}: frame ${prev.k + 1} is missing (${cur.n} follows ${prev.n})`);
      }
      this.files = order.map((o) => o.n);
    } else {
      this.files = [...names].sort();
    }
  }

  get frames(): number {
    return this.files.length;
  }

  /** The file of frame `seq`, or undefined past the last. */
  fileOf(seq: number): string | undefined {
    const f = this.files[seq];
    return f === undefined ? undefined : path.join(this.dir, f);
  }

  /**
   * The label map of frame `seq` (a view of a buffer reused by the next call). `expect`: the
   * frame size it must have.
   */
  read(seq: number, expect?: { width: number; height: number }): LabelImage {
    const file = this.fileOf(seq);
    if (!file) throw new EvalInputError(`${this.role} ${this.dir}: no label map for frame ${seq} (the folder has ${this.frames}: frames 0..${this.frames - 1})`);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      throw new EvalInputError(`${this.role} ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    let img: LabelImage;
    try {
      img = decodeLabelPng(bytes, this.buf);
    } catch (err) {
      if (err instanceof LabelPngError) throw new EvalInputError(`${this.role} ${file}: ${err.message}`);
      throw err;
    }
    if (img.data.buffer !== this.buf.buffer) this.buf = img.data;
    if (expect && (img.width !== expect.width || img.height !== expect.height)) {
      throw new EvalInputError(`${this.role} ${file}: label map is ${img.width}x${img.height}, frame ${seq} is ${expect.width}x${expect.height}`);
    }
    return img;
  }
}
