/**
 * `segstream` command line: argument parsing, progress and exit codes only. The work lives in
 * src/pipeline.ts and the role modules.
 */
import type { ParseArgsConfig } from 'node:util';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PostprocessOptions } from './core/adapters/model-adapter.js';
import { formatDescriptions, isModelFormat, MODEL_FORMATS } from './core/adapters/registry.js';
import type { ReconnectPolicy } from './core/media/source-supervisor.js';
import { log } from './core/log.js';
import type { StreamEnd } from './core/types.js';
import { Progress, expectedFrames, formatDuration } from './core/progress.js';
import { bundledModelPath, bundledSemanticModelPath, packageRoot } from './core/package-root.js';
import { RedisTransport } from './core/transport/redis-transport.js';
import { redactUrl } from './core/transport/redis-connection.js';
import { streamIdProblem } from './core/transport/transport.js';
import { classifySource, validateSource } from './core/media/source.js';
import { Compositor, defaultResultsPath, type CompositorSummary } from './compositor/compositor.js';
import { Producer } from './producer/producer.js';
import { FrameWorker, type FrameWorkerOptions } from './worker/frame-worker.js';
import { runPipeline } from './pipeline.js';
import { writeSynthClip } from './synth/index.js';
import { synthCommand } from './commands/synth.js';
import { evalCommand } from './commands/eval.js';
import { parseOptions } from './commands/parse-options.js';
import { UsageError } from './commands/usage-error.js';

/** One line per model format of the registry: `--format` in the help lists exactly what it accepts. */
const FORMAT_HELP = formatDescriptions()
  .map((d) => `                          ${d.format.padEnd(21)} ${d.describe}`)
  .join('\n');

