import path from 'node:path';

const TOKENS = /\{(stream|index|start)\}/g;

/**
 * Names the files of a segmented recording from the `-o` pattern. Tokens: `{stream}` (the stream
 * id), `{index}` (the segment's number, 5 digits from 00000) and `{start}` (the UTC time of its
 * first frame, `YYYYMMDDTHHMMSSZ`). A pattern without tokens numbers the files beside it:
 * `name.mp4` gives `name-00000.mp4`, `name-00001.mp4`, ... Each video's JSONL has its name with
 * `.jsonl`.
 */
export class SegmentNamer {
  readonly pattern: string;
  /**
   * Where the stream's segment index and in-progress record live: the directory of the pattern's
   * part before its first token (every segment lies below it).
   */
  readonly stateDir: string;

  constructor(pattern: string, private readonly streamId: string) {
    this.pattern = hasTokens(pattern) ? pattern : pattern.replace(/(\.[^./\\]*)?$/, (ext) => `-{index}${ext}`);
    const fixed = this.pattern.slice(0, this.pattern.search(TOKENS));
    this.stateDir = path.resolve(/[/\\]$/.test(fixed) || fixed === '' ? fixed || '.' : path.dirname(fixed));
  }

  video(index: number, startMs: number): string {
    return path.resolve(this.pattern.replace(TOKENS, (_m, t: string) =>
      t === 'stream' ? this.streamId : t === 'index' ? String(index).padStart(5, '0') : utcStamp(startMs)));
  }
}

/**
 * The extension a segmented track file's flag puts on the `-o` pattern's name: `--mot
 * 'rec/{start}.mot.txt'` beside `-o 'rec/{start}.mp4'` gives `.mot.txt`, so segment
 * `rec/20260101T000000Z.mp4` gets `rec/20260101T000000Z.mot.txt`. Null when `file` is not the
 * pattern with another extension (or takes one a segment already has: the video's, .jsonl,
 * .events.jsonl, .h264).
 */
export function companionExt(pattern: string, file: string): string | null {
  const base = withExt(pattern, '');
  if (!file.startsWith(base)) return null;
  const ext = file.slice(base.length);
  if (!/^(\.[A-Za-z0-9_-]+)+$/.test(ext)) return null;
  const taken = [path.extname(pattern), '.jsonl', '.events.jsonl', '.h264'].map((e) => e.toLowerCase());
  return taken.includes(ext.toLowerCase()) ? null : ext;
}

/** A problem with a `--segment` output pattern, or null when it is fine. */
export function segmentPatternProblem(pattern: string): string | null {
  const unknown = pattern.match(/\{(?!(?:stream|index|start)\})[^}]*\}/);
  if (unknown) return `unknown token '${unknown[0]}' in -o '${pattern}' (use {stream}, {index}, {start})`;
  if (hasTokens(pattern) && !/\{(index|start)\}/.test(pattern)) return `-o '${pattern}' names every segment alike: add {index} or {start}`;
  if (!/\.(mp4|m4v|mov)$/i.test(pattern)) return `output '${pattern}' must end in .mp4 (H.264 MP4)`;
  return null;
}

function hasTokens(p: string): boolean {
  return /\{(stream|index|start)\}/.test(p);
}

/** 2026-12-01T11:27:00.123Z → 20261201T112700Z */
export function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/** `a/b.mp4` → `a/b.jsonl`; with a tag: `a/b.recovered.jsonl`. */
export function withExt(file: string, ext: string, tag = ''): string {
  return file.replace(/\.[^./\\]*$/, '') + tag + ext;
}

/** The hidden name a file has while it is being written: `.NAME.inprogress.EXT` beside it. */
export function inProgressName(file: string, ext: string): string {
  return path.join(path.dirname(file), `.${path.basename(withExt(file, ''))}.inprogress${ext}`);
}
