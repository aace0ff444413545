/**
 * Long-lived still decoders and encoders (still-codecs.ts) against the per-file ones they stand
 * in for: the same pixels and the same bytes, photo after photo through one process, and every
 * photo a process cannot do cleanly handed back (null) with that process retired. Real ffmpeg.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { ffmpegPath } from '../../../src/core/media/ffmpeg-path.js';
import { StillCodecs } from '../../../src/core/media/still-codecs.js';
import { jpegSize } from '../../../src/core/media/image-header.js';
import { imageFileEnd } from '../../../src/core/media/image-file-end.js';
import { encodeImage } from '../../../src/core/media/image-encoder.js';
import { VideoDecoder } from '../../../src/core/media/video-decoder.js';
import { liveMediaChildren } from '../../../src/core/media/process.js';
import { withExifOrientation } from '../../batch/exif-fixture.js';
import { tempDir } from '../../helpers.js';
import { waitFor } from './media-helpers.js';

const tmp = tempDir('stills');
afterAll(() => tmp.cleanup());
const opened: StillCodecs[] = [];
afterEach(() => { for (const c of opened.splice(0)) c.close(); });
/** Closed after each test, passed or not. */
function codecs(): StillCodecs {
  const c = new StillCodecs();
  opened.push(c);
  return c;
}

