import { cvatRle } from '../contour/cvat-rle.js';
import { MaskCrop } from '../contour/mask-crop.js';
import { MaskOutline } from '../contour/mask-outline.js';
import type { FrameResult, Instance } from '../types.js';

/** What each CVAT shape is: the box, the mask's outline, or the mask itself. */
export type CvatShapeKind = 'box' | 'polygon' | 'mask';
export const CVAT_SHAPE_KINDS: readonly CvatShapeKind[] = ['polygon', 'box', 'mask'];

export interface CvatTracksOptions {
  /** The task's name in `<meta>`: the annotated video's file name. */
  taskName: string;
  /** @defaultValue 'polygon' */
  shapes?: CvatShapeKind;
  /**
   * The seq shown as CVAT frame 0: the first frame of the video this file goes with (a segment's
   * or a resumed file's), so that a CVAT task made from that video lines up. @defaultValue 0
   */
  firstSeq?: number;
  /** Douglas-Peucker tolerance of the polygons, in pixels. @defaultValue 1 */
  polygonTolerancePx?: number;
}

interface Shape {
  frame: number;
  /** The geometry attributes, written out already (`xtl=… ytl=…`, `points=…`, `rle=… left=…`). */
  geometry: string;
  outside: boolean;
}

interface TrackRecord {
  label: string;
  shapes: Shape[];
  /** Frame of the last shape inside the picture, -1 once closed by an outside shape. */
  lastSeen: number;
}

/** A mask shape, written as CVAT writes a shape in a video task: a track of its own. */
interface MaskRecord {
  id: number;
  label: string;
  frame: number;
  geometry: string;
}

const TAG: Record<CvatShapeKind, string> = { box: 'box', polygon: 'polygon', mask: 'mask' };

/**
 * Tracks as CVAT for video 1.1 XML (`--cvat`), as CVAT's "XML annotation format" page and its
 * exporter/importer (cvat/apps/dataset_manager/formats/cvat.py) have it:
 * `<annotations><version>1.1</version><meta><task>` (name, size = frames, mode interpolation,
 * labels, original_size) `</meta>`, then the tracks. Frame numbers count from `firstSeq`.
 *
 * - `polygon` (the default) and `box`: one `<track id label source="auto">` per track id with a
 *   `<polygon frame keyframe="1" outside occluded points="x1,y1;x2,y2;…" z_order>` (or a `<box … xtl
 *   ytl xbr ybr>`) for each frame it was seen in (every one a keyframe, so CVAT shows what we saw
 *   rather than interpolating: its importer drops shapes that are not keyframes), and an
 *   `outside="1"` copy of the last shape on the first frame after each stretch, so CVAT stops
 *   drawing it there. Polygons are the outline of the mask's largest part, holes filled
 *   (src/core/contour/mask-outline.ts); an instance without mask pixels gets its box as a
 *   4-point polygon (a track holds one kind of shape).
 * - `mask`: CVAT has no mask tracks (its importer keeps only the first shape of a `<track>` of
 *   masks), so each mask is written the way CVAT's own video export writes a shape: a `<track>`
 *   of its own with the `<mask frame keyframe="1" outside="0" occluded="0" rle left top width height
 *   z_order>` and an outside copy on the next frame (unless it is the last). Those tracks carry
 *   the tracker's id, so all of one object's masks share it (CVAT ignores a track's id on import).
 *
 * Instances without a track id are left out; a failed frame neither shows nor hides tracks.
 * XML groups shapes by track, so they are kept in memory until the end (a box ~100 bytes, a
 * polygon or mask a few hundred); {@link CvatVideoWriter} writes the file.
 */
export class CvatTracks {
  private readonly tracks = new Map<number, TrackRecord>();
  private readonly masks: MaskRecord[] = [];
  private readonly labels = new Set<string>();
  private readonly kind: CvatShapeKind;
  private readonly firstSeq: number;
  private readonly crop = new MaskCrop();
  private readonly outline: MaskOutline;
  private frames = 0;
  private width = 0;
  private height = 0;