const HELP = `segstream — streaming video instance segmentation

Usage:
  segstream demo [-o DIR]                         annotate a generated 10 s clip with the bundled model (no Redis)
  segstream run <input> -o out.mp4 [options]      producer + worker + compositor in one process
  segstream produce <input> --stream ID [options] decode a source into Redis
  segstream work [options]                        run frames from Redis (start as many as you like)
  segstream compose --stream ID -o out.mp4        write a stream's annotated video + results
  segstream drop --stream ID                      delete a stream's keys from Redis
  segstream synth --seed N -o clip.mp4            synthetic clip + exact COCO ground truth (clip.json)
  segstream eval --gt gt.json --results r.jsonl   COCO mask AP, AP50, AP75, mean IoU/Dice per class

Input: a video file, or an http(s)://, rtsp://, rtsps://, udp:// or rtp:// URL.

Model and postprocessing (run, work):
  --task T              instances (default) or semantic: what --model segments; semantic writes one
                        class per pixel (JSONL "semantic") and defaults to models/segstream-unet-tiny.onnx
  --model PATH          ONNX model (default: the bundled models/segstream-maskrcnn-tiny.onnx)
  --format F            force the model format instead of detecting it from the model's signature:
${FORMAT_HELP}
  --semantic-model PATH panoptic: also run this semantic model on every frame (instances drawn over it)
  --semantic-format F   force the semantic model's format (torchvision-semantic, unet-semantic)
  --score X             score threshold (default 0.5)
  --iou X               NMS IoU threshold (default 0.5)
  --class-agnostic      NMS across classes (default: per class)
  --max-instances N     per frame (default 100)
  --mask-threshold X    mask probability threshold (default 0.5)
  --device cpu|cuda     execution provider (default cpu; cuda falls back to cpu)
  --threads N           onnxruntime intra-op threads (default: all cores)
  --concurrency N       frames a worker takes at once (default 2)

Decoding (run, produce):
  --fps N               sample the source at N frames per second (default: every frame)
  --max-frames N        stop after N frames
  --stall-timeout S     give up when the source sends no frame for S seconds (default 20)
  --reconnect R         a live source lost after its first frame: always reopen it (default),
                        never, or give up after R failed attempts in a row (backoff 0.5 s to 10 s)

Output (run, compose):
  -o, --output PATH     annotated H.264 MP4
  --results PATH        JSONL results (default: the output path with .jsonl)
  --coco PATH           also write COCO results (pycocotools loadRes list) + PATH.dataset.json
  --no-audio            do not copy the source's audio
  --preset P            x264 preset (default veryfast)   --crf N   x264 CRF (default 23)
  --no-masks | --no-boxes | --no-labels   leave parts out of the drawing

Transport:
  --redis URL           Redis URL (run: use Redis instead of memory; others: default $REDIS_URL
                        or redis://127.0.0.1:6379)
  --stream ID           stream id (produce, compose, drop; run picks one)
  --max-in-flight N     frames per stream decoded but not yet composed (default 16)
  --frame-ttl S         frame bytes expire in Redis after S seconds (default 600)
  --lock-ms N           BullMQ job lock; a dead worker's frame is retried after it (default 30000)

Environment: REDIS_URL, SEGSTREAM_REDIS_PREFIX (key prefix, default '{segstream}'), FFMPEG_PATH,
SEGSTREAM_LOG_LEVEL (debug|info|warn|error), SEGSTREAM_NICE (nice value of the work around the
model: ffmpeg, pre/postprocessing, drawing; default 10, 0 = off). Logs are one JSON object per line
when stderr is not a terminal.`;

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  results: { type: 'string' },
  coco: { type: 'string' },
  model: { type: 'string' },
  format: { type: 'string' },
  task: { type: 'string' },
  'semantic-model': { type: 'string' },
  'semantic-format': { type: 'string' },
  score: { type: 'string' },
  iou: { type: 'string' },
  'class-agnostic': { type: 'boolean' },
  'max-instances': { type: 'string' },
  'mask-threshold': { type: 'string' },
  device: { type: 'string' },
  threads: { type: 'string' },
  concurrency: { type: 'string' },
  fps: { type: 'string' },
  'max-frames': { type: 'string' },
  'stall-timeout': { type: 'string' },
  reconnect: { type: 'string' },
  'no-audio': { type: 'boolean' },
  preset: { type: 'string' },
  crf: { type: 'string' },
  'no-masks': { type: 'boolean' },
  'no-boxes': { type: 'boolean' },
  'no-labels': { type: 'boolean' },
  redis: { type: 'string' },
  stream: { type: 'string' },
  'max-in-flight': { type: 'string' },
  'frame-ttl': { type: 'string' },
  'lock-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function num(values: Values, name: keyof Values, opts: { min?: number; max?: number; int?: boolean } = {}): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const bad = !Number.isFinite(v) || (opts.int && !Number.isInteger(v)) || (opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max);
  if (bad) {
    const range = opts.max !== undefined ? ` in [${opts.min}, ${opts.max}]` : opts.min !== undefined ? ` >= ${opts.min}` : '';
    throw new UsageError(`invalid --${name} '${raw}': expected ${opts.int ? 'an integer' : 'a number'}${range}`);
  }
  return v;
}

