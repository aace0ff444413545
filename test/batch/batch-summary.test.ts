import { describe, expect, it } from 'vitest';
import { BatchProgress } from '../../src/batch/batch-progress.js';
import { batchTotals, formatBatchTable } from '../../src/batch/batch-summary.js';
import { batchFileName } from '../../src/batch/batch-coco.js';
import { Logger } from '../../src/core/log.js';

describe('batch summary and progress', () => {
  it('a table row per input: frames, instances, time, status (and why)', () => {
    const rows = [
      { input: 'a.jpg', status: 'done' as const, frames: 1, instances: 6, ms: 600 },
      { input: 'clips/long-name.mp4', status: 'done' as const, frames: 120, instances: 480, ms: 75_000 },
      { input: 'bad.jpg', status: 'failed' as const, frames: 0, instances: 0, ms: 20, note: 'cannot read input' },
      { input: 'b.jpg', status: 'skipped' as const, frames: 1, instances: 2, ms: 0, note: 'already done' },
    ];
    const lines = formatBatchTable(rows).split('\n');
    expect(lines[0]).toMatch(/^input +frames +instances +time +status$/);
    expect(lines[1]).toMatch(/^a\.jpg +1 +6 +0\.60 s +done$/);
    expect(lines[2]).toMatch(/^clips\/long-name\.mp4 +120 +480 +1m15s +done$/);
    expect(lines[3]).toMatch(/^bad\.jpg +- +- +0\.02 s +failed: cannot read input$/);
    expect(lines[4]).toMatch(/^b\.jpg +1 +2 +- +skipped: already done$/);
    expect(batchTotals(rows)).toEqual({ done: 2, skipped: 1, failed: 1, frames: 121, instances: 486 });
  });

  it('progress: files done/total, failures, frames, fps and an ETA from the time per file', () => {
    const p = new BatchProgress(new Logger({ json: true }), 10);
    expect(p.line()).toMatch(/^batch: files 0\/10 \| frames 0 \| 0\.0 fps \| elapsed 0s$/);
    p.filesDone = 4;
    p.filesFailed = 1;
    p.frames = 40;
    expect(p.line()).toMatch(/^batch: files 4\/10 \| failed 1 \| frames 40 \| [\d.]+ fps \| ETA \d+s \| elapsed \d+s$/);
    expect(p.etaSeconds()).not.toBeNull();
  });

  it('COCO file names: an image by its relative path, a video frame under the video\'s name', () => {
    expect(batchFileName({ rel: 'trip/IMG_1.jpg', kind: 'image' }, 0)).toBe('trip/IMG_1.jpg');
    expect(batchFileName({ rel: 'cams/gate.mov', kind: 'video' }, 123)).toBe('cams/gate/000123.jpg');
  });
});
