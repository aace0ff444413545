import { writeFileSync } from 'node:fs';
import type { BoxXYXY, FrameResult } from '../types.js';
import { AtomicFile } from './atomic-file.js';
import { fsReason } from './fs-reason.js';

export interface CvatVideoWriterOptions {
  /** The task's name in `<meta>`: the annotated video's file name. */
  taskName: string;
}

interface Shape {
  frame: number;
  box: BoxXYXY;
  outside: boolean;
}

interface TrackRecord {
  label: string;
  shapes: Shape[];
  /** Frame of the last shape inside the picture, -1 once closed by an outside shape. */
  lastSeen: number;
}

/**
 * Tracks as CVAT for video 1.1 XML (`--cvat`), as CVAT's "XML annotation format" page describes
 * its interpolation (video) mode: `<annotations><version>1.1</version><meta><task>` (name, size =
 * frames, mode interpolation, labels, original_size) `</meta>`, then one
 * `<track id label source="auto">` per track id with a `<box frame keyframe outside occluded xtl
 * ytl xbr ybr z_order>` for each frame it was seen in (0-based frame = seq, every one a keyframe, so
 * CVAT draws what we saw rather than interpolating), and an `outside="1"` box (the last box
 * repeated) on the first frame after each stretch in which it was seen, so CVAT stops drawing it
 * there. Instances without a track id are left out; a failed frame neither shows nor hides
 * tracks (CVAT interpolates over it).
 *
 * XML groups shapes by track, so the boxes are kept in memory (about 100 bytes each) and the file
 * is written on {@link finish} under a hidden name, renamed into place by {@link commit}.
 */
export class CvatVideoWriter {
  private readonly file: AtomicFile;
  private readonly tracks = new Map<number, TrackRecord>();
  private readonly labels = new Set<string>();
  private frames = 0;
  private width = 0;
  private height = 0;

  constructor(readonly path: string, private readonly opts: CvatVideoWriterOptions) {
    this.file = new AtomicFile(path);
  }

  async write(result: FrameResult): Promise<void> {
    this.frames = Math.max(this.frames, result.seq + 1);
    this.width ||= result.width;
    this.height ||= result.height;
    if (result.error) return;
    const seen = new Set<number>();
    for (const inst of result.instances) {
      if (inst.trackId === undefined) continue;
      seen.add(inst.trackId);
      let t = this.tracks.get(inst.trackId);
      if (!t) this.tracks.set(inst.trackId, (t = { label: inst.label, shapes: [], lastSeen: -1 }));
      this.labels.add(inst.label);
      t.shapes.push({ frame: result.seq, box: inst.box, outside: false });
      t.lastSeen = result.seq;
    }
    for (const [id, t] of this.tracks) {
      if (seen.has(id) || t.lastSeen < 0) continue;
      t.shapes.push({ frame: result.seq, box: t.shapes[t.shapes.length - 1].box, outside: true });
      t.lastSeen = -1;
    }
  }

  /** Writes the whole XML to the hidden file; the target is not touched yet. */
  async finish(): Promise<void> {
    // Failed frames at the end: a track seen last before them still ends after its last sighting.
    for (const t of this.tracks.values()) {
      if (t.lastSeen >= 0 && t.lastSeen + 1 < this.frames) {
        t.shapes.push({ frame: t.lastSeen + 1, box: t.shapes[t.shapes.length - 1].box, outside: true });
        t.lastSeen = -1;
      }
    }
    try {
      writeFileSync(this.file.tmpPath, this.toXml());
    } catch (err) {
      throw new Error(`cannot write '${this.path}': ${fsReason(err)}`);
    }
  }

  commit(): void {
    this.file.commit();
  }

  /** Drops the hidden file; an existing target stays as it was. Idempotent. */
  abort(): void {
    this.file.abort();
  }

  toXml(): string {
    const now = new Date().toISOString();
    const out: string[] = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<annotations>',
      '  <version>1.1</version>',
      '  <meta>',
      '    <task>',
      `      <name>${esc(this.opts.taskName)}</name>`,
      `      <size>${this.frames}</size>`,
      '      <mode>interpolation</mode>',
      '      <overlap>0</overlap>',
      '      <flipped>False</flipped>',
      `      <created>${now}</created>`,
      `      <updated>${now}</updated>`,
      '      <labels>',
      ...[...this.labels].sort().map((l) => `        <label>\n          <name>${esc(l)}</name>\n          <attributes>\n          </attributes>\n        </label>`),
      '      </labels>',
      '      <original_size>',
      `        <width>${this.width}</width>`,
      `        <height>${this.height}</height>`,
      '      </original_size>',
      '    </task>',
      `    <dumped>${now}</dumped>`,
      '  </meta>',
    ];
    for (const [id, t] of [...this.tracks].sort((a, b) => a[0] - b[0])) {
      out.push(`  <track id="${id}" label="${esc(t.label)}" source="auto">`);
      for (const s of t.shapes) {
        const [x1, y1, x2, y2] = s.box.map((v) => (Math.round(v * 100) / 100).toFixed(2)); // as the MOT/JSONL round
        out.push(
          `    <box frame="${s.frame}" keyframe="1" outside="${s.outside ? 1 : 0}" occluded="0" ` +
            `xtl="${x1}" ytl="${y1}" xbr="${x2}" ybr="${y2}" z_order="0">\n    </box>`,
        );
      }
      out.push('  </track>');
    }
    out.push('</annotations>', '');
    return out.join('\n');
  }
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
