/**
 * Images in and out, batches of files and folders, one COCO dataset (issue 12). Real ffmpeg, the
 * bundled model, real Redis and real `segstream work` processes; ground truth from `segstream synth`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { ffmpegPath } from '../../src/core/media/ffmpeg-path.js';
import { readJsonl, comparable } from './jsonl.js';
import { withExifOrientation } from '../batch/exif-fixture.js';
import { deleteKeys, REDIS_URL, runCli, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';

const tmp = tempDir('batch');
const prefix = testPrefix();
afterAll(async () => { tmp.cleanup(); await deleteKeys(prefix); });

const ff = (...args: string[]) => execFileSync(ffmpegPath(), ['-v', 'error', '-y', ...args]);

/** Width and height of an image or video, from ffmpeg's stream line. */
function sizeOf(file: string): [number, number] {
  let err = '';
  try { execFileSync(ffmpegPath(), ['-hide_banner', '-i', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }); } catch (e) { err = String((e as { stderr: string }).stderr); }
  const m = /Video: .*?, (\d+)x(\d+)/.exec(err);
  if (!m) throw new Error(`no video stream in ${file}: ${err}`);
  return [Number(m[1]), Number(m[2])];
}

function boxIou(a: number[], b: number[]): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const area = (x: number[]) => (x[2] - x[0]) * (x[3] - x[1]);
  return (iw * ih) / (area(a) + area(b) - iw * ih);
}

async function synth(out: string, seed: number, frames: number): Promise<void> {
  const r = await runCli(['synth', '--seed', String(seed), '--frames', String(frames), '-o', out]);
  expect(r.code, r.stderr).toBe(0);
}

interface GtJson { images: { id: number; file_name: string; seq: number; width: number; height: number }[]; annotations: { id: number; image_id: number }[]; categories: unknown[] }

/** The first frame of a synth clip as an image of `ext`'s type, and that frame's GT. */
async function synthImage(out: string, seed: number, vf?: string): Promise<GtJson> {
  const clip = path.join(tmp.dir, `src-${seed}.mp4`);
  if (!existsSync(clip)) await synth(clip, seed, 1);
  ff('-i', clip, ...(vf ? ['-vf', vf] : []), '-frames:v', '1', ...(out.endsWith('.jpg') ? ['-q:v', '2'] : []), out);
  return JSON.parse(readFileSync(clip.replace(/\.mp4$/, '.json'), 'utf8')) as GtJson;
}

function evalJson(gt: string, results: string): Promise<{ code: number | null; m: { ap50: number; input: { frames: number; framesWithoutGt: number } }; stderr: string }> {
  return runCli(['eval', '--gt', gt, '--results', results, '--json', '-']).then((r) => ({ code: r.code, stderr: r.stderr, m: r.code === 0 ? JSON.parse(r.stdout) : null }));
}