function workerOptions(v: Values): FrameWorkerOptions {
  const device = v.device ?? 'cpu';
  if (device !== 'cpu' && device !== 'cuda') throw new UsageError(`invalid --device '${device}': expected cpu or cuda`);
  if (v.format !== undefined && !isModelFormat(v.format)) {
    throw new UsageError(`invalid --format '${v.format}': expected one of ${MODEL_FORMATS.join(', ')}`);
  }
  const sf = v['semantic-format'];
  if (sf !== undefined && !isModelFormat(sf)) {
    throw new UsageError(`invalid --semantic-format '${sf}': expected one of ${MODEL_FORMATS.join(', ')}`);
  }
  const task = v.task ?? 'instances';
  if (task !== 'instances' && task !== 'semantic') throw new UsageError(`invalid --task '${task}': expected instances or semantic`);
  if (task === 'semantic' && v['semantic-model'] !== undefined) {
    throw new UsageError('--semantic-model goes with an instance model (panoptic); with --task semantic give the model as --model');
  }
  if (sf !== undefined && v['semantic-model'] === undefined) throw new UsageError('--semantic-format needs --semantic-model');
  const post: Partial<PostprocessOptions> = {};
  const score = num(v, 'score', { min: 0, max: 1 });
  const iou = num(v, 'iou', { min: 0, max: 1 });
  const maxInstances = num(v, 'max-instances', { min: 1, int: true });
  const maskThreshold = num(v, 'mask-threshold', { min: 0, max: 1 });
  if (score !== undefined) post.scoreThreshold = score;
  if (iou !== undefined) post.iouThreshold = iou;
  if (maxInstances !== undefined) post.maxInstances = maxInstances;
  if (maskThreshold !== undefined) post.maskThreshold = maskThreshold;
  if (v['class-agnostic']) post.classAgnostic = true;
  return {
    model: v.model ?? (task === 'semantic' ? bundledSemanticModelPath() : bundledModelPath()),
    device,
    format: v.format,
    task,
    ...(v['semantic-model'] !== undefined ? { semanticModel: v['semantic-model'] } : {}),
    ...(sf !== undefined ? { semanticFormat: sf } : {}),
    threads: num(v, 'threads', { min: 1, int: true }),
    concurrency: num(v, 'concurrency', { min: 1, int: true }),
    postprocess: post,
  };
}

function producerOptions(v: Values) {
  const stall = num(v, 'stall-timeout', { min: 0.1 });
  return {
    fps: num(v, 'fps', { min: 0.001 }),
    maxFrames: num(v, 'max-frames', { min: 1, int: true }),
    stallTimeoutMs: stall === undefined ? undefined : stall * 1000,
    reconnect: reconnectPolicy(v),
  };
}

function reconnectPolicy(v: Values): ReconnectPolicy | undefined {
  const raw = v.reconnect;
  if (raw === undefined || raw === 'always' || raw === 'never') return raw;
  if (/^[1-9]\d{0,8}$/.test(raw)) return Number(raw);
  throw new UsageError(`invalid --reconnect '${raw}': expected always, never or a number of attempts >= 1`);
}

function compositorOptions(v: Values) {
  return {
    coco: v.coco,
    audio: !v['no-audio'],
    preset: v.preset,
    crf: num(v, 'crf', { min: 0, max: 51, int: true }),
    draw: { masks: !v['no-masks'], boxes: !v['no-boxes'], labels: !v['no-labels'] },
  };
}

function redisOptions(v: Values, url: string) {
  const ttl = num(v, 'frame-ttl', { min: 1 });
  return {
    url,
    prefix: process.env.SEGSTREAM_REDIS_PREFIX || undefined,
    maxInFlight: num(v, 'max-in-flight', { min: 1, int: true }),
    frameTtlMs: ttl === undefined ? undefined : ttl * 1000,
    lockDurationMs: num(v, 'lock-ms', { min: 1000, int: true }),
  };
}

