/**
 * Pipeline benchmark: measures both sides of each target in one run, side by side, and prints
 * ratios (the machine is noisy; absolute numbers drift, ratios much less).
 *
 *   npm run bench -- [--frames 300] [--redis-memory] [--model path.onnx] [--repeats 2]
 *                    [--only throughput|overhead|redis-memory|semantic|argmax|images] [--images 200] [--parallel 4]
 *
 * 1. pipeline fps (segstream run, one worker) vs the model's own inference rate on the same
 *    frames: target ratio ≥ 0.9. Alternated A/B/A/B; medians compared.
 * 2. cost outside the model per 720p frame: the same pipeline with a constant-output ONNX model of
 *    the same signature and input spec as the bundled model (bench/fixtures/constant-detector.onnx
 *    and .json: 10 instances per frame), so decode, transport, pre/postprocessing, drawing and
 *    encoding are all that run: target ≤ 15 ms.
 * 4. semantic: the argmax/encode path (scores → 720p label map → one RLE per class) for a 21-class
 *    map, at input size (torchvision `out` at 720p), at DeepLabV3's 520x520 and at stride 8,
 *    the previous decoder (semantic-decoder-before.ts) beside the current one and beside one
 *    plain read of the scores: target < 5 ms; then the bundled
 *    U-Net's cost per 720p frame end to end (`segstream run --task semantic`) beside the bundled
 *    Mask R-CNN's, on the same synthetic 720p clip.
 * 5. images (`--only images`): a folder of 200 JPEGs at 1280x720 made from ../shared/media frames,
 *    annotated by `segstream run DIR -o OUT/` (one session, several images in flight) with the
 *    bundled model and with the YOLO model in ../shared/models: images/s between the first and
 *    the last image written, beside the model's own rate in the same run (its session.run time
 *    over the same images) and the model alone on the same decoded images: target ≥ 0.9.
 * 3. (--redis-memory) peak Redis memory of a distributed run (produce | work | compose processes)
 *    over the whole 139 s clip vs its first 10 s: target ratio ≤ 1.10.
 * 5. (--only redis-capacity) 720p frame SET+GET throughput: one redis-server vs a 3-master Redis
 *    Cluster, both started by the benchmark, side by side (bench/redis-capacity.ts).
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { spawn, execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { VideoDecoder } from '../src/core/media/video-decoder.js';
import { ffmpegPath } from '../src/core/media/ffmpeg-path.js';
import { InferenceEngine } from '../src/worker/inference-engine.js';
import { DEFAULT_POSTPROCESS } from '../src/core/adapters/model-adapter.js';
import { bundledModelPath, bundledSemanticModelPath, packageRoot } from '../src/core/package-root.js';
import { SemanticDecoder, type ScoreMap } from '../src/core/semantic-argmax.js';
import { SemanticDecoderBefore } from './semantic-decoder-before.js';
import { RedisKeys } from '../src/core/transport/redis-keys.js';
import { benchRedisCapacity } from './redis-capacity.js';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '300' },
    model: { type: 'string' },
    input: { type: 'string' },
    'redis-memory': { type: 'boolean', default: false },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    repeats: { type: 'string', default: '2' },
    /** Run one section only: throughput | overhead | redis-memory | semantic | argmax (section 4's decoder table alone) | images | redis-capacity. */
    only: { type: 'string' },
    images: { type: 'string', default: '200' },
    parallel: { type: 'string' },
  },
});

const root = packageRoot();
const N = Number(values.frames);
const model = values.model ?? bundledModelPath();
const input = values.input ?? path.resolve(root, '..', 'shared', 'media', 'people-walking.mp4');
const threads = os.availableParallelism();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'segstream-bench-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function decodeFrames(source: string, count: number) {
  const dec = new VideoDecoder(source, 'bench', { maxFrames: count });
  await dec.info();
  const frames: { yuv: Uint8Array; width: number; height: number }[] = [];
  for await (const f of dec.frames()) frames.push({ yuv: f.yuv, width: f.width, height: f.height });
  dec.close();
  return frames;
}

