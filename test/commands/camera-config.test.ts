import { describe, expect, it } from 'vitest';
import { ConfigError, parseCameraConfig, type CameraFieldSpec } from '../../src/commands/camera-config.js';
import { sessionGroups } from '../../src/commands/cameras-run.js';
import type { CameraPlan } from '../../src/commands/camera-plan.js';

const FIELDS: Record<string, CameraFieldSpec> = {
  output: { type: 'string' },
  fps: { type: 'string' },
  score: { type: 'string' },
  'keep-hours': { type: 'string' },
  track: { type: 'boolean' },
  'no-track': { type: 'boolean' },
  'no-audio': { type: 'boolean' },
  zone: { type: 'string', multiple: true },
};

const parse = (text: string, file = 'cameras.yml') => parseCameraConfig(text, file, FIELDS);
const error = (text: string, file = 'cameras.yml'): string => {
  try {
    parse(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('camera config loader', () => {
  it('overlays defaults with each camera, as command-line values', () => {
    const c = parse(`
defaults:
  fps: 10
  output: rec/{stream}.mp4
  no-audio: true
  zone: ['door:0,0,1,0,1,1']
cameras:
  - id: gate
    url: rtsp://cam1/stream
    score: 0.7
  - id: yard
    input: yard.mp4
    fps: 2.5
    zone: []
    track: false
`);
    expect(c.cameras).toEqual([
      { id: 'gate', input: 'rtsp://cam1/stream', sourceField: 'url', values: { fps: '10', output: 'rec/{stream}.mp4', 'no-audio': true, zone: ['door:0,0,1,0,1,1'], score: '0.7' } },
      // track: false is --no-track (a false flag alone would leave tracking on); a list replaces the default list
      { id: 'yard', input: 'yard.mp4', sourceField: 'input', values: { fps: '2.5', output: 'rec/{stream}.mp4', 'no-audio': true, zone: [], 'no-track': true } },
    ]);
  });

  it('reads JSON by its extension', () => {
    const c = parse('{"cameras": [{"id": "a", "url": "a.mp4", "fps": 5}]}', 'cams.json');
    expect(c.cameras[0].values).toEqual({ fps: '5' });
  });

  it('names the file, the camera and the field in every error', () => {
    expect(error('cameras:\n  - id: gate\n    url: a.mp4\n    fsp: 10\n')).toBe("cameras.yml: camera 'gate' field 'fsp': unknown field (did you mean 'fps'?)");
    expect(error('cameras:\n  - id: gate\n    url: a.mp4\n    keep_hours: 1\n')).toBe("cameras.yml: camera 'gate' field 'keep_hours': unknown field (did you mean 'keep-hours'?)");
    expect(error('cameras:\n  - id: gate\n    url: a.mp4\n  - id: gate\n    url: b.mp4\n')).toBe("cameras.yml: camera 'gate' field 'id': duplicate id (camera #1 has it too)");
    expect(error('cameras:\n  - id: gate\n    url: a.mp4\n    fps: [1, 2]\n')).toBe("cameras.yml: camera 'gate' field 'fps': must be a string or a number (got a list)");
    expect(error('cameras:\n  - id: gate\n    url: a.mp4\n    no-audio: yes please\n')).toBe("cameras.yml: camera 'gate' field 'no-audio': must be true or false (got \"yes please\")");
    expect(error('cameras:\n  - id: gate\n    url: a.mp4\n    fps:\n')).toBe("cameras.yml: camera 'gate' field 'fps': has no value");
    expect(error('cameras:\n  - id: gate\n    fps: 1\n')).toMatch(/^cameras\.yml: camera 'gate': missing 'url'/);
    expect(error('cameras:\n  - id: gate\n    url: a.mp4\n    input: b.mp4\n')).toBe("cameras.yml: camera 'gate' field 'input': give 'url' or 'input', not both");
    expect(error('cameras:\n  - url: a.mp4\n')).toMatch(/^cameras\.yml: camera #1 field 'id': missing/);
    expect(error('cameras:\n  - id: front door\n    url: a.mp4\n')).toBe("cameras.yml: camera #1 field 'id': use 1-64 letters, digits, '_' or '-' (got \"front door\")");
    expect(error('defaults:\n  id: x\ncameras:\n  - id: a\n    url: a.mp4\n')).toBe("cameras.yml: defaults field 'id': each camera has its own id");
    expect(error('defaults:\n  scroe: 1\ncameras:\n  - id: a\n    url: a.mp4\n')).toBe("cameras.yml: defaults field 'scroe': unknown field (did you mean 'score'?)");
  });

  it('refuses a file of the wrong shape, in one line', () => {
    expect(error('camras: []\n')).toBe("cameras.yml: unknown top-level key 'camras' (did you mean 'cameras'?) (expected 'defaults' and 'cameras')");
    expect(error('cameras: []\n')).toBe("cameras.yml: 'cameras' must be a non-empty list, got a list");
    expect(error('- a\n- b\n')).toMatch(/^cameras\.yml: expected a mapping with 'cameras:'/);
    expect(error('cameras:\n  - id: a\n   url: x\n')).toMatch(/^cameras\.yml: not valid YAML: .* at line \d+, column \d+$/);
    expect(error('cameras:\n  - id: a\n    fps: 1\n    fps: 2\n    url: x\n')).toMatch(/^cameras\.yml: not valid YAML: Map keys must be unique/);
    expect(error('{"cameras": [', 'c.json')).toMatch(/^c\.json: not valid JSON: /);
    for (const m of [error('cameras:\n  - id: a\n   url: x\n'), error('{"cameras": [', 'c.json')]) expect(m).not.toContain('\n');
  });
});

function plan(id: string, worker: CameraPlan['worker']): CameraPlan {
  return { id, input: `${id}.mp4`, output: `${id}.mp4`, segmented: false, worker, producer: {}, compositor: {} };
}

describe('session groups (run --config)', () => {
  it('one session per model; the score is not part of it, the lowest needed is kept', () => {
    const groups = sessionGroups([
      plan('a', { model: 'm.onnx', postprocess: { scoreThreshold: 0.7 } }),
      plan('b', { model: 'm.onnx', postprocess: { scoreThreshold: 0.4 } }),
      plan('c', { model: 'other.onnx' }),
      plan('d', { model: 'm.onnx', postprocess: { iouThreshold: 0.3 } }),
    ]);
    expect(groups.map((g) => g.cameras.map((c) => c.id))).toEqual([['a', 'b'], ['c'], ['d']]);
    expect(groups[0].worker.postprocess!.scoreThreshold).toBe(0.4);
    expect(groups[1].worker.postprocess!.scoreThreshold).toBe(0.5);
  });

  it('keeps detections down to a tracking camera\'s low threshold, and marks none itself', () => {
    const [g] = sessionGroups([
      plan('a', { model: 'm.onnx', postprocess: { scoreThreshold: 0.6 } }),
      plan('b', { model: 'm.onnx', postprocess: { scoreThreshold: 0.6 }, trackLowScore: 0.1 }),
    ]);
    expect(g!.cameras).toHaveLength(2);
    expect(g!.worker.postprocess!.scoreThreshold).toBe(0.1);
    expect(g!.worker.trackLowScore).toBeUndefined();
  });
});

describe('cameras.example.yml', () => {
  it('is a valid config file', async () => {
    const { readFileSync } = await import('node:fs');
    const { CAMERA_FIELDS } = await import('../../src/commands/camera-plan.js');
    const { repoRoot } = await import('../helpers.js');
    const flags = ['track', 'no-track', 'class-agnostic', 'no-audio', 'no-masks', 'no-boxes', 'no-labels'];
    const specs = Object.fromEntries(CAMERA_FIELDS.map((n) => [n, flags.includes(n) ? { type: 'boolean' as const } : { type: 'string' as const, multiple: n === 'zone' || n === 'line' }]));
    const file = `${repoRoot}/cameras.example.yml`;
    const c = parseCameraConfig(readFileSync(file, 'utf8'), file, specs);
    expect(c.cameras.map((cam) => cam.id)).toEqual(['gate', 'yard', 'lobby']);
    expect(c.cameras[1].values).toMatchObject({ fps: '5', segment: '600', 'keep-gb': '50', reconnect: '20' });
  });
});
