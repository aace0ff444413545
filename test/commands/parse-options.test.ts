import { describe, expect, it } from 'vitest';
import { editDistance, nearestOption, parseOptions } from '../../src/commands/parse-options.js';
import { UsageError } from '../../src/commands/usage-error.js';

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  score: { type: 'string' },
  'max-frames': { type: 'string' },
  'no-audio': { type: 'boolean' },
} as const;

function usageError(args: string[]): string {
  try {
    parseOptions(args, OPTIONS, true);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no error for ${args.join(' ')}`);
}

describe('parseOptions', () => {
  it('counts a swap of two letters as one slip', () => {
    expect(editDistance('scroe', 'score')).toBe(1);
    expect(editDistance('score', 'score')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests the nearest known name, a unique prefix, or nothing', () => {
    const known = Object.keys(OPTIONS);
    expect(nearestOption('scroe', known)).toBe('score');
    expect(nearestOption('max-frame', known)).toBe('max-frames');
    expect(nearestOption('out', known)).toBe('output');
    expect(nearestOption('zzzzzz', known)).toBeUndefined();
    expect(nearestOption('', known)).toBeUndefined();
  });

  it('turns node errors into one line each', () => {
    expect(usageError(['--scroe', '1'])).toBe("unknown option '--scroe' (did you mean --score?)");
    expect(usageError(['--scroe=1'])).toBe("unknown option '--scroe' (did you mean --score?)");
    expect(usageError(['-x'])).toBe("unknown option '-x'");
    expect(usageError(['-o'])).toBe("option '--output' needs a value");
    expect(usageError(['--no-audio=yes'])).toBe("option '--no-audio' takes no value");
    for (const args of [['--scroe'], ['-o'], ['--score', '-x']]) expect(usageError(args)).not.toContain('\n');
  });

  it('takes a negative number after a value option as its value, and leaves other dashes alone', () => {
    expect(parseOptions(['--max-frames', '-3', 'in.mp4'], OPTIONS, true).values['max-frames']).toBe('-3');
    expect(parseOptions(['-o', '-.5'], OPTIONS, true).values.output).toBe('-.5');
    expect(parseOptions(['--score', '-0.25'], OPTIONS, true).values.score).toBe('-0.25');
    // A flag after a value option is still an error (a missing value), not swallowed.
    expect(usageError(['--score', '--no-audio'])).toMatch(/--score/);
    // After `--` everything is positional.
    expect(parseOptions(['--', '--score', '-3'], OPTIONS, true).positionals).toEqual(['--score', '-3']);
  });
});