describe('image input and output', () => {
  it('applies the EXIF orientation of a JPEG before inference: output upright, same size, boxes in its pixels', async () => {
    // Stored sideways (turned 90° counter-clockwise) with Orientation 6 (show it turned clockwise),
    // as a phone held upright stores it; byte-edited in, no exiftool.
    const gt = await synthImage(tmp.file('sideways.jpg'), 36, 'transpose=2');
    expect(sizeOf(tmp.file('sideways.jpg'))).toEqual([240, 320]);
    writeFileSync(tmp.file('rotated.jpg'), withExifOrientation(readFileSync(tmp.file('sideways.jpg')), 6));
    writeFileSync(tmp.file('gt36.json'), JSON.stringify(gt));
    const r = await runCli(['run', tmp.file('rotated.jpg'), '-o', tmp.file('rotated-out.jpg'), '--score', '0.3']);
    expect(r.code, r.stderr).toBe(0);
    expect(sizeOf(tmp.file('rotated-out.jpg'))).toEqual([320, 240]);
    const [line] = readJsonl(tmp.file('rotated-out.jsonl'));
    expect([line!.width, line!.height]).toEqual([320, 240]);
    expect(line!.instances.length).toBeGreaterThan(0);
    // The same pixels turned upright by ffmpeg beforehand: the same detections, box for box.
    ff('-i', tmp.file('sideways.jpg'), '-vf', 'transpose=1', tmp.file('upright.png'));
    const up = await runCli(['run', tmp.file('upright.png'), '-o', tmp.file('upright-out.png'), '--score', '0.3']);
    expect(up.code, up.stderr).toBe(0);
    const [ref] = readJsonl(tmp.file('upright-out.jsonl'));
    const boxes = (l: typeof line) => l!.instances.map((i) => ({ label: i.label, box: i.box })).sort((x, y) => x.box[0] - y.box[0]);
    expect(boxes(line).map((b) => b.label)).toEqual(boxes(ref).map((b) => b.label));
    // (Box IoU, not exact: the two paths convert colours differently, and the tiny model moves a few px.)
    boxes(line).forEach((b, n) => expect(boxIou(b.box, boxes(ref)[n].box), b.label).toBeGreaterThan(0.8));
    // And the masks lie where the synth GT (drawn upright) has its shapes.
    const e = await evalJson(tmp.file('gt36.json'), tmp.file('rotated-out.jsonl'));
    expect(e.code, e.stderr).toBe(0);
    expect(e.m.ap50).toBeGreaterThan(0.8);
    // Without the EXIF tag the same bytes are inferred as stored: sideways, and far from the GT.
    const plain = await runCli(['run', tmp.file('sideways.jpg'), '-o', tmp.file('sideways-out.png'), '--score', '0.3']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(sizeOf(tmp.file('sideways-out.png'))).toEqual([240, 320]);
  });

  it('writes PNG, BMP and WebP outputs of their type; --jpeg-quality sets the JPEG size', async () => {
    await synthImage(tmp.file('q.png'), 32);
    const magic: Record<string, number[]> = { png: [0x89, 0x50, 0x4e, 0x47], bmp: [0x42, 0x4d], webp: [0x52, 0x49, 0x46, 0x46], jpg: [0xff, 0xd8] };
    for (const ext of Object.keys(magic)) {
      const out = tmp.file(`q-out.${ext}`);
      const r = await runCli(['run', tmp.file('q.png'), '-o', out]);
      expect(r.code, r.stderr).toBe(0);
      expect([...readFileSync(out).subarray(0, magic[ext].length)]).toEqual(magic[ext]);
      expect(sizeOf(out)).toEqual([320, 240]);
    }
    const low = await runCli(['run', tmp.file('q.png'), '-o', tmp.file('q-low.jpg'), '--jpeg-quality', '10']);
    expect(low.code, low.stderr).toBe(0);
    expect(statSync(tmp.file('q-low.jpg')).size).toBeLessThan(statSync(tmp.file('q-out.jpg')).size * 0.7);
    const bad = await runCli(['run', tmp.file('q.png'), '-o', tmp.file('q.gif')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/must end in \.mp4 .* or an image type/);
  });
});

describe('batch: segstream run INPUT... -o OUTDIR/', () => {
  const folder = tmp.file('folder');
  const gts: Record<string, GtJson> = {};
  beforeAll(async () => {
    mkdirSync(path.join(folder, 'more'), { recursive: true });
    gts['a.jpg'] = await synthImage(path.join(folder, 'a.jpg'), 41);
    gts['more/b.png'] = await synthImage(path.join(folder, 'more', 'b.png'), 42);
    gts['c.bmp'] = await synthImage(path.join(folder, 'c.bmp'), 43);
    gts['d.webp'] = await synthImage(path.join(folder, 'd.webp'), 44);
    await synth(path.join(folder, 'clip.mp4'), 45, 8);
    gts['clip.mp4'] = JSON.parse(readFileSync(path.join(folder, 'clip.json'), 'utf8')) as GtJson;
    writeFileSync(path.join(folder, 'notes.txt'), 'not a picture\n');
    writeFileSync(path.join(folder, 'broken.jpg'), 'not a JPEG either\n');
    writeFileSync(path.join(folder, 'empty.png'), '');
  });

  it('writes every good input (same relative path and type), reports the bad ones, exits 1; the batch COCO reads back in eval', async () => {
    const out = tmp.file('out1');
    const coco = tmp.file('out1-dataset.json');
    const r = await runCli(['run', folder, '-o', `${out}/`, '--coco', coco, '--score', '0.3']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/segstream: error: 2 input\(s\) failed/);
    // One line each for the bad files, and their rows.
    expect(r.stderr).toMatch(/broken\.jpg: cannot read input .*broken\.jpg/);
    expect(r.stderr).toMatch(/empty\.png: cannot read input .*empty\.png.*: file is empty/);
    expect(r.stderr).toMatch(/^broken\.jpg +- +- +[\d.]+ s +failed: /m);
    expect(r.stderr).toMatch(/^notes\.txt +- +- +- +skipped: not a media file/m);
    expect(r.stderr).toMatch(/^clip\.mp4 +8 +\d+ +[\d.]+ s +done$/m);
    for (const [rel, size] of [['a.jpg', [320, 240]], ['more/b.png', [320, 240]], ['c.bmp', [320, 240]], ['d.webp', [320, 240]], ['clip.mp4', [320, 240]]] as const) {
      expect(sizeOf(path.join(out, rel)), rel).toEqual(size);
      expect(existsSync(path.join(out, rel.replace(/\.[a-z0-9]+$/, '.jsonl'))), rel).toBe(true);
    }
    expect(readJsonl(path.join(out, 'clip.jsonl'))).toHaveLength(8);
    expect(existsSync(path.join(out, 'broken.jpg'))).toBe(false);
    expect(existsSync(path.join(out, 'notes.txt'))).toBe(false);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]); // no temp file left

    // One dataset: 4 images + 8 video frames, named by the documented convention.
    const ds = JSON.parse(readFileSync(coco, 'utf8')) as GtJson;
    expect(ds.images.map((i) => i.file_name)).toEqual(['a.jpg', 'c.bmp', 'clip/000000.jpg', 'clip/000001.jpg', 'clip/000002.jpg', 'clip/000003.jpg', 'clip/000004.jpg', 'clip/000005.jpg', 'clip/000006.jpg', 'clip/000007.jpg', 'd.webp', 'more/b.png']);
    expect(ds.images.map((i) => i.id)).toEqual(ds.images.map((_, n) => n + 1));
    expect(ds.annotations.length).toBeGreaterThan(12);

    // A GT of the same batch, merged from the synth GTs under the same names, ids in another order.
    const images: GtJson['images'] = [];
    const annotations: GtJson['annotations'] = [];
    let nextId = 1000;
    let annId = 1;
    for (const [rel, g] of Object.entries(gts).reverse()) {
      for (const im of g.images) {
        const id = nextId--;
        const fileName = rel.endsWith('.mp4') ? `${rel.replace(/\.mp4$/, '')}/${String(im.seq).padStart(6, '0')}.jpg` : rel;
        images.push({ ...im, id, seq: id, file_name: fileName });
        for (const a of g.annotations.filter((x) => x.image_id === im.id)) annotations.push({ ...a, id: annId++, image_id: id });
      }
    }
    writeFileSync(tmp.file('batch-gt.json'), JSON.stringify({ images, annotations, categories: gts['a.jpg'].categories }));
    const e = await evalJson(tmp.file('batch-gt.json'), coco);
    expect(e.code, e.stderr).toBe(0);
    expect(e.m.input.frames).toBe(12);
    expect(e.m.input.framesWithoutGt).toBe(0);
    expect(e.m.ap50).toBeGreaterThan(0.8);
  });

  it('resumes an interrupted batch: outputs finished before a SIGKILL are kept as they were, the rest is done once', async () => {
    const many = tmp.file('many');
    mkdirSync(many);
    const clip = tmp.file('many.mp4');
    await synth(clip, 51, 24);
    ff('-i', clip, '-q:v', '3', '-start_number', '0', path.join(many, 'p%02d.jpg'));
    const names = readdirSync(many).sort();
    expect(names).toHaveLength(24);
    const out = tmp.file('out-many');
    // The CLI's own node process, spawned directly (bin/segstream.js), so the SIGKILL hits it.
    const child = spawnCli(['run', many, '-o', `${out}/`, '--parallel', '2']);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const done = () => names.filter((n) => existsSync(path.join(out, n)) && existsSync(path.join(out, n.replace('.jpg', '.jsonl'))));
    const deadline = Date.now() + 120_000;
    while (done().length < 4 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(child.signalCode, stderr).toBe('SIGKILL');
    const before = done();
    expect(before.length).toBeGreaterThanOrEqual(4);
    expect(before.length, 'the kill came before the end').toBeLessThan(24);
    const stamp = (n: string) => { const s = statSync(path.join(out, n)); return `${s.ino}:${s.mtimeMs}`; };
    const stamps = new Map(before.flatMap((n) => [[n, stamp(n)], [n.replace('.jpg', '.jsonl'), stamp(n.replace('.jpg', '.jsonl'))]]));

    const again = await runCli(['run', many, '-o', `${out}/`, '--parallel', '2'], { timeoutMs: 180_000 });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`skipping ${before.length} input(s) whose outputs are complete`);
    expect((again.stderr.match(/skipped: already done/g) ?? []).length).toBe(before.length);
    expect((again.stderr.match(/ {2}done$/gm) ?? []).length).toBe(24 - before.length);
    expect(done()).toHaveLength(24);
    for (const [n, s] of stamps) expect(stamp(n), `${n} untouched`).toBe(s);
    // What the SIGKILL left under temporary names is gone; nothing hidden remains.
    expect(readdirSync(out).filter((f) => f.startsWith('.')), again.stderr).toEqual([]);
    // A completed batch run again does nothing; --overwrite redoes everything.
    const third = await runCli(['run', many, '-o', `${out}/`]);
    expect(third.code, third.stderr).toBe(0);
    expect((third.stderr.match(/skipped: already done/g) ?? []).length).toBe(24);
    const p00 = stamp('p00.jpg');
    const redo = await runCli(['run', path.join(many, 'p00.jpg'), path.join(many, 'p01.jpg'), '-o', `${out}/`, '--overwrite']);
    expect(redo.code, redo.stderr).toBe(0);
    expect(stamp('p00.jpg')).not.toBe(p00);
  }, 400_000);

  it('Ctrl-C finishes the inputs in progress whole, starts no new one, and exits 1; the next run goes on', async () => {
    const dir = tmp.file('sigint');
    mkdirSync(dir);
    await synth(tmp.file('sigint.mp4'), 52, 16);
    ff('-i', tmp.file('sigint.mp4'), '-start_number', '0', path.join(dir, 'q%02d.png'));
    const names = readdirSync(dir).sort();
    const out = tmp.file('out-sigint');
    const child = spawnCli(['run', dir, '-o', `${out}/`, '--parallel', '2']);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const both = (n: string) => existsSync(path.join(out, n)) && existsSync(path.join(out, n.replace('.png', '.jsonl')));
    const deadline = Date.now() + 120_000;
    while (names.filter(both).length < 2 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const code = await new Promise((r) => child.once('exit', (c) => r(c)));
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/interrupted: finishing the inputs in progress/);
    expect(stderr).toMatch(/segstream: error: stopped on request: \d+ input\(s\) finished/);
    const finished = names.filter(both);
    expect(finished.length).toBeLessThan(names.length);
    // Nothing half done: an input has both files or neither, and no temporary file is left.
    for (const n of names) expect(existsSync(path.join(out, n)), n).toBe(existsSync(path.join(out, n.replace('.png', '.jsonl'))));
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
    const again = await runCli(['run', dir, '-o', `${out}/`]);
    expect(again.code, again.stderr).toBe(0);
    expect((again.stderr.match(/skipped: already done/g) ?? []).length).toBe(finished.length);
    expect(names.filter(both)).toHaveLength(names.length);
  }, 300_000);

  it('spreads a batch through Redis over two segstream work processes (run --redis, produce INPUT...), with the results of the in-memory batch', async () => {
    const small = tmp.file('small');
    mkdirSync(small);
    for (const f of ['a.jpg', 'more/b.png', 'c.bmp', 'clip.mp4']) { mkdirSync(path.dirname(path.join(small, f)), { recursive: true }); copyFileSync(path.join(folder, f), path.join(small, f)); }
    const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL };
    const workers = [0, 1].map(() => spawnCli(['work', '--score', '0.3', '--threads', '1', '--concurrency', '2'], env));
    const logs = workers.map(() => '');
    workers.forEach((w, i) => w.stderr!.on('data', (d) => (logs[i] += d)));
    try {
      await Promise.all(workers.map((w) => waitForLine(w, /waiting for frames/)));
      const r = await runCli(['run', `${small}/`, '-o', tmp.file('out-redis/'), '--redis', REDIS_URL, '--score', '0.3', '--threads', '1', '--concurrency', '1'], { env, timeoutMs: 180_000 });
      expect(r.code, r.stderr).toBe(0);
      const mem = await runCli(['run', `${small}/`, '-o', tmp.file('out-mem/'), '--score', '0.3']);
      expect(mem.code, mem.stderr).toBe(0);
      for (const f of ['a.jsonl', 'more/b.jsonl', 'c.jsonl', 'clip.jsonl']) {
        expect(comparable(readJsonl(tmp.file(`out-redis/${f}`))), f).toEqual(comparable(readJsonl(tmp.file(`out-mem/${f}`))));
      }
    } finally {
      await Promise.all(workers.map((w) => new Promise((res) => { w.once('exit', res); w.kill('SIGTERM'); })));
    }
    // segstream produce with several inputs: one stream each (ID-0000, ...), bad ones reported,
    // every stream's frames taken by the workers and composed as usual.
    const bad = path.join(small, 'zz-broken.jpg');
    writeFileSync(bad, 'not a JPEG\n');
    const workers2 = [0, 1].map(() => spawnCli(['work', '--score', '0.3', '--threads', '1'], env));
    try {
      await Promise.all(workers2.map((w) => waitForLine(w, /waiting for frames/)));
      const p = await runCli(['produce', `${small}/`, '--stream', 'pb'], { env });
      expect(p.code, p.stderr).toBe(1);
      expect(p.stderr).toMatch(/zz-broken\.jpg: cannot read input/);
      expect(p.stderr).toMatch(/^clip\.mp4 +pb-0002 +8 +published$/m);
      expect(p.stderr).toMatch(/^more\/b\.png +pb-0003 +1 +published$/m);
      for (const [id, frames] of [['pb-0000', 1], ['pb-0002', 8], ['pb-0003', 1]] as const) {
        const c = await runCli(['compose', '--stream', id, '-o', tmp.file(`pb/${id}.mp4`), '--wait', '5'], { env });
        expect(c.code, c.stderr).toBe(0);
        expect(readJsonl(tmp.file(`pb/${id}.jsonl`)), id).toHaveLength(frames);
      }
    } finally {
      await Promise.all(workers2.map((w) => new Promise((res) => { w.once('exit', res); w.kill('SIGTERM'); })));
    }
    // Each worker's last progress line: both took frames of the batch.
    const inferred = logs.map((l) => {
      const lines = l.split('\n').filter((x) => x.includes('"msg":"progress"'));
      return lines.length ? (JSON.parse(lines[lines.length - 1]) as { inferred: number }).inferred : 0;
    });
    expect(inferred[0], logs[0]).toBeGreaterThan(0);
    expect(inferred[1], logs[1]).toBeGreaterThan(0);
  }, 400_000);
});