/** The model alone: the same frames through the same inference thread, one at a time. */
async function modelAlone(frames: { yuv: Uint8Array; width: number; height: number }[], modelPath: string) {
  const engine = await InferenceEngine.start({ modelPath, device: 'cpu', intraOpThreads: threads, postprocess: DEFAULT_POSTPROCESS });
  await engine.infer(frames[0].yuv, frames[0].width, frames[0].height); // warm-up
  let runMs = 0;
  let prePostMs = 0;
  const t0 = performance.now();
  for (const f of frames) {
    const out = await engine.infer(f.yuv, f.width, f.height);
    runMs += out.inferMs;
    prePostMs += out.preMs + out.postMs;
  }
  const wallMs = performance.now() - t0;
  await engine.close();
  return { fps: frames.length / (runMs / 1000), runMsPerFrame: runMs / frames.length, prePostMsPerFrame: prePostMs / frames.length, wallMs };
}

/**
 * `segstream run` (memory transport, one worker) as its own process, as a user runs it: its
 * thread priorities and memory are its own, not the benchmark's. Reads the 'run finished' log line.
 */
async function pipeline(source: string, modelPath: string, frames: number, extra: string[] = []) {
  const out = path.join(tmp, `out-${Math.random().toString(36).slice(2)}.mp4`);
  const cli = path.join(root, 'bin', 'segstream.js');
  const args = [cli, 'run', source, '-o', out, '--model', modelPath, '--max-frames', String(frames), '--threads', String(threads), ...extra];
  const stderr = await new Promise<string>((resolve, reject) => {
    const c = spawn(process.execPath, args, { env: { ...process.env, SEGSTREAM_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    c.on('exit', (code) => (code === 0 ? resolve(err) : reject(new Error(`segstream run failed (exit ${code}): ${err.slice(-500)}`))));
  });
  const line = stderr.split('\n').find((l) => l.includes('"run finished"'));
  if (!line) throw new Error(`no 'run finished' line from segstream run: ${stderr.slice(-500)}`);
  const s = JSON.parse(line) as { frames: number; wallMs: number; steadyFps: number; inferMsPerFrame: number };
  return {
    fps: s.frames / (s.wallMs / 1000),
    steadyFps: s.steadyFps,
    steadyMsPerFrame: 1000 / s.steadyFps,
    frames: s.frames,
    inferMsPerFrame: s.inferMsPerFrame,
  };
}

function row(cells: (string | number)[]): string {
  return cells.map((c, i) => (typeof c === 'number' ? c.toFixed(2) : c).padEnd(i === 0 ? 46 : 12)).join(' ').trimEnd();
}

async function benchThroughput(): Promise<void> {
  console.log(`\n# 1. pipeline vs model alone — ${path.basename(input)}, first ${N} frames, ${path.basename(model)}, ${threads} threads`);
  const frames = await decodeFrames(input, N);
  const a: number[] = [];
  const b: number[] = [];
  const bAll: number[] = [];
  for (let r = 0; r < Number(values.repeats); r++) {
    const m = await modelAlone(frames, model);
    a.push(m.fps);
    console.log(row([`  model alone (session.run) #${r + 1}`, `${m.fps.toFixed(2)} fps`, `${m.runMsPerFrame.toFixed(1)} ms`, `pre+post ${m.prePostMsPerFrame.toFixed(1)} ms`]));
    const p = await pipeline(input, model, N);
    b.push(p.steadyFps);
    bAll.push(p.fps);
    console.log(row([`  segstream run (memory, 1 worker) #${r + 1}`, `${p.steadyFps.toFixed(2)} fps`, `${p.steadyMsPerFrame.toFixed(1)} ms`, `model in run ${p.inferMsPerFrame.toFixed(1)} ms`, `end to end ${p.fps.toFixed(2)} fps`]));
  }
  const ratio = median(b) / median(a);
  console.log(`  ratio pipeline/model = ${ratio.toFixed(3)}  (target ≥ 0.90: ${ratio >= 0.9 ? 'PASS' : 'FAIL'})`);
  console.log(`  end to end (with model load, ffmpeg start and the final mux): ${(median(bAll) / median(a)).toFixed(3)}`);
}

async function benchOverhead(): Promise<void> {
  const constant = path.join(root, 'bench', 'fixtures', 'constant-detector.onnx');
  const clip720 = path.join(tmp, 'clip-720p.mp4');
  const count = Math.min(N, 200);
  // Real footage scaled to 720p, so decode cost is that of real content.
  execFileSync(ffmpegPath(), ['-v', 'error', '-i', input, '-frames:v', String(count), '-vf', 'scale=1280:720', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-an', '-y', clip720]);
  console.log(`\n# 2. cost outside the model per 720p frame — ${count} frames, constant-output model (10 instances/frame, bundled model's input spec)`);
  const frames = await decodeFrames(clip720, count);
  const m = await modelAlone(frames, constant);
  frames.length = 0; // 550 MB of decoded frames need not sit in memory during the pipeline runs
  const runs: number[] = [];
  for (let r = 0; r < Number(values.repeats); r++) runs.push((await pipeline(clip720, constant, count)).steadyMsPerFrame);
  const ms = median(runs);
  console.log(row(['  model (constant) session.run', `${m.runMsPerFrame.toFixed(2)} ms`]));
  console.log(row(['  preprocess + postprocess (inference thread)', `${m.prePostMsPerFrame.toFixed(2)} ms`]));
  console.log(row(['  whole pipeline, per frame (steady, median)', `${ms.toFixed(2)} ms`, runs.map((x) => x.toFixed(1)).join(' / ')]));
  const outside = ms - m.runMsPerFrame;
  console.log(`  outside the model = ${outside.toFixed(2)} ms per 720p frame  (target ≤ 15 ms: ${outside <= 15 ? 'PASS' : 'FAIL'})`);
}

/** Peak Redis used_memory above the idle baseline while a distributed run goes on. */
async function distributedPeak(source: string, frames: number | null, redisUrl: string): Promise<{ peak: number; wallMs: number }> {
  const redis = new Redis(redisUrl);
  const prefix = `{segstream-bench-${Math.random().toString(36).slice(2, 8)}}`;
  const env = { ...process.env, REDIS_URL: redisUrl, SEGSTREAM_REDIS_PREFIX: prefix, SEGSTREAM_LOG_LEVEL: 'warn' };
  const cli = path.join(root, 'bin', 'segstream.js');
  const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
  const baseline = await used();
  let peak = 0;
  const sampler = setInterval(() => void used().then((u) => { peak = Math.max(peak, u - baseline); }), 50);
  const run = (args: string[]) => new Promise<number>((resolve) => {
    const c = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('exit', (code) => resolve(code ?? 1));
  });
  const t0 = performance.now();
  const worker = spawn(process.execPath, [cli, 'work', '--model', model], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const limit = frames ? ['--max-frames', String(frames)] : [];
  const codes = await Promise.all([
    run(['produce', source, '--stream', 'mem', ...limit]),
    run(['compose', '--stream', 'mem', '-o', path.join(tmp, `mem-${frames ?? 'all'}.mp4`)]),
  ]);
  const wallMs = performance.now() - t0;
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  clearInterval(sampler);
  const keys = (await Promise.all(new RedisKeys(prefix).patterns().map((p) => redis.keys(p)))).flat();
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  if (codes.some((c) => c !== 0)) throw new Error(`distributed run failed (exit codes ${codes.join(', ')})`);
  return { peak, wallMs };
}

async function benchRedisMemory(): Promise<void> {
  console.log(`\n# 3. peak Redis memory, distributed run (1 worker) — ${path.basename(input)}`);
  const short = await distributedPeak(input, 100, values['redis-url']);
  console.log(row(['  first 10 s (100 frames)', `${(short.peak / 2 ** 20).toFixed(2)} MiB`, `${(short.wallMs / 1000).toFixed(0)} s`]));
  const full = await distributedPeak(input, null, values['redis-url']);
  console.log(row(['  whole clip', `${(full.peak / 2 ** 20).toFixed(2)} MiB`, `${(full.wallMs / 1000).toFixed(0)} s`]));
  const ratio = full.peak / short.peak;
  console.log(`  ratio whole/first-10s = ${ratio.toFixed(3)}  (target ≤ 1.10: ${ratio <= 1.1 ? 'PASS' : 'FAIL'})`);
}

/** A 21-class score map of h x w with smooth blobs: each class wins a region, so boundaries are as in a real map, not noise. */
function blobScores(h: number, w: number): ScoreMap {
  const C = 21;
  const data = new Float32Array(C * h * w);
  for (let c = 0; c < C; c++) {
    const cx = ((c * 37) % 100) / 100, cy = ((c * 61) % 100) / 100;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[c * h * w + y * w + x] = -((x / w - cx) ** 2 + (y / h - cy) ** 2);
  }
  return { data, classes: C, height: h, width: w };
}

/** One plain read of every score (four running sums, no branches): the memory floor of any exact argmax. */
function readAll(d: Float32Array): number {
  let a = 0, b = 0, c = 0, e = 0;
  const n = d.length & ~3;
  for (let i = 0; i < n; i += 4) {
    a += d[i];
    b += d[i + 1];
    c += d[i + 2];
    e += d[i + 3];
  }
  return a + b + c + e;
}

/**
 * Median ms per 1280x720 semantic map from `scores`: the previous decoder; the current one with
 * its scalar argmax; with the WebAssembly argmax on scores elsewhere (copied in); on scores in its
 * memory (where the pipeline's model writes them, see SemanticSegAdapter.fetches); and
 * {@link readAll} of the same tensor. Alternated so load drifts hit all alike.
 */
function argmaxMs(scores: ScoreMap, reps: number): Record<'before' | 'scalar' | 'copied' | 'inPlace' | 'read', number> {
  const labels = Array.from({ length: scores.classes }, (_, i) => `c${i}`);
  const before = new SemanticDecoderBefore(), scalar = new SemanticDecoder({ argmax: 'scalar' });
  const copied = new SemanticDecoder(), inPlace = new SemanticDecoder();
  if (inPlace.argmax !== 'wasm') throw new Error('this runtime has no WebAssembly SIMD');
  inPlace.scoreView(scores.data.length).set(scores.data);
  // Asked for each frame, as the adapter does: a decode may grow the kernel's memory, which
  // moves the scores to a new buffer (same offset, same bytes) and detaches older views.
  const own = (): ScoreMap => ({ ...scores, data: inPlace.scoreView(scores.data.length) });
  const runs: Record<'before' | 'scalar' | 'copied' | 'inPlace' | 'read', () => unknown> = {
    before: () => before.decode(scores, 1280, 720, labels),
    scalar: () => scalar.decode(scores, 1280, 720, labels),
    copied: () => copied.decode(scores, 1280, 720, labels),
    inPlace: () => inPlace.decode(own(), 1280, 720, labels),
    read: () => readAll(scores.data),
  };
  const keys = Object.keys(runs) as (keyof typeof runs)[];
  const ref = JSON.stringify(runs.scalar());
  for (const k of ['before', 'copied', 'inPlace'] as const) {
    if (JSON.stringify(runs[k]()) !== ref) throw new Error(`the ${k} decoder's map differs from the scalar one`);
  }
  for (let i = 0; i < 2; i++) for (const k of keys) runs[k]();
  const ms = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<keyof typeof runs, number[]>;
  for (let i = 0; i < reps; i++) {
    for (const k of keys) {
      const t0 = performance.now();
      runs[k]();
      ms[k].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, median(ms[k])])) as Record<keyof typeof runs, number>;
}

function benchArgmax(): void {
  console.log('\n# 4. semantic segmentation');
  console.log('  argmax+RLE, 21 classes → 1280x720 map (ms): before = previous decoder; scalar = TypeScript argmax;');
  console.log('  wasm copied = WebAssembly argmax, scores copied into its memory; wasm in place = scores already there, as the');
  console.log('  pipeline has them (the model writes into that memory); read = one pass over the scores, the floor of a scalar loop');
  console.log(row(['  scores', 'before', 'scalar', 'wasm copied', 'wasm in place', 'read']));
  const cases: [string, number, number, number][] = [
    ['1280x720 (stride 1, torchvision out)', 720, 1280, 15],
    ['520x520 (DeepLabV3 at 520) → 720p', 520, 520, 21],
    ['160x90 (stride 8) → 720p', 90, 160, 41],
  ];
  let worst = 0;
  for (const [name, h, w, reps] of cases) {
    const t = argmaxMs(blobScores(h, w), reps);
    worst = Math.max(worst, t.inPlace);
    console.log(row([`  ${name}`, ...[t.before, t.scalar, t.copied, t.inPlace, t.read].map((v) => `${v.toFixed(2)}`)]));
  }
  console.log(`  (target < 5 ms per 720p frame on the pipeline's path (wasm in place), every case: ${worst < 5 ? 'PASS' : 'FAIL'})`);
}

/**
 * The same path in a worker: a real 21-class ONNX graph (the torchvision-layout test fixture, `out`
 * [1,21,720,1280] at input size) through InferenceEngine, whose session thread decodes the map where
 * onnxruntime wrote it. Median postprocess ms over `frames` frames, the first (which learns the
 * output shape and gets a copy) left out.
 */
async function workerDecodeMs(frames: number): Promise<{ post: number; infer: number; classes: number }> {
  const model = path.join(root, 'test', 'fixtures', 'models', 'tv-semantic21.onnx');
  const engine = await InferenceEngine.start({ modelPath: model, device: 'cpu', intraOpThreads: 2, postprocess: DEFAULT_POSTPROCESS, task: 'semantic' });
  try {
    const w = 1280, h = 720;
    const yuv = new Uint8Array((w * h * 3) / 2).fill(128);
    // A bright left half and a dark right half: two regions with a boundary, as in a real frame.
    for (let y = 0; y < h; y++) yuv.fill(235, y * w, y * w + w / 2);
    const post: number[] = [], infer: number[] = [];
    let classes = 0;
    for (let i = 0; i <= frames; i++) {
      const out = await engine.infer(yuv, w, h);
      classes = out.semantic?.length ?? 0;
      if (i === 0) continue;
      post.push(out.postMs);
      infer.push(out.inferMs);
    }
    return { post: median(post), infer: median(infer), classes };
  } finally {
    await engine.close();
  }
}

async function benchWorkerDecode(): Promise<void> {
  const t = await workerDecodeMs(20);
  console.log(row(['  in a worker: 21-class graph at 1280x720, decode in the session thread', `${t.post.toFixed(2)} ms`, `model ${t.infer.toFixed(1)} ms`, `${t.classes} classes present`]));
}

async function benchSemantic(): Promise<void> {
  benchArgmax();
  await benchWorkerDecode();
  const clip = path.join(tmp, 'synth-720p.mp4');
  execFileSync(process.execPath, [path.join(root, 'bin', 'segstream.js'), 'synth', '--seed', '4242', '--frames', '60', '--width', '1280', '--height', '720', '-o', clip], { stdio: 'ignore' });
  const unet = await pipeline(clip, bundledSemanticModelPath(), 60, ['--task', 'semantic']);
  const mrcnn = await pipeline(clip, bundledModelPath(), 60, ['--score', '0.3']);
  console.log(row(['  U-Net (segstream-unet-tiny), 720p, end to end', `${unet.steadyMsPerFrame.toFixed(1)} ms`, `model ${unet.inferMsPerFrame.toFixed(1)} ms`]));
  console.log(row(['  Mask R-CNN (segstream-maskrcnn-tiny), 720p', `${mrcnn.steadyMsPerFrame.toFixed(1)} ms`, `model ${mrcnn.inferMsPerFrame.toFixed(1)} ms`]));
}

/** 200 (`--images`) JPEGs at 1280x720, frames spread over the shared clips, or null when they are absent. */
function makeJpegFolder(count: number): string | null {
  const media = path.resolve(root, '..', 'shared', 'media');
  const clips = ['people-walking.mp4', 'parking-lot.mp4', 'bottles.mp4'].map((c) => path.join(media, c)).filter((c) => existsSync(c));
  if (clips.length === 0) return null;
  const dir = path.join(tmp, 'jpegs');
  mkdirSync(dir, { recursive: true });
  const per = Math.ceil(count / clips.length);
  let made = 0;
  clips.forEach((clip, i) => {
    const n = Math.min(per, count - made);
    // Three frames a second (distinct pictures; the shortest clip, 30 s, still gives its share), scaled to 720p.
    execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-i', clip, '-vf', 'fps=3,scale=1280:720', '-frames:v', String(n), '-q:v', '3', path.join(dir, `c${i}-%04d.jpg`)]);
    made += n;
  });
  return dir;
}

/** `segstream run DIR -o OUT/` as its own process; its 'batch finished' log line. */
async function batchRun(dir: string, modelPath: string, extra: string[] = []) {
  const out = path.join(tmp, `batch-${Math.random().toString(36).slice(2)}`);
  const cli = path.join(root, 'bin', 'segstream.js');
  const args = [cli, 'run', dir, '-o', `${out}/`, '--model', modelPath, '--threads', String(threads), ...(values.parallel ? ['--parallel', values.parallel] : []), ...extra];
  const stderr = await new Promise<string>((resolve, reject) => {
    const c = spawn(process.execPath, args, { env: { ...process.env, SEGSTREAM_LOG_LEVEL: 'info' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    c.on('exit', (code) => (code === 0 ? resolve(err) : reject(new Error(`segstream run (batch) failed (exit ${code}): ${err.slice(-500)}`))));
  });
  rmSync(out, { recursive: true, force: true });
  const line = stderr.split('\n').find((l) => l.includes('"batch finished"'));
  if (!line) throw new Error(`no 'batch finished' line: ${stderr.slice(-500)}`);
  return JSON.parse(line) as { done: number; frames: number; wallMs: number; framesPerS: number; steadyFps: number; modelFps: number };
}

async function benchImages(): Promise<void> {
  const count = Number(values.images);
  const dir = makeJpegFolder(count);
  if (!dir) { console.log(`\n# 5. images: SKIPPED (no clips in ../shared/media to make the JPEGs from)`); return; }
  const yolo = path.resolve(root, '..', 'shared', 'models', 'yolov8n-seg-int8.onnx');
  const models = [{ name: 'bundled Mask R-CNN', path: bundledModelPath() }, ...(existsSync(yolo) ? [{ name: 'YOLOv8n-seg int8', path: yolo }] : [])];
  if (models.length === 1) console.log('  (YOLO model not in ../shared/models: bundled model only)');
  console.log(`\n# 5. images: a folder of ${count} JPEGs at 1280x720, ${threads} threads, parallel ${values.parallel ?? 'default'}`);
  const decoded: { yuv: Uint8Array; width: number; height: number }[] = [];
  for (const f of readdirSync(dir).sort()) decoded.push(...(await decodeFrames(path.join(dir, f), 1)));
  for (const m of models) {
    for (let r = 0; r < Number(values.repeats); r++) {
      const alone = await modelAlone(decoded, m.path);
      const b = await batchRun(dir, m.path);
      console.log(row([`  ${m.name} #${r + 1}: batch`, `${b.steadyFps.toFixed(2)} img/s`, `end to end ${b.framesPerS.toFixed(2)}`, `model in run ${b.modelFps.toFixed(2)} fps`, `model alone ${alone.fps.toFixed(2)} fps`]));
      const ratio = b.steadyFps / b.modelFps;
      console.log(`    ratio images/s / model's rate in the same run = ${ratio.toFixed(3)} (target ≥ 0.90: ${ratio >= 0.9 ? 'PASS' : 'FAIL'}); / model alone = ${(b.steadyFps / alone.fps).toFixed(3)}; ${b.done} images written`);
    }
  }
}

try {
  if (values.only !== 'redis-capacity' && values.only !== 'argmax' && !existsSync(input)) throw new Error(`input ${input} not found (pass --input; the default needs ../shared/media)`);
  console.log(`segstream bench — ${os.cpus()[0]?.model ?? 'cpu'} ×${threads}, node ${process.version}`);
  const want = (name: string): boolean => values.only === undefined || values.only === name;
  if (want('throughput')) await benchThroughput();
  if (want('overhead')) await benchOverhead();
  if (want('semantic')) await benchSemantic();
  if (values.only === 'argmax') {
    benchArgmax();
    await benchWorkerDecode();
  }
  // Not in the default set: it makes 200 files and runs two models (minutes).
  if (values.only === 'images') await benchImages();
  if ((values['redis-memory'] && values.only === undefined) || values.only === 'redis-memory') await benchRedisMemory();
  if (values.only === 'redis-capacity') await benchRedisCapacity({ repeats: Number(values.repeats) });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(0);
