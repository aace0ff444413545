import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { decodeRle, encodeRle, rleArea, rleCountsFromString, rleToBbox } from '../../src/core/rle.js';
import { SYNTH_CATEGORIES } from '../../src/synth/categories.js';
import { synthFrames, type SynthFrame } from '../../src/synth/synth-frames.js';
import { synthGroundTruth } from '../../src/synth/synth-clip.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');


describe('synthFrames / synthGroundTruth', () => {
  it('is deterministic: same seed → same GT JSON and pixels; another seed → different', () => {
    const a = JSON.stringify(synthGroundTruth({ seed: 7, frames: 30 }));
    const b = JSON.stringify(synthGroundTruth({ seed: 7, frames: 30 }));
    const c = JSON.stringify(synthGroundTruth({ seed: 8, frames: 30 }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    // First frame and a later one (state carried across frames), pixels and masks.
    const run = (seed: number) => [...synthFrames({ seed, frames: 26 })].filter((f) => f.seq === 0 || f.seq === 25);
    const digest = (fs: SynthFrame[]) => fs.map((f) => [sha(f.rgb), ...f.instances.map((i) => sha(i.mask))].join());
    const d7 = digest(run(7));
    expect(digest(run(7))).toEqual(d7);
    expect(digest(run(8))[0]).not.toBe(d7[0]);
  });

  it('a shorter clip is exactly the start of a longer one with the same seed', () => {
    const short = [...synthFrames({ seed: 9, frames: 8 })];
    const long = [...synthFrames({ seed: 9, frames: 20 })].slice(0, 8);
    expect(short.map((f) => sha(f.rgb))).toEqual(long.map((f) => sha(f.rgb)));
    const gtShort = synthGroundTruth({ seed: 9, frames: 8 });
    const gtLong = synthGroundTruth({ seed: 9, frames: 20 });
    expect(gtShort.annotations).toEqual(gtLong.annotations.filter((a) => a.image_id <= 8));
  });

  it('frames have the right size, timing and ids', () => {
    const frames = [...synthFrames({ seed: 3, frames: 12, width: 160, height: 120, fps: 25 })];
    expect(frames.map((f) => f.seq)).toEqual([...Array(12).keys()]);
    for (const f of frames) {
      expect(f.rgb.length).toBe(160 * 120 * 3);
      expect(f.ptsMs).toBeCloseTo(f.seq * 40, 9);
      expect(f.width).toBe(160);
      expect(f.height).toBe(120);
    }
  });

  it('GT masks are the visible pixels: disjoint, inside their box, areas consistent with the RLE', () => {
    const W = 320, H = 240;
    const frames = [...synthFrames({ seed: 7, frames: 91 })].filter((f) => [0, 37, 90].includes(f.seq));
    expect(frames.length).toBe(3);
    for (const f of frames) {
      expect(f.instances.length).toBeGreaterThan(0);
      const cover = new Uint8Array(W * H);
      for (const inst of f.instances) {
        const [x1, y1, x2, y2] = inst.box;
        let n = 0;
        let bx0 = W, by0 = H, bx1 = -1, by1 = -1;
        for (let p = 0; p < W * H; p++) {
          if (!inst.mask[p]) continue;
          if (inst.mask[p] !== 1) throw new Error(`mask value ${inst.mask[p]} at ${p}`);
          n++;
          cover[p]++;
          const x = p % W, y = (p - x) / W;
          bx0 = Math.min(bx0, x); bx1 = Math.max(bx1, x); by0 = Math.min(by0, y); by1 = Math.max(by1, y);
        }
        expect(n).toBe(inst.area);
        expect(n).toBeGreaterThanOrEqual(20);
        expect(inst.fullArea).toBeGreaterThanOrEqual(n);
        // The box is the tight box of the mask.
        expect([bx0, by0, bx1 + 1, by1 + 1]).toEqual([x1, y1, x2, y2]);
        const rle = encodeRle(inst.mask, W, H);
        expect(rleArea(rle)).toBe(n);
        expect(rleToBbox(rle)).toEqual([x1, y1, x2 - x1, y2 - y1]);
        expect(Buffer.compare(decodeRle(rle), inst.mask)).toBe(0);
      }
      // Visible masks never overlap.
      expect(cover.every((c) => c <= 1)).toBe(true);
    }
  });

  it('a default clip has occlusions, all classes, several objects per frame and stable track ids', () => {
    const gt = synthGroundTruth({ seed: 7 });
    expect(gt.images.length).toBe(150);
    const occluded = gt.annotations.filter((a) => a.area < a.full_area);
    expect(occluded.length).toBeGreaterThan(5);
    const classes = new Set(gt.annotations.map((a) => a.category_id));
    expect(classes.size).toBeGreaterThanOrEqual(3);
    for (const c of classes) expect(SYNTH_CATEGORIES.map((k) => k.id)).toContain(c);
    const perImage = new Map<number, number>();
    for (const a of gt.annotations) perImage.set(a.image_id, (perImage.get(a.image_id) ?? 0) + 1);
    const counts = gt.images.map((im) => perImage.get(im.id) ?? 0);
    expect(Math.max(...counts)).toBeLessThanOrEqual(6);
    expect(counts.reduce((s, c) => s + c, 0) / counts.length).toBeGreaterThan(2.5);
    // A track keeps its class.
    const cls = new Map<number, number>();
    for (const a of gt.annotations) {
      if (!cls.has(a.track_id)) cls.set(a.track_id, a.category_id);
      expect(cls.get(a.track_id)).toBe(a.category_id);
    }
    // Sizes span the documented range (largest extent 8%..35% of the height).
    const heights = gt.annotations.filter((a) => a.area === a.full_area).map((a) => Math.max(a.bbox[2], a.bbox[3]));
    expect(Math.min(...heights)).toBeLessThan(0.2 * 240);
    expect(Math.max(...heights)).toBeGreaterThan(0.2 * 240);
    expect(Math.max(...heights)).toBeLessThanOrEqual(0.36 * 240 + 2);
  });

  it('several seeds all have at least 3 classes and some occlusion', () => {
    for (const seed of [0, 1, 2, 123456789]) {
      const gt = synthGroundTruth({ seed, frames: 80 });
      expect(new Set(gt.annotations.map((a) => a.category_id)).size, `seed ${seed}`).toBeGreaterThanOrEqual(3);
      expect(gt.annotations.some((a) => a.area < a.full_area), `seed ${seed}`).toBe(true);
    }
  });

  it('GT JSON has the COCO structure pycocotools expects', () => {
    const gt = synthGroundTruth({ seed: 5, frames: 20 }, 'clip.mp4');
    expect(gt.info).toEqual({ seed: 5, width: 320, height: 240, fps: 10, frames: 20, generator: 'segstream synth' });
    expect(gt.categories).toEqual(SYNTH_CATEGORIES.map((c) => ({ ...c, supercategory: 'shape' })));
    gt.images.forEach((im, i) => {
      expect(im).toEqual({ id: i + 1, seq: i, file_name: `clip.mp4#${i}`, width: 320, height: 240, ptsMs: i * 100 });
    });
    const ids = new Set<number>();
    for (const a of gt.annotations) {
      expect(Object.keys(a).sort()).toEqual(
        ['area', 'bbox', 'category_id', 'full_area', 'id', 'image_id', 'iscrowd', 'segmentation', 'track_id'].sort(),
      );
      expect(ids.has(a.id)).toBe(false);
      ids.add(a.id);
      expect(a.image_id).toBeGreaterThanOrEqual(1);
      expect(a.image_id).toBeLessThanOrEqual(20);
      expect(a.iscrowd).toBe(0);
      expect(a.segmentation.size).toEqual([240, 320]);
      expect(typeof a.segmentation.counts).toBe('string');
      const counts = rleCountsFromString(a.segmentation.counts);
      expect(counts.reduce((s, c) => s + c, 0)).toBe(240 * 320);
      const rle = { size: [240, 320] as [number, number], counts };
      expect(rleArea(rle)).toBe(a.area);
      expect(rleToBbox(rle)).toEqual(a.bbox);
    }
    expect(() => JSON.parse(JSON.stringify(gt))).not.toThrow();
  });

  it('rejects bad options with a RangeError', () => {
    expect(() => synthGroundTruth({ seed: -1 })).toThrow(RangeError);
    expect(() => synthGroundTruth({ seed: 1, width: 321 })).toThrow(/even/);
    expect(() => synthGroundTruth({ seed: 1, frames: 0 })).toThrow(RangeError);
    expect(() => synthGroundTruth({ seed: 1, minObjects: 5, maxObjects: 2 })).toThrow(RangeError);
  });
});
