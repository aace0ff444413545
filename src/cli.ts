/**
 * `segstream` command line: argument parsing, progress and exit codes only. The work lives in
 * src/pipeline.ts and the role modules.
 */
import type { ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
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
import { Compositor, compositorOutputs, defaultResultsPath, type CompositorOptions, type SegmentOptions } from './compositor/compositor.js';
import { companionExt, segmentPatternProblem, withExt } from './compositor/sinks/segment-namer.js';
import { hlsDirProblem, type HlsOptions } from './compositor/sinks/hls-sink.js';
import type { ThumbnailOptions } from './compositor/sinks/thumbnail-sink.js';
import { OutputPathError, prepareOutputs, type NamedPath } from './core/results/output-plan.js';
import { Producer } from './producer/producer.js';
import { FrameWorker, type FrameWorkerOptions } from './worker/frame-worker.js';
import { newStreamId, runPipeline } from './pipeline.js';
import { forgetStream, metricsEndpoint, Observability } from './commands/observability.js';
import { ShutdownGuard } from './core/shutdown-guard.js';
import { ShutdownAbandoned } from './core/shutdown-abandoned.js';
import { groundTruthPathFor, writeSynthClip } from './synth/index.js';
import { synthCommand } from './commands/synth.js';
import { batchCommand, isBatchRun } from './commands/batch.js';
import { ProduceBatch, formatProducedTable } from './commands/produce-batch.js';
import { namesBatch } from './batch/batch-inputs.js';
import { IMAGE_EXTENSIONS, isImagePath } from './core/media/image-format.js';
import { evalCommand } from './commands/eval.js';
import { dashboardCommand } from './commands/dashboard.js';
import { parseOptions } from './commands/parse-options.js';
import { UsageError } from './commands/usage-error.js';
import { camerasCommand } from './commands/cameras-command.js';
import type { CameraOptionReaders } from './commands/camera-plan.js';
import type { StageOptions } from './compositor/stages/registry.js';
import { parseRegionSpec, type RegionSpec } from './compositor/stages/zones/region-spec.js';
import { TRACKER_KINDS, type TrackerKind } from './compositor/stages/tracker-stage.js';
import { CVAT_SHAPE_KINDS, type CvatShapeKind } from './core/results/cvat-tracks.js';
import type { ByteTrackerOptions } from './core/tracking/byte-tracker.js';
import { SIMILARITY_MODES, type SimilarityMode } from './core/tracking/similarity.js';

/** One line per model format of the registry: `--format` in the help lists exactly what it accepts. */
const FORMAT_HELP = formatDescriptions()
  .map((d) => `                          ${d.format.padEnd(21)} ${d.describe}`)
  .join('\n');

const HELP = `segstream — streaming video instance segmentation

Usage:
  segstream demo [-o DIR]                         annotate a generated 10 s clip with the bundled model (no Redis)
  segstream run <input> -o out.mp4 [options]      producer + worker + compositor in one process
  segstream run INPUT... -o OUTDIR/ [options]     a batch: files, folders (recursive), globs; one output each
  segstream produce <input> --stream ID [options] decode a source into Redis
  segstream produce INPUT... --stream ID          several files/folders/globs: streams ID-0000, ID-0001, ...
  segstream work [options]                        run frames from Redis (start as many as you like)
  segstream compose --stream ID -o out.mp4        write a stream's annotated video + results
  segstream drop --stream ID                      delete a stream's keys from Redis
  segstream synth --seed N -o clip.mp4            synthetic clip + exact COCO ground truth (clip.json)
  segstream eval --gt gt.json --results r.jsonl   COCO mask AP, AP50, AP75, mean IoU/Dice per class
  segstream dashboard [--port 8080]               live page of every stream and worker in Redis (+ bull-board)
  segstream run|produce|compose --config cameras.yml   every camera of a config file in one process

Input: a video file, an image (JPEG, PNG, BMP, WebP; EXIF orientation applied), or an http(s)://,
rtsp://, rtsps://, udp:// or rtp:// URL.

Batch (run with several inputs, a folder or a glob, or -o ending in '/'):
  -o OUTDIR/            one output per input under OUTDIR, same relative path: videos -> .mp4,
                        images keep their type; each with its JSONL beside it. Inputs whose two
                        files exist are skipped (an interrupted batch resumes); --overwrite redoes them
  --parallel N          inputs in flight at once, all through one loaded model (default 4)
  --coco PATH           one COCO dataset for the batch: every image and every video frame
                        (video frames named VIDEO/000123.jpg); see README "Images and batches"
  A bad input is one line and a row of the final table; the batch goes on; exit 1 if any failed.

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

Tracking (on by default; run and compose take all of these, work only --track/--no-track):
  --track | --no-track  give each object a track id across frames (default on); with it on,
                        workers keep detections down to 0.1 for the tracker's second stage; the
                        outputs keep only those >= --score. A compose started again on a
                        partly composed stream resumes the tracks (and ids) where they were
  --tracker byte|iou    ByteTrack (default) or the greedy frame-to-frame IoU baseline
  --track-thresh X      detections >= X are matched first, >= X + 0.1 start tracks (default 0.5)
  --track-match X       largest first-stage match cost 1 - similarity*score (default 0.9)
  --track-buffer S      a lost track may come back with its id for S seconds (default 2)
  --track-similarity M  box (default), mask or mask+box: what tracks and detections are compared on
  --zone NAME:x1,y1,x2,y2,x3,y3,...   a polygon (repeatable); --line NAME:x1,y1,x2,y2 (repeatable):
                        frame pixels, or all in 0..1 as fractions. Each track's box bottom centre
                        entering/leaving a zone or crossing a line (direction in = to the right of
                        x1,y1 -> x2,y2 on screen) is an event in OUTPUT.events.jsonl; drawn, with
                        live counts top left. 1% of the frame diagonal of hysteresis

Decoding (run, produce):
  --fps N               sample the source at N frames per second (default: every frame)
  --max-frames N        stop after N frames
  --stall-timeout S     give up when the source sends no frame for S seconds (default 20)
  --reconnect R         a live source lost after its first frame: always reopen it (default),
                        never, or give up after R failed attempts in a row (backoff 0.5 s to 10 s)

Output (run, compose):
  -o, --output PATH     annotated H.264 MP4, or an image (.jpg .jpeg .png .bmp .webp): the input's
                        first frame, same size
  --jpeg-quality Q      JPEG/WebP quality of an image output, 1..100 (default 90)
  --results PATH        JSONL results (default: the output path with .jsonl)
  --coco PATH           also write COCO results (pycocotools loadRes list) + PATH.dataset.json
  --mot PATH            also write tracks as MOTChallenge text (frame,id,x,y,w,h,conf,-1,-1,-1)
  --cvat PATH           also write tracks as CVAT for video 1.1 XML (a keyframe each frame)
  --cvat-shapes K       polygon (default: each mask's outline), box, or mask (exact pixels; CVAT
                        has no mask tracks, so each mask is a one-frame track with the object's id)
  --no-audio            do not copy the source's audio
  --preset P            x264 preset (default veryfast)   --crf N   x264 CRF (default 23)
  --no-masks | --no-boxes | --no-labels   leave parts out of the drawing
  --segment S           cut the video into MP4s of S seconds of source time, each with its own
                        JSONL; -o is then a pattern: {stream}, {index} (00000...), {start} (UTC
                        of the first frame, YYYYMMDDTHHMMSSZ), e.g. 'rec/{stream}/{start}.mp4';
                        a plain name.mp4 gives name-00000.mp4, name-00001.mp4, ... --mot and
                        --cvat are then the same pattern with their own extension (one per
                        segment, frames from the segment's first). A compose
                        killed mid-segment is recovered by the next one as NAME.recovered.mp4
  --keep-hours H        with --segment: delete the stream's segments that ended over H hours ago
  --keep-gb G           with --segment: delete the oldest segments while the stream's exceed G GB
  --hls DIR             also publish the annotated stream as live HLS: DIR/index.m3u8, a rolling
                        playlist of short segments (a live view, not a recording: a new run
                        replaces an earlier view in DIR; DIR must be new, empty or hold one)
  --hls-time S          HLS segment length in seconds (default 1)
  --hls-list-size N     segments in the HLS playlist (default 6)
  --thumbnail-every S   through Redis: store a 320 px JPEG of the latest annotated frame every S
                        seconds for the dashboard (default 5; 0 = never)
  Started again on a partly composed stream, compose resumes at its first unwritten frame:
  into the next segment, or without --segment into NAME.resumed-SEQ.mp4 beside the first file.
  Outputs are checked before any work: one that is the input (or a link to it) or another output
  is refused; missing directories are created. Each file is written under a hidden
  .NAME.PID.partial name and renamed into place when the run succeeds, replacing (with a
  warning) an existing file only then.

Transport:
  --redis URL           Redis URL (run: use Redis instead of memory; others: default $REDIS_URL
                        or redis://127.0.0.1:6379): redis://[:PASSWORD@]HOST:PORT[/DB], rediss://
                        (TLS), redis+cluster://H1:P1,H2:P2 (Redis Cluster; a Cluster node behind
                        redis:// is detected too)
  --stream ID           stream id (produce, compose, drop; run picks one)
  --max-in-flight N     frames per stream decoded but not yet composed (default 16; 4 for a live
                        source, so that a late frame is under a second old when the pipeline is behind)
  --frame-ttl S         frame bytes expire in Redis after S seconds (default 600)
  --lock-ms N           BullMQ job lock; a dead worker's frame is retried after it (default 30000)
  --wait S              compose: wait S seconds for a stream not produced yet (default 600)
  A producer says it is alive every 2 s; one gone for 10 s without ending its stream is reported
  by compose (which finalises its segment and waits). produce started again on a live source's
  stream whose producer died continues it: same --stream, seq after the last one published.

Many cameras (run, produce, compose):
  --config FILE         cameras from a YAML (or .json) file: 'defaults:' and a 'cameras:' list, each
                        with id, url and any option above by its flag name (fps, score, output, ...;
                        see cameras.example.yml). run: all cameras in memory, one model session per
                        model; produce/compose: all cameras' producers/compositors against Redis.
                        A live camera down at the start is retried under its reconnect policy.
                        One camera failing never stops the others; exit 1 if any failed

Shutdown (run, produce, work, compose):
  --shutdown-timeout S  on SIGTERM/SIGINT stop gracefully within S seconds (default 10), else
                        abandon: held frames go back to other workers once their locks lapse,
                        and the process dies of the signal (status 143/130). A second signal
                        abandons at once.

Metrics and health (run, produce, work, compose, and with --config):
  --metrics-port N      serve Prometheus /metrics, /healthz and /readyz on port N (0 = any free
                        port, logged); off by default
  --metrics-host ADDR   address to bind (default 0.0.0.0: reachable from other hosts/containers)

Environment: REDIS_URL, SEGSTREAM_REDIS_PREFIX (key prefix, default '{segstream}'), FFMPEG_PATH,
SEGSTREAM_LOG_LEVEL (debug|info|warn|error), SEGSTREAM_NICE (nice value of the work around the
model: ffmpeg, pre/postprocessing, drawing; default 10, 0 = off). Logs are one JSON object per line
when stderr is not a terminal.`;

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  results: { type: 'string' },
  coco: { type: 'string' },
  mot: { type: 'string' },
  cvat: { type: 'string' },
  'cvat-shapes': { type: 'string' },
  track: { type: 'boolean' },
  'no-track': { type: 'boolean' },
  tracker: { type: 'string' },
  'track-thresh': { type: 'string' },
  'track-match': { type: 'string' },
  'track-buffer': { type: 'string' },
  'track-similarity': { type: 'string' },
  zone: { type: 'string', multiple: true },
  line: { type: 'string', multiple: true },
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
  'shutdown-timeout': { type: 'string' },
  wait: { type: 'string' },
  segment: { type: 'string' },
  'keep-hours': { type: 'string' },
  'keep-gb': { type: 'string' },
  hls: { type: 'string' },
  'thumbnail-every': { type: 'string' },
  'hls-time': { type: 'string' },
  'hls-list-size': { type: 'string' },
  config: { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  overwrite: { type: 'boolean' },
  parallel: { type: 'string' },
  'jpeg-quality': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

type Multiple = 'zone' | 'line';
type Values = { [K in Exclude<keyof typeof OPTIONS, Multiple>]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string } & { [K in Multiple]?: string[] };

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
    trackLowScore: trackingOn(v) ? TRACK_LOW_SCORE : undefined,
  };
}