/** A still of `size` from a moving test pattern (frame `n`: each one different), in `ext`'s type. */
function still(name: string, size: string, n: number, extra: string[] = []): string {
  const file = tmp.file(name);
  execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`, '-vf', `select=eq(n\\,${n})`, '-frames:v', '1', ...extra, file]);
  return file;
}

/** The per-file way: a VideoDecoder of its own (EXIF orientation included). */
async function perFile(file: string): Promise<{ yuv: Buffer; width: number; height: number }> {
  const d = new VideoDecoder(file, 'ref', { maxFrames: 1 });
  await d.info();
  for await (const f of d.frames()) return { yuv: Buffer.from(f.yuv), width: f.width, height: f.height };
  throw new Error(`no frame from ${file}`);
}

/** A JPEG whose markers are all in place but whose frame header claims 7 components (no decoder takes it). */
function badFrameHeader(jpeg: Buffer): Buffer {
  const b = Buffer.from(jpeg);
  b[b.indexOf(Buffer.from([0xff, 0xc0])) + 9] = 7;
  return b;
}

describe('image headers and file ends', () => {
  it('reads a JPEG size from its header, nothing from other bytes', () => {
    expect(jpegSize(readFileSync(still('h.jpg', '320x240', 0)))).toEqual({ width: 320, height: 240 });
    expect(jpegSize(withExifOrientation(readFileSync(tmp.file('h.jpg')), 6))).toEqual({ width: 320, height: 240 });
    expect(jpegSize(readFileSync(still('h.png', '100x60', 0)))).toBeNull();
    expect(jpegSize(Buffer.from('not an image at all'))).toBeNull();
    // Without a DHT segment (the standard tables implied, as in motion-JPEG frames): not ours.
    const jpeg = readFileSync(tmp.file('h.jpg'));
    const dht = jpeg.indexOf(Buffer.from([0xff, 0xc4]));
    const noTables = Buffer.concat([jpeg.subarray(0, dht), jpeg.subarray(dht + 2 + jpeg.readUInt16BE(dht + 2))]);
    expect(noTables.indexOf(Buffer.from([0xff, 0xc4]))).toBe(-1);
    expect(jpegSize(noTables)).toBeNull();
  });

  it('finds where the first of two files back to back ends, and 0 for a cut one', () => {
    for (const ext of ['.jpg', '.png', '.bmp', '.webp']) {
      const a = readFileSync(still(`e1${ext}`, '96x64', 1));
      const b = readFileSync(still(`e2${ext}`, '96x64', 2));
      expect(imageFileEnd(Buffer.concat([a, b]), ext), ext).toBe(a.length);
      expect(imageFileEnd(a, ext), ext).toBe(a.length);
      expect(imageFileEnd(a.subarray(0, a.length - 1), ext), ext).toBe(0);
    }
  });
});

describe('long-lived still decoders', () => {
  it('decode photo after photo through one process, the per-file pixels each time (two sizes, EXIF turned; PNGs per file)', async () => {
    const c = codecs();
    const sideways = tmp.file('turned.jpg');
    writeFileSync(sideways, withExifOrientation(readFileSync(still('turned-src.jpg', '240x320', 5)), 6));
    const files = [
      still('a0.jpg', '320x240', 0), still('a1.jpg', '320x240', 1), still('b0.jpg', '200x120', 0),
      still('a2.jpg', '320x240', 2), still('p0.png', '320x240', 3), sideways, still('p1.png', '320x240', 4), still('b1.jpg', '200x120', 1),
    ];
    for (const f of files) {
      const got = f.endsWith('.png') ? await perFile(f) : await c.decodeFile(f);
      const ref = await perFile(f);
      expect(got, f).not.toBeNull();
      expect([got!.width, got!.height], f).toEqual([ref.width, ref.height]);
      expect(got!.yuv.equals(ref.yuv), `${f}: pixels`).toBe(true);
    }
    expect([...new Set(files.map((f) => f.slice(-6)))].length).toBe(files.length);
    // A process per size and turn: 320x240, 200x120, 240x320 turned. PNGs are not theirs.
    expect(c.decoders.started).toBe(3);
    expect(await c.decodeFile(files[4])).toBeNull();
    c.close(); // and no process outlives its session
    expect(await waitFor(() => liveMediaChildren() === 0, 5000)).toBe(true);
  });

  it('hands back a photo it cannot decode cleanly, retires that process, and goes on with a new one', async () => {
    const c = codecs();
    const good = [still('g0.jpg', '320x240', 10), still('g1.jpg', '320x240', 11)];
    const bad = tmp.file('bad-scan.jpg');
    writeFileSync(bad, badFrameHeader(readFileSync(good[0])));
    const garbage = tmp.file('garbage.jpg');
    writeFileSync(garbage, Buffer.from('this is not a JPEG'.repeat(100)));
    expect(await c.decodeFile(good[0])).not.toBeNull();
    expect(await c.decodeFile(bad)).toBeNull(); // its header is fine: it went to the process, which fell over on it
    expect(await c.decodeFile(garbage)).toBeNull(); // no header: no process asked
    expect(await c.decodeFile(tmp.file('missing.jpg'))).toBeNull();
    const after = await c.decodeFile(good[1]);
    expect(after!.yuv.equals((await perFile(good[1])).yuv)).toBe(true);
    expect(c.decoders.started).toBe(2); // the first, and the one after the bad photo
    // The per-file decoder reports the bad one, as it did before any process was reused.
    await expect(perFile(bad)).rejects.toThrow(/cannot read input/);
  });

  it('takes a JPEG whose EXIF block ffmpeg cannot parse (it says so on stderr; the pixels are not affected)', async () => {
    const c = codecs();
    const src = readFileSync(still('x.jpg', '320x240', 12));
    const body = Buffer.concat([Buffer.from('Exif\0\0XX', 'latin1'), Buffer.alloc(30)]);
    const seg = Buffer.from([0xff, 0xe1, 0, 0]);
    seg.writeUInt16BE(body.length + 2, 2);
    const odd = tmp.file('odd-exif.jpg');
    writeFileSync(odd, Buffer.concat([src.subarray(0, 2), seg, body, src.subarray(2)]));
    for (let i = 0; i < 2; i++) {
      const got = await c.decodeFile(odd);
      expect(got!.yuv.equals((await perFile(odd)).yuv)).toBe(true);
    }
    expect(c.decoders.started).toBe(1);
  });

  it('gives each of several photos in flight at once a process of its own, and each its own pixels', async () => {
    const c = codecs();
    const files = [0, 1, 2, 3].map((n) => still(`c${n}.jpg`, '320x240', 20 + n));
    const got = await Promise.all(files.map((f) => c.decodeFile(f)));
    for (const [i, f] of files.entries()) expect(got[i]!.yuv.equals((await perFile(f)).yuv), f).toBe(true);
    expect(c.decoders.started).toBe(4);
    expect(c.decoders.idleCount).toBe(4);
    // Reused now: four more photos start no process.
    await Promise.all(files.map((f) => c.decodeFile(f)));
    expect(c.decoders.started).toBe(4);
  });

  it('replaces a process that died while idle', async () => {
    expect(await waitFor(() => liveMediaChildren() === 0, 5000)).toBe(true); // earlier tests' processes gone
    const c = codecs();
    const f = still('k.jpg', '320x240', 30);
    await c.decodeFile(f);
    const pids = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'mpjpeg'], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(pids.length).toBe(1);
    process.kill(pids[0], 'SIGKILL');
    expect(await waitFor(() => c.decoders.idleCount === 1 && liveMediaChildren() === 0, 5000)).toBe(true);
    const again = await c.decodeFile(f);
    expect(again!.yuv.equals((await perFile(f)).yuv)).toBe(true);
    expect(c.decoders.started).toBe(2);
  });
});

describe('long-lived still encoders', () => {
  it('write the bytes the per-file encoder writes, frame after frame through one process per type', async () => {
    const c = codecs();
    const frames = await Promise.all([40, 41].map(async (n) => (await perFile(still(`f${n}.png`, '320x240', n))).yuv));
    for (const [type, quality] of [['.jpg', 90], ['.jpg', 40], ['.png', 90], ['.bmp', 90], ['.webp', 75]] as const) {
      for (const [i, yuv] of frames.entries()) {
        const ref = tmp.file(`ref-${i}-q${quality}${type}`);
        await encodeImage(yuv, 320, 240, ref, ref, { quality });
        const got = await c.encode(yuv, 320, 240, `out${type}`, quality);
        expect(got, `${type} q${quality} #${i}`).not.toBeNull();
        expect(got!.equals(readFileSync(ref)), `${type} q${quality} #${i}: bytes`).toBe(true);
      }
    }
    expect(c.encoders.started).toBe(5);
    // A frame of the wrong size is not sent at all.
    expect(await c.encode(frames[0].subarray(1), 320, 240, 'x.jpg')).toBeNull();
  });
});