  constructor(private readonly opts: CvatTracksOptions) {
    this.kind = opts.shapes ?? 'polygon';
    if (!CVAT_SHAPE_KINDS.includes(this.kind)) throw new RangeError(`CVAT: shapes must be one of ${CVAT_SHAPE_KINDS.join(', ')}`);
    this.firstSeq = opts.firstSeq ?? 0;
    this.outline = new MaskOutline(opts.polygonTolerancePx ?? 1);
  }

  add(result: FrameResult): void {
    const frame = result.seq - this.firstSeq;
    this.frames = Math.max(this.frames, frame + 1);
    this.width ||= result.width;
    this.height ||= result.height;
    if (result.error) return;
    const seen = new Set<number>();
    for (const inst of result.instances) {
      if (inst.trackId === undefined) continue;
      if (this.kind === 'mask') {
        const geometry = this.maskGeometry(inst);
        if (geometry) this.masks.push({ id: inst.trackId, label: inst.label, frame, geometry });
        this.labels.add(inst.label);
        continue;
      }
      seen.add(inst.trackId);
      let t = this.tracks.get(inst.trackId);
      if (!t) this.tracks.set(inst.trackId, (t = { label: inst.label, shapes: [], lastSeen: -1 }));
      this.labels.add(inst.label);
      t.shapes.push({ frame, geometry: this.kind === 'box' ? boxGeometry(inst) : this.polygonGeometry(inst), outside: false });
      t.lastSeen = frame;
    }
    for (const [id, t] of this.tracks) {
      if (seen.has(id) || t.lastSeen < 0) continue;
      t.shapes.push({ frame, geometry: t.shapes[t.shapes.length - 1].geometry, outside: true });
      t.lastSeen = -1;
    }
  }

  /** The whole file. Call once, after the last frame. */
  toXml(): string {
    // Failed frames at the end: a track seen last before them still ends after its last sighting.
    for (const t of this.tracks.values()) {
      if (t.lastSeen >= 0 && t.lastSeen + 1 < this.frames) {
        t.shapes.push({ frame: t.lastSeen + 1, geometry: t.shapes[t.shapes.length - 1].geometry, outside: true });
        t.lastSeen = -1;
      }
    }
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
    const tag = TAG[this.kind];
    const shape = (s: Shape) =>
      `    <${tag} frame="${s.frame}" keyframe="1" outside="${s.outside ? 1 : 0}" occluded="0" ${s.geometry} z_order="0">\n    </${tag}>`;
    for (const [id, t] of [...this.tracks].sort((a, b) => a[0] - b[0])) {
      out.push(`  <track id="${id}" label="${esc(t.label)}" source="auto">`, ...t.shapes.map(shape), '  </track>');
    }
    const masks = [...this.masks].sort((a, b) => a.id - b.id || a.frame - b.frame);
    for (const m of masks) {
      out.push(`  <track id="${m.id}" label="${esc(m.label)}" source="auto">`, shape({ frame: m.frame, geometry: m.geometry, outside: false }));
      if (m.frame + 1 < this.frames) out.push(shape({ frame: m.frame + 1, geometry: m.geometry, outside: true }));
      out.push('  </track>');
    }
    out.push('</annotations>', '');
    return out.join('\n');
  }

  private polygonGeometry(inst: Instance): string {
    let xy: number[] = this.crop.load(inst.mask) ? this.outline.polygon(this.crop) : [];
    if (xy.length < 6) {
      const [x1, y1, x2, y2] = inst.box;
      xy = [x1, y1, x2, y1, x2, y2, x1, y2];
    }
    let points = '';
    for (let i = 0; i < xy.length; i += 2) points += `${i ? ';' : ''}${xy[i].toFixed(2)},${xy[i + 1].toFixed(2)}`;
    return `points="${points}"`;
  }

  private maskGeometry(inst: Instance): string | null {
    if (!this.crop.load(inst.mask)) return null;
    const c = this.crop;
    return `rle="${cvatRle(c).join(', ')}" left="${c.left}" top="${c.top}" width="${c.width}" height="${c.height}"`;
  }
}

function boxGeometry(inst: Instance): string {
  const [x1, y1, x2, y2] = inst.box.map((v) => (Math.round(v * 100) / 100).toFixed(2)); // as the MOT/JSONL round
  return `xtl="${x1}" ytl="${y1}" xbr="${x2}" ybr="${y2}"`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