/** The tracker's low threshold (ByteTrack's): what workers keep for it when tracking is on. */
const TRACK_LOW_SCORE = 0.1;

function trackingOn(v: Values): boolean {
  if (v.track && v['no-track']) throw new UsageError('--track and --no-track contradict each other');
  return !v['no-track'];
}

function regionOptions(v: Values): RegionSpec[] {
  const specs: RegionSpec[] = [];
  try {
    for (const z of v.zone ?? []) specs.push(parseRegionSpec('zone', z));
    for (const l of v.line ?? []) specs.push(parseRegionSpec('line', l));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const names = new Set<string>();
  for (const r of specs) {
    if (names.has(r.name)) throw new UsageError(`--zone/--line name '${r.name}' is used twice`);
    names.add(r.name);
  }
  if (specs.length && !trackingOn(v)) throw new UsageError('--zone and --line count tracks: they cannot be used with --no-track');
  return specs;
}

function stageOptions(v: Values): StageOptions {
  const regions = regionOptions(v);
  if (!trackingOn(v)) return { track: false };
  const tracker = v.tracker ?? 'byte';
  if (!isTrackerKind(tracker)) throw new UsageError(`invalid --tracker '${tracker}': expected ${TRACKER_KINDS.join(' or ')}`);
  const similarity = v['track-similarity'] ?? 'box';
  if (!(SIMILARITY_MODES as readonly string[]).includes(similarity)) {
    throw new UsageError(`invalid --track-similarity '${similarity}': expected ${SIMILARITY_MODES.join(', ')}`);
  }
  const byte: ByteTrackerOptions = { similarity: similarity as SimilarityMode, lowThreshold: TRACK_LOW_SCORE };
  const high = num(v, 'track-thresh', { min: TRACK_LOW_SCORE, max: 1 });
  const match = num(v, 'track-match', { min: 0, max: 1 });
  const buffer = num(v, 'track-buffer', { min: 0 });
  if (high !== undefined) byte.highThreshold = high;
  if (match !== undefined) byte.matchThreshold = match;
  if (buffer !== undefined) byte.lostBufferSeconds = buffer;
  return { track: { tracker, byte }, regions };
}

function isTrackerKind(s: string): s is TrackerKind {
  return (TRACKER_KINDS as readonly string[]).includes(s);
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

function segmentOptions(v: Values): SegmentOptions | undefined {
  const seconds = num(v, 'segment', { min: 0.1 });
  const keepHours = num(v, 'keep-hours', { min: 0 });
  const keepGb = num(v, 'keep-gb', { min: 0 });
  if (seconds === undefined) {
    if (keepHours !== undefined || keepGb !== undefined) throw new UsageError(`--${keepHours !== undefined ? 'keep-hours' : 'keep-gb'} needs --segment (retention deletes finished segments)`);
    return undefined;
  }
  if (v.coco !== undefined) throw new UsageError('--coco cannot be combined with --segment (each segment has its own JSONL)');
  if (v.results !== undefined) throw new UsageError('--results cannot be combined with --segment (each segment has its own JSONL beside its video)');
  const problem = v.output === undefined ? null : segmentPatternProblem(v.output);
  if (problem) throw new UsageError(problem);
  // Each segment gets its own track files beside its video: their flags name them like -o does.
  const exts = new Map<string, string>();
  for (const [flag, example] of [['mot', '.mot.txt'], ['cvat', '.cvat.xml']] as const) {
    const file = v[flag];
    if (file === undefined || v.output === undefined) continue;
    const ext = companionExt(v.output, file);
    if (ext === null) throw new UsageError(`--${flag} '${file}' with --segment must be the -o pattern with its own extension, e.g. '${withExt(v.output, example)}' (each segment gets its file beside its video)`);
    if (exts.has(ext.toLowerCase())) throw new UsageError(`--${flag} '${file}' and --${exts.get(ext.toLowerCase())} would name the same files`);
    exts.set(ext.toLowerCase(), flag);
  }
  return { seconds, keepHours, keepGb };
}

function cvatShapes(v: Values): CvatShapeKind | undefined {
  const k = v['cvat-shapes'];
  if (k === undefined) return undefined;
  if (v.cvat === undefined) throw new UsageError('--cvat-shapes needs --cvat');
  if (!(CVAT_SHAPE_KINDS as readonly string[]).includes(k)) throw new UsageError(`invalid --cvat-shapes '${k}': expected ${CVAT_SHAPE_KINDS.join(', ')}`);
  return k as CvatShapeKind;
}

function hlsOptions(v: Values): HlsOptions | undefined {
  const segmentSeconds = num(v, 'hls-time', { min: 0.2 });
  const listSize = num(v, 'hls-list-size', { min: 2, int: true });
  if (v.hls === undefined) {
    if (segmentSeconds !== undefined || listSize !== undefined) throw new UsageError(`--${segmentSeconds !== undefined ? 'hls-time' : 'hls-list-size'} needs --hls DIR`);
    return undefined;
  }
  const problem = hlsDirProblem(v.hls);
  if (problem) throw new UsageError(problem);
  return { dir: v.hls, segmentSeconds, listSize };
}

/** The dashboard's thumbnails, published through `obs` once it has Redis; none without Redis. */
function thumbnailOptions(v: Values, obs: Observability, redis: boolean): ThumbnailOptions | undefined {
  const every = num(v, 'thumbnail-every', { min: 0 }) ?? 5;
  if (!redis || every === 0) return undefined;
  return { everyMs: every * 1000, publish: (id, jpeg) => obs.thumbnails?.(id, jpeg) ?? Promise.resolve() };
}

function compositorOptions(v: Values): Omit<CompositorOptions, 'streamId' | 'output' | 'results'> {
  return {
    segment: segmentOptions(v),
    hls: hlsOptions(v),
    coco: v.coco,
    mot: v.mot,
    cvat: v.cvat,
    cvatShapes: cvatShapes(v),
    stages: stageOptions(v),
    audio: !v['no-audio'],
    preset: v.preset,
    crf: num(v, 'crf', { min: 0, max: 51, int: true }),
    jpegQuality: num(v, 'jpeg-quality', { min: 1, max: 100, int: true }),
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

function shutdownTimeoutMs(v: Values): number | undefined {
  const s = num(v, 'shutdown-timeout', { min: 0.1 });
  return s === undefined ? undefined : s * 1000;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function redisUrl(v: Values): string {
  return v.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

function requireOutput(v: Values): string {
  if (!v.output) throw new UsageError('missing -o/--output: where to write the annotated MP4');
  if (!/\.(mp4|m4v|mov)$/i.test(v.output) && !isImagePath(v.output)) throw new UsageError(`output '${v.output}' must end in .mp4 (H.264 MP4) or an image type (${IMAGE_EXTENSIONS.join(' ')})`);
  if (isImagePath(v.output) && v.segment !== undefined) throw new UsageError('--segment needs a video output (.mp4)');
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

function printSummary(s: { frames: number; failed: number; output: string; results: string; segmented?: boolean }, wallMs: number, extra = ''): void {
  const fps = s.frames / (wallMs / 1000);
  const what = s.segmented ? `the segments of ${s.output}, each with its JSONL` : `${s.output} and ${s.results}`;
  process.stderr.write(
    `wrote ${what}: ${s.frames} frames in ${formatDuration(wallMs / 1000)} (${fps.toFixed(2)} fps)` +
      (s.failed ? `, ${s.failed} failed` : '') + extra + '\n',
  );
}

/** Every file a compositor with these options writes. */
function compositorOutputsOf(v: Values, output: string): NamedPath[] {
  return compositorOutputs({ output, results: v.results, coco: v.coco, mot: v.mot, cvat: v.cvat, events: regionOptions(v).length > 0, segment: segmentOptions(v) });
}

/** Output checks before any work (output-plan.ts): no output overwrites an input or another output. */
function prepareCompositorOutputs(v: Values, output: string, inputs: NamedPath[]): void {
  prepareOutputs({ inputs, outputs: compositorOutputsOf(v, output) });
}

/** The option readers above, for the fields of a camera config file (src/commands/camera-plan.ts). */
const cameraReaders: CameraOptionReaders = {
  worker: (c) => workerOptions(c as Values),
  producer: (c) => producerOptions(c as Values),
  compositor: (c) => compositorOptions(c as Values),
  output: (c) => requireOutput(c as Values),
  outputs: (c, output) => compositorOutputsOf(c as Values, output),
  waitMs: (c) => { const s = num(c as Values, 'wait', { min: 0 }); return s === undefined ? undefined : s * 1000; },
};

async function cmdRun(positionals: string[], v: Values): Promise<void> {
  if (isBatchRun(positionals.slice(1), v.output)) return cmdBatch(positionals.slice(1), v);
  const input = requireInput(positionals, 'run');
  const output = requireOutput(v);
  const useRedis = v.redis !== undefined;
  const streamId = newStreamId();
  const producer = producerOptions(v);
  const opts = {
    streamId,
    input,
    output,
    results: v.results,
    worker: workerOptions(v),
    // An image output is one picture: the input's first frame.
    producer: isImagePath(output) ? { ...producer, maxFrames: 1 } : producer,
    // A photo has no tracks (nor zone crossings): no ids on its tags.
    compositor: isImagePath(output) ? { ...compositorOptions(v), stages: { track: false as const } } : compositorOptions(v),
    redis: useRedis ? redisOptions(v, redisUrl(v)) : undefined,
    maxInFlight: num(v, 'max-in-flight', { min: 1, int: true }),
    shutdownTimeoutMs: shutdownTimeoutMs(v),
  };
  prepareCompositorOutputs(v, output, [{ name: 'the input', path: input }, { name: '--model', path: opts.worker.model }]);
  const obs = await Observability.start({ role: 'run', endpoint: metricsEndpoint(v), model: true, redis: useRedis, source: { streamId, stallMs: opts.producer.stallTimeoutMs ?? 20_000 } });
  opts.compositor.thumbnail = thumbnailOptions(v, obs, useRedis);
  const s = await runPipeline({ ...opts, metrics: obs.metrics, observer: obs }).finally(() => obs.close());
  const modelFps = s.inferMs > 0 ? s.frames / (s.inferMs / 1000) : 0;
  const inferMsPerFrame = s.inferMs / Math.max(1, s.frames);
  // For scripts and benchmarks: steady fps leaves out model load, ffmpeg start and the final mux.
  log.info('run finished', {
    frames: s.frames, failed: s.failed, reconnects: s.end?.reconnects, wallMs: s.wallMs, steadyFps: s.steadyFps, inferMsPerFrame,
    format: s.engine.format, device: s.engine.device,
  });
  printSummary({ ...s, segmented: v.segment !== undefined }, s.wallMs, `; the model's session.run ${inferMsPerFrame.toFixed(1)} ms/frame (${modelFps.toFixed(2)} fps, ${s.engine.format}, ${s.engine.device})`);
  failIfCutShort(s.end);
}

async function cmdBatch(inputs: string[], v: Values): Promise<void> {
  if (!v.output) throw new UsageError('missing -o/--output: the directory a batch writes into');
  const { coco, ...compositor } = compositorOptions(v);
  const given = (['results', 'mot', 'cvat', 'segment'] as const).filter((f) => v[f] !== undefined).map((f) => `--${f}`);
  await batchCommand({
    inputs,
    outDir: v.output,
    session: { worker: workerOptions(v), redis: v.redis !== undefined ? redisOptions(v, redisUrl(v)) : undefined, maxInFlight: num(v, 'max-in-flight', { min: 1, int: true }) },
    producer: producerOptions(v),
    compositor,
    coco,
    refused: given,
    overwrite: v.overwrite,
    parallel: num(v, 'parallel', { min: 1, int: true }),
    events: regionOptions(v).length > 0,
    shutdownTimeoutMs: shutdownTimeoutMs(v),
  });
}

async function cmdDemo(v: Values): Promise<void> {
  const dir = v.output ?? 'segstream-demo';
  const clip = path.join(dir, 'input.mp4');
  const output = path.join(dir, 'annotated.mp4');
  const worker = workerOptions({ ...v, output: undefined });
  prepareOutputs({
    inputs: [{ name: '--model', path: worker.model }],
    outputs: [
      { name: 'the demo clip', path: clip },
      { name: 'its ground truth', path: groundTruthPathFor(clip) },
      ...compositorOutputs({ output, coco: v.coco, mot: v.mot, cvat: v.cvat, events: regionOptions(v).length > 0 }),
    ],
  });
  // A synthetic clip of the shapes the bundled model was trained on, with its ground truth.
  log.info('generating a 10 s synthetic demo clip', { clip });
  await writeSynthClip(clip, { seed: 7, frames: 100, fps: 10 });
  const s = await runPipeline({
    input: clip,
    output,
    worker,
    producer: producerOptions(v),
    compositor: compositorOptions(v),
  });
  printSummary(s, s.wallMs);
  process.stderr.write(`ground truth in ${path.join(dir, 'input.json')}: segstream eval --gt ${path.join(dir, 'input.json')} --results ${s.results}\n`);
}

async function cmdProduce(positionals: string[], v: Values): Promise<void> {
  if (namesBatch(positionals.slice(1))) return cmdProduceBatch(positionals.slice(1), v);
  const input = requireInput(positionals, 'produce');
  const streamId = requireStream(v);
  const timeoutMs = shutdownTimeoutMs(v);
  const maxFrames = num(v, 'max-frames', { min: 1, int: true });
  const obs = await Observability.start({ role: 'produce', endpoint: metricsEndpoint(v), redis: true, source: { streamId, stallMs: producerOptions(v).stallTimeoutMs ?? 20_000 } });
  const transport = await RedisTransport.connect({ ...redisOptions(v, redisUrl(v)), failFast: true });
  obs.attach(transport, [streamId]);
  const producer = new Producer(transport, { ...producerOptions(v), source: input, streamId, metrics: obs.metrics });
  const progress = new Progress(log, { lead: 'decoded', show: ['decoded'], label: `produce ${streamId}`, counters: producer.metrics.counts });
  const guard = new ShutdownGuard({
    timeoutMs,
    stop: () => { log.warn('stopping: ending the stream after the current frame'); producer.stop(); },
    abandon: () => {
      obs.abandon();
      transport.abandon();
      return `abandoning stream '${streamId}' after ${plural(progress.counters.decoded, 'decoded frame')}, without its end record`;
    },
  });
  const produce = async (): Promise<StreamEnd> => {
    try {
      progress.start();
      return await producer.run({
        onInfo: (info) => { progress.total = expectedFrames(info, { maxFrames }); },
      });
    } finally {
      progress.stop();
      await obs.close();
      await transport.close();
    }
  };
  const end = await guard.run(produce());
  log.info('stream published', { stream: streamId, frames: end.frames, reconnects: end.reconnects, redis: redactUrl(redisUrl(v)) });
  failIfCutShort(end);
}

async function cmdProduceBatch(inputs: string[], v: Values): Promise<void> {
  const prefix = requireStream(v);
  const transport = await RedisTransport.connect({ ...redisOptions(v, redisUrl(v)), failFast: true });
  const batch = new ProduceBatch(transport, { inputs, streamPrefix: prefix, producer: producerOptions(v), parallel: num(v, 'parallel', { min: 1, int: true }) });
  const guard = new ShutdownGuard({
    timeoutMs: shutdownTimeoutMs(v),
    stop: () => { log.warn('stopping: ending each stream after its current frame, starting no new one'); batch.stop(); },
    abandon: () => { transport.abandon(); return 'abandoning the streams in progress, without their end records'; },
  });
  const rows = await guard.run((async () => { try { return await batch.run(); } finally { await transport.close(); } })());
  process.stderr.write(formatProducedTable(rows) + '\n');
  const failed = rows.filter((r) => r.error).length;
  if (failed) throw new Error(`${failed} of ${rows.length} input(s) failed or stopped early (see the table above)`);
}

async function cmdWork(v: Values): Promise<void> {
  const timeoutMs = shutdownTimeoutMs(v);
  const options = workerOptions(v);
  const obs = await Observability.start({ role: 'work', endpoint: metricsEndpoint(v), model: true, redis: true });
  const transport = await RedisTransport.connect(redisOptions(v, redisUrl(v)));
  obs.attach(transport);
  const progress = new Progress(log, { lead: 'inferred', show: ['inferred'], label: 'work', counters: obs.metrics.totals });
  const worker = await FrameWorker.start(transport, { ...options, metrics: obs.metrics });
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => { requestStop = resolve; });
  const guard = new ShutdownGuard({
    timeoutMs,
    stop: () => { log.info('stopping: finishing active frames'); requestStop(); },
    abandon: () => {
      const active = worker.active;
      worker.abandon();
      obs.abandon();
      transport.abandon();
      return active
        ? `abandoning ${plural(active, 'active frame')}; their locks lapse and another worker retries them`
        : 'abandoning its Redis connections (it held no frame)';
    },
  });
  log.info('waiting for frames', { redis: redactUrl(redisUrl(v)), pid: process.pid });
  progress.start();
  const work = async (): Promise<void> => {
    await stopRequested;
    progress.stop();
    await worker.close();
    await obs.close();
    await transport.close();
  };
  await guard.run(work());
}

async function cmdCompose(v: Values): Promise<void> {
  const streamId = requireStream(v);
  const output = requireOutput(v);
  const wait = num(v, 'wait', { min: 0 });
  const timeoutMs = shutdownTimeoutMs(v);
  // The stream's source is checked against the outputs by the compositor, once Redis names it.
  prepareCompositorOutputs(v, output, []);
  const options = compositorOptions(v); // bad option values fail before Redis is tried
  const obs = await Observability.start({ role: 'compose', endpoint: metricsEndpoint(v), redis: true });
  const transport = await RedisTransport.connect(redisOptions(v, redisUrl(v)));
  obs.attach(transport, [streamId]);
  const started = Date.now();
  const compositor = new Compositor(transport, {
    ...options, streamId, output, results: v.results ?? defaultResultsPath(output),
    waitMs: wait === undefined ? undefined : wait * 1000, metrics: obs.metrics,
    thumbnail: thumbnailOptions(v, obs, true),
  });
  const progress = new Progress(log, { lead: 'written', show: ['written'], label: `compose ${streamId}`, counters: compositor.metrics.counts });
  const guard = new ShutdownGuard({
    timeoutMs,
    stop: () => { log.warn('stopping: closing the outputs after the frame being written'); compositor.stop(); },
    abandon: () => {
      compositor.abandon();
      obs.abandon();
      transport.abandon();
      return `abandoning stream '${streamId}' after ${plural(compositor.frames, 'written frame')}: ${output} was not written`;
    },
  });
  const compose = async () => {
    try {
      return await compositor.run({
        onWaiting: (waitMs) => log.info(`waiting for stream '${streamId}' to be produced (up to ${formatDuration(waitMs / 1000)})`),
        // Progress starts with the stream: before it, "written 0" would say nothing.
        onInfo: (info) => {
          // The producer's --max-frames is not in the stream info: the total is the duration's count.
          progress.total = expectedFrames(info);
          progress.start();
        },
      });
    } finally {
      progress.stop();
      await obs.close();
      await transport.close();
    }
  };
  const s = await guard.run(compose());
  printSummary({ ...s, segmented: v.segment !== undefined }, Date.now() - started);
  if (s.stopped) throw new Error(`stopped on request after ${plural(s.frames, 'frame')} (written above); stream '${streamId}' is not finished`);
  failIfCutShort(s.end);
}

async function cmdDrop(v: Values): Promise<void> {
  const streamId = requireStream(v);
  const transport = await RedisTransport.connect(redisOptions(v, redisUrl(v)));
  try {
    await transport.dropStream(streamId);
    await forgetStream(transport, streamId);
    log.info('stream dropped', { stream: streamId });
  } finally {
    await transport.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  // These two own their flags.
  if (argv[0] === 'synth') return synthCommand(argv.slice(1));
  if (argv[0] === 'eval') return evalCommand(argv.slice(1));
  if (argv[0] === 'dashboard') return dashboardCommand(argv.slice(1));
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
    if (v.config !== undefined) {
      await camerasCommand(cmd, parsed.positionals, v, {
        options: OPTIONS, readers: cameraReaders, redis: () => redisOptions(v, redisUrl(v)),
        maxInFlight: num(v, 'max-in-flight', { min: 1, int: true }), shutdownTimeoutMs: shutdownTimeoutMs(v),
      });
      return 0;
    }
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
    // stderr is synchronous on pipes, files and terminals (Linux): the line is out before this.
    if (err instanceof ShutdownAbandoned) err.dieOfSignal();
    return err instanceof UsageError || (err instanceof OutputPathError && err.usage) ? 2 : 1;
  }
}


const code = await main(process.argv.slice(2));
// Exit explicitly: ffmpeg children and Redis sockets are closed, but a stray timer must not hold us.
process.exit(code);
