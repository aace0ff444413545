import { existsSync, linkSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputs, OutputPathError, prepareOutputs } from '../../../src/core/results/output-plan.js';
import { Logger } from '../../../src/core/log.js';
import { tempDir } from '../../helpers.js';

const tmp = tempDir('output-plan');
afterAll(() => tmp.cleanup());
const at = (name: string): string => path.join(tmp.dir, name);
const quiet = new Logger({ level: 'error' });

writeFileSync(at('in.mp4'), 'source bytes');
const input = [{ name: 'the input', path: at('in.mp4') }];

function refusal(fn: () => unknown): OutputPathError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OutputPathError);
    return err as OutputPathError;
  }
  throw new Error('expected an OutputPathError');
}

describe('checkOutputs', () => {
  it('accepts distinct new outputs and says which exist', () => {
    writeFileSync(at('old.jsonl'), 'old');
    const out = checkOutputs({ inputs: input, outputs: [{ name: '-o', path: at('new.mp4') }, { name: '--results', path: at('old.jsonl') }] });
    expect(out.map((o) => o.exists)).toEqual([false, true]);
  });

  it('refuses the input itself, by another spelling, a symlink and a hard link to it', () => {
    symlinkSync(at('in.mp4'), at('link.mp4'));
    linkSync(at('in.mp4'), at('hard.mp4'));
    for (const p of [at('in.mp4'), path.join(tmp.dir, '.', 'x', '..', 'in.mp4'), at('link.mp4'), at('hard.mp4')]) {
      const e = refusal(() => checkOutputs({ inputs: input, outputs: [{ name: '-o', path: p }] }));
      expect(e.message).toBe(`-o '${p}' is the same file as the input '${at('in.mp4')}': refusing to overwrite it`);
      expect(e.usage).toBe(true);
    }
  });

  it('finds the input behind a file: URL, and ignores network inputs', () => {
    const e = refusal(() => checkOutputs({ inputs: [{ name: 'the input', path: `file://${at('in.mp4')}` }], outputs: [{ name: '-o', path: at('in.mp4') }] }));
    expect(e.message).toMatch(/same file as the input/);
    expect(checkOutputs({ inputs: [{ name: 'the input', path: 'rtsp://cam/in.mp4' }], outputs: [{ name: '-o', path: at('x.mp4') }] })).toHaveLength(1);
  });

  it('refuses two outputs on one file, existing or not', () => {
    const e = refusal(() => checkOutputs({ inputs: [], outputs: [{ name: '-o', path: at('a.mp4') }, { name: '--results', path: at('sub/../a.mp4') }] }));
    expect(e.message).toBe(`--results '${at('sub/../a.mp4')}' and -o '${at('a.mp4')}' are the same file: give them different names`);
    writeFileSync(at('r.jsonl'), '');
    linkSync(at('r.jsonl'), at('r2.json'));
    expect(refusal(() => checkOutputs({ inputs: [], outputs: [{ name: '--results', path: at('r.jsonl') }, { name: '--coco', path: at('r2.json') }] })).message)
      .toMatch(/--coco .* and --results .* are the same file/);
  });

  it('refuses an output that is a directory', () => {
    mkdirSync(at('adir.mp4'));
    expect(refusal(() => checkOutputs({ inputs: [], outputs: [{ name: '-o', path: at('adir.mp4') }] })).message)
      .toBe(`-o '${at('adir.mp4')}' exists and is not a regular file`);
  });

  it('refuses a path under a regular file, and changes nothing', () => {
    const e = refusal(() => checkOutputs({ inputs: [], outputs: [{ name: '-o', path: at('in.mp4/deeper/x.mp4') }] }));
    expect(e.message).toBe(`cannot write -o '${at('in.mp4/deeper/x.mp4')}': '${at('in.mp4')}' is not a directory`);
    expect(e.usage).toBe(false);
  });
});

describe('prepareOutputs', () => {
  it('creates a missing directory, leaves no probe file, and changes nothing on a refusal', () => {
    refusal(() => prepareOutputs({ inputs: input, outputs: [{ name: '-o', path: at('made/a.mp4') }, { name: '--results', path: at('in.mp4') }] }, quiet));
    expect(existsSync(at('made'))).toBe(false);
    prepareOutputs({ inputs: input, outputs: [{ name: '-o', path: at('made/deep/a.mp4') }] }, quiet);
    expect(readdirSync(at('made/deep'))).toEqual([]);
  });

  it('fails with one line where no file can be created (/proc)', () => {
    const e = refusal(() => prepareOutputs({ inputs: [], outputs: [{ name: '-o', path: '/proc/x.mp4' }] }, quiet));
    expect(e.message).toMatch(/^cannot write -o '\/proc\/x\.mp4': cannot create files in '\/proc' \(E[A-Z]+: /);
    expect(e.usage).toBe(false);
  });
});
