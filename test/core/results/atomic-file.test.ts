import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AtomicFile } from '../../../src/core/results/atomic-file.js';
import { JsonlWriter } from '../../../src/core/results/jsonl-writer.js';
import type { FrameResult } from '../../../src/core/types.js';
import { tempDir } from '../../helpers.js';

const tmp = tempDir('atomic-file');
afterAll(() => tmp.cleanup());
const at = (name: string): string => path.join(tmp.dir, name);
const frame = (seq: number): FrameResult => ({ streamId: 's', seq, ptsMs: seq * 40, width: 4, height: 4, instances: [] });

describe('AtomicFile', () => {
  it('keeps the old target until commit, then replaces it', () => {
    writeFileSync(at('t.jsonl'), 'old');
    const f = new AtomicFile(at('t.jsonl'));
    expect(path.dirname(f.tmpPath)).toBe(tmp.dir);
    expect(path.basename(f.tmpPath)).toBe(`.t.jsonl.${process.pid}.partial.jsonl`);
    writeFileSync(f.tmpPath, 'new');
    expect(readFileSync(at('t.jsonl'), 'utf8')).toBe('old');
    f.commit();
    expect(readFileSync(at('t.jsonl'), 'utf8')).toBe('new');
    expect(existsSync(f.tmpPath)).toBe(false);
  });

  it('abort removes the temporary file and leaves the target alone', () => {
    writeFileSync(at('u.mp4'), 'old');
    const f = new AtomicFile(at('u.mp4'));
    writeFileSync(f.tmpPath, 'half');
    f.abort();
    f.abort();
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('.u.mp4'))).toEqual([]);
    expect(readFileSync(at('u.mp4'), 'utf8')).toBe('old');
  });
});

describe('JsonlWriter', () => {
  it('writes under a hidden name and appears only on close', async () => {
    writeFileSync(at('r.jsonl'), 'old\n');
    const w = new JsonlWriter(at('r.jsonl'));
    await w.write(frame(0));
    await w.finish();
    expect(readFileSync(at('r.jsonl'), 'utf8')).toBe('old\n');
    w.commit();
    expect(JSON.parse(readFileSync(at('r.jsonl'), 'utf8')).seq).toBe(0);
  });

  it('abort leaves the old file as it was and no temporary file', async () => {
    writeFileSync(at('s.jsonl'), 'old\n');
    const w = new JsonlWriter(at('s.jsonl'));
    await w.write(frame(0));
    w.abort();
    expect(readFileSync(at('s.jsonl'), 'utf8')).toBe('old\n');
    expect(readdirSync(tmp.dir).filter((n) => n.startsWith('.s.jsonl'))).toEqual([]);
  });

  it('a path it cannot open is one error naming the file, not an unhandled error event', () => {
    expect(() => new JsonlWriter('/proc/nope/r.jsonl')).toThrow(/^cannot write '\/proc\/nope\/r\.jsonl': ENOENT: no such file or directory$/);
  });
});