function redisUrl(v: Values): string {
  return v.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

function requireOutput(v: Values): string {
  if (!v.output) throw new UsageError('missing -o/--output: where to write the annotated MP4');
  if (!/\.(mp4|m4v|mov)$/i.test(v.output)) throw new UsageError(`output '${v.output}' must end in .mp4 (H.264 MP4)`);
  mkdirSync(path.dirname(path.resolve(v.output)), { recursive: true });
  return v.output;
}

function requireStream(v: Values): string {
  if (!v.stream) throw new UsageError('missing --stream ID');
  const problem = streamIdProblem(v.stream);
  if (problem) throw new UsageError(problem);
  return v.stream;
}

function requireInput(positionals: string[], cmd: string): string {
  const input = positionals[1];
  if (!input) throw new UsageError(`missing <input> for '${cmd}': a video file or URL`);
  if (positionals.length > 2) throw new UsageError(`unexpected argument '${positionals[2]}'`);
  // A missing, empty or directory input fails now, not after the model loads or Redis connects.
  validateSource(classifySource(input));
  return input;
}

/** A stream that ended on a decode error still has its outputs; the exit code says it was cut short. */
function failIfCutShort(end: { frames: number; error?: string } | null): void {
  if (end?.error) throw new Error(`decoding stopped early after ${end.frames} frames: ${end.error} (outputs hold the frames before it)`);
}

function printSummary(s: { frames: number; failed: number; output: string; results: string }, wallMs: number, extra = ''): void {
  const fps = s.frames / (wallMs / 1000);
  process.stderr.write(
    `wrote ${s.output} and ${s.results}: ${s.frames} frames in ${formatDuration(wallMs / 1000)} (${fps.toFixed(2)} fps)` +
      (s.failed ? `, ${s.failed} failed` : '') + extra + '\n',
  );
}

async function cmdRun(positionals: string[], v: Values): Promise<void> {
  const input = requireInput(positionals, 'run');
  const output = requireOutput(v);
  const useRedis = v.redis !== undefined;
  const s = await runPipeline({
    input,
    output,
    results: v.results,
    worker: workerOptions(v),
    producer: producerOptions(v),
    compositor: compositorOptions(v),
    redis: useRedis ? redisOptions(v, redisUrl(v)) : undefined,
    maxInFlight: num(v, 'max-in-flight', { min: 1, int: true }),
  });
  const modelFps = s.inferMs > 0 ? s.frames / (s.inferMs / 1000) : 0;
  const inferMsPerFrame = s.inferMs / Math.max(1, s.frames);
  // For scripts and benchmarks: steady fps leaves out model load, ffmpeg start and the final mux.
  log.info('run finished', {
    frames: s.frames, failed: s.failed, reconnects: s.end?.reconnects, wallMs: s.wallMs, steadyFps: s.steadyFps, inferMsPerFrame,
    format: s.engine.format, device: s.engine.device,
  });
  printSummary(s, s.wallMs, `; the model's session.run ${inferMsPerFrame.toFixed(1)} ms/frame (${modelFps.toFixed(2)} fps, ${s.engine.format}, ${s.engine.device})`);
  failIfCutShort(s.end);
}

async function cmdDemo(v: Values): Promise<void> {
  const dir = v.output ?? 'segstream-demo';
  mkdirSync(dir, { recursive: true });
  const clip = path.join(dir, 'input.mp4');
  // A synthetic clip of the shapes the bundled model was trained on, with its ground truth.
  log.info('generating a 10 s synthetic demo clip', { clip });
  await writeSynthClip(clip, { seed: 7, frames: 100, fps: 10 });
  const output = path.join(dir, 'annotated.mp4');
  const s = await runPipeline({
    input: clip,
    output,
    worker: workerOptions({ ...v, output: undefined }),
    producer: producerOptions(v),
    compositor: compositorOptions(v),
  });
  printSummary(s, s.wallMs);
  process.stderr.write(`ground truth in ${path.join(dir, 'input.json')}: segstream eval --gt ${path.join(dir, 'input.json')} --results ${s.results}\n`);
}

async function cmdProduce(positionals: string[], v: Values): Promise<void> {
  const input = requireInput(positionals, 'produce');
  const streamId = requireStream(v);
  const transport = await RedisTransport.connect({ ...redisOptions(v, redisUrl(v)), failFast: true });
  const progress = new Progress(log, { lead: 'decoded', show: ['decoded'], label: `produce ${streamId}` });
  const popts = producerOptions(v);
  const producer = new Producer(transport, { ...popts, source: input, streamId });
  const stop = (): void => { log.warn('stopping: ending the stream after the current frame'); producer.stop(); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let end: StreamEnd;
  try {
    progress.start();
    end = await producer.run({
      onInfo: (info) => { progress.total = expectedFrames(info, { maxFrames: popts.maxFrames }); },
      onFrame: () => { progress.counters.decoded++; },
    });
  } finally {
    progress.stop();
    await transport.close();
  }
  log.info('stream published', { stream: streamId, frames: end.frames, reconnects: end.reconnects, redis: redactUrl(redisUrl(v)) });
  failIfCutShort(end);
}

async function cmdWork(v: Values): Promise<void> {
  const transport = await RedisTransport.connect(redisOptions(v, redisUrl(v)));
  const progress = new Progress(log, { lead: 'inferred', show: ['inferred'], label: 'work' });
  const worker = await FrameWorker.start(transport, workerOptions(v), {
    onProcessed: () => { progress.counters.inferred++; },
  });
  log.info('waiting for frames', { redis: redactUrl(redisUrl(v)), pid: process.pid });
  progress.start();
  await new Promise<void>((resolve) => {
    const stop = (): void => { log.info('stopping: finishing active frames'); resolve(); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  progress.stop();
  await worker.close();
  await transport.close();
}

async function cmdCompose(v: Values): Promise<void> {
  const streamId = requireStream(v);
  const output = requireOutput(v);
  const transport = await RedisTransport.connect(redisOptions(v, redisUrl(v)));
  const progress = new Progress(log, { lead: 'written', show: ['written'], label: `compose ${streamId}` });
  const started = Date.now();
  let s: CompositorSummary;
  try {
    const compositor = new Compositor(transport, { ...compositorOptions(v), streamId, output, results: v.results ?? defaultResultsPath(output) });
    progress.start();
    s = await compositor.run({
      // The producer's --max-frames is not in the stream info: the total is the duration's count.
      onInfo: (info) => { progress.total = expectedFrames(info); },
      onWritten: (r) => { progress.counters.written++; if (r.error) progress.counters.failed++; },
    });
  } finally {
    progress.stop();
    await transport.close();
  }
  printSummary(s, Date.now() - started);
  failIfCutShort(s.end);
}

async function cmdDrop(v: Values): Promise<void> {
  const streamId = requireStream(v);
  const transport = await RedisTransport.connect(redisOptions(v, redisUrl(v)));
  try {
    await transport.dropStream(streamId);
    log.info('stream dropped', { stream: streamId });
  } finally {
    await transport.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  // These two own their flags.
  if (argv[0] === 'synth') return synthCommand(argv.slice(1));
  if (argv[0] === 'eval') return evalCommand(argv.slice(1));
  let parsed;
  try {
    parsed = parseOptions(argv, OPTIONS, true);
  } catch (err) {
    process.stderr.write(`segstream: error: ${(err as Error).message}\nTry 'segstream --help'.\n`);
    return 2;
  }
  const v = parsed.values as Values;
  const [cmd] = parsed.positionals;
  if (v.version) {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`segstream ${pkg.version}\n`);
    return 0;
  }
  if (v.help || !cmd) {
    process.stdout.write(HELP + '\n');
    return cmd || v.help ? 0 : 2;
  }
  try {
    switch (cmd) {
      case 'run': await cmdRun(parsed.positionals, v); break;
      case 'demo': await cmdDemo(v); break;
      case 'produce': await cmdProduce(parsed.positionals, v); break;
      case 'work': await cmdWork(v); break;
      case 'compose': await cmdCompose(v); break;
      case 'drop': await cmdDrop(v); break;
      default: throw new UsageError(`unknown command '${cmd}' (run, demo, produce, work, compose, drop)`);
    }
    return 0;
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    process.stderr.write(`segstream: error: ${msg}\n`);
    if (process.env.SEGSTREAM_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}


const code = await main(process.argv.slice(2));
// Exit explicitly: ffmpeg children and Redis sockets are closed, but a stray timer must not hold us.
process.exit(code);