describe('batch of photos through long-lived decoders and encoders', () => {
  const folder = tmp.file('reuse');
  /** Decoded pixels of an image file (RGB, so any type compares). */
  const pixels = (file: string): Buffer => execFileSync(ffmpegPath(), ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  const good = ['a1.jpg', 'a2.jpg', 'b1.jpg', 'a3.jpg', 'p1.png', 'b2.jpg', 'turned.jpg', 'a4.jpg'];
  beforeAll(async () => {
    mkdirSync(folder, { recursive: true });
    await synthImage(path.join(folder, 'a1.jpg'), 51);
    await synthImage(path.join(folder, 'a2.jpg'), 52);
    await synthImage(path.join(folder, 'a3.jpg'), 53);
    await synthImage(path.join(folder, 'a4.jpg'), 54);
    await synthImage(path.join(folder, 'b1.jpg'), 55, 'scale=200:150');
    await synthImage(path.join(folder, 'b2.jpg'), 56, 'scale=200:150');
    await synthImage(path.join(folder, 'p1.png'), 57);
    await synthImage(tmp.file('turned-src.jpg'), 58, 'transpose=2');
    writeFileSync(path.join(folder, 'turned.jpg'), withExifOrientation(readFileSync(tmp.file('turned-src.jpg')), 6));
    // In the middle, by name: a JPEG whose markers are all there (so a long-lived decoder is handed
    // it) but whose frame header claims 7 components, and bytes that are no JPEG at all.
    const bad = Buffer.from(readFileSync(path.join(folder, 'a1.jpg')));
    bad[bad.indexOf(Buffer.from([0xff, 0xc0])) + 9] = 7;
    writeFileSync(path.join(folder, 'a25-bad.jpg'), bad);
    writeFileSync(path.join(folder, 'a26-garbage.jpg'), 'no JPEG here'.repeat(50));
  });

  it('writes every good photo as a run of that photo alone writes it, reports the corrupt ones, and starts a process per size, not per photo', async () => {
    const out = tmp.file('reuse-out');
    const r = await runCli(['run', folder, '-o', `${out}/`, '--score', '0.3', '--parallel', '2', '--jpeg-quality', '80'], { env: { SEGSTREAM_LOG_LEVEL: 'info' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/segstream: error: 2 input\(s\) failed/);
    expect(r.stderr).toMatch(/^.*a25-bad\.jpg: cannot read input .*a25-bad\.jpg.*$/m);
    expect(r.stderr).toMatch(/^.*a26-garbage\.jpg: cannot read input .*a26-garbage\.jpg.*$/m);
    expect(r.stderr).toMatch(/^a25-bad\.jpg +- +- +[\d.]+ s +failed: /m);
    expect(existsSync(path.join(out, 'a25-bad.jpg'))).toBe(false);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]); // no temp file left
    const finished = JSON.parse(r.stderr.split('\n').find((l) => l.includes('"batch finished"'))!) as { done: number; stillDecoders: number; stillEncoders: number };
    expect(finished.done).toBe(good.length);
    // Decoders: 320x240 and 200x150 JPEGs, the turned one, and the one that replaced the process
    // the bad JPEG retired, each at most once per lane (2). PNGs are decoded per file.
    expect(finished.stillDecoders).toBeLessThanOrEqual(7);
    // Encoders: JPEG 320x240, JPEG 200x150, JPEG 240x320... PNG 320x240, at most 2 each.
    expect(finished.stillEncoders).toBeLessThanOrEqual(8);
    expect(finished.stillDecoders + finished.stillEncoders).toBeLessThan(2 * good.length);
    for (const name of good) {
      const single = tmp.file(`single-${name}`);
      const one = await runCli(['run', path.join(folder, name), '-o', single, '--score', '0.3', '--jpeg-quality', '80']);
      expect(one.code, one.stderr).toBe(0);
      expect(sizeOf(path.join(out, name)), name).toEqual(sizeOf(single));
      expect(pixels(path.join(out, name)).equals(pixels(single)), `${name}: the batch's pixels are the single run's`).toBe(true);
      expect(comparable(readJsonl(path.join(out, name.replace(/\.\w+$/, '.jsonl')))), name).toEqual(comparable(readJsonl(single.replace(/\.\w+$/, '.jsonl'))));
    }
    expect(sizeOf(path.join(out, 'turned.jpg'))).toEqual([320, 240]);
    // Resume: nothing good is redone, the bad ones fail again.
    const again = await runCli(['run', folder, '-o', `${out}/`, '--score', '0.3', '--parallel', '2']);
    expect(again.code).toBe(1);
    expect((again.stderr.match(/skipped: already done/g) ?? []).length).toBe(good.length);
    expect(again.stderr).toMatch(/^a25-bad\.jpg +- +- +[\d.]+ s +failed: /m);
  });
});
