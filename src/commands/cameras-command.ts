/**
 * `run|produce|compose --config FILE`: many cameras from one file. Loads and checks the whole file
 * (every camera, every field, every output) before any camera starts, then runs the command's
 * roles for all cameras in this process and reports each camera on its own line.
 */
import { log, type Logger } from '../core/log.js';
import type { RedisTransportOptions } from '../core/transport/redis-transport.js';
import { loadCameraConfig, type CameraFieldSpec, type CameraValues } from './camera-config.js';
import { CAMERA_FIELDS, cameraFieldSpecs, planCameras, type CameraOptionReaders } from './camera-plan.js';
import { failIfAnyFailed } from './camera-outcome.js';
import { runCameras } from './cameras-run.js';
import { composeCameras, produceCameras } from './cameras-redis.js';
import { UsageError } from './usage-error.js';
import { metricsEndpoint, Observability } from './observability.js';

export interface CamerasCommandContext {
  /** The CLI's option table (types of the camera fields). */
  options: Readonly<Record<string, CameraFieldSpec>>;
  readers: CameraOptionReaders;
  /** The command line's process-wide values, read by the CLI. */
  redis(): RedisTransportOptions;
  maxInFlight?: number;
  shutdownTimeoutMs?: number;
  logger?: Logger;
}

/** `--thumbnail-every S` (process-wide: every camera's dashboard thumbnail), default 5 s. */
function thumbnailEverySeconds(raw: string | boolean | string[] | undefined): number {
  if (raw === undefined) return 5;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`invalid --thumbnail-every '${String(raw)}': expected a number of seconds >= 0 (0 = never)`);
  return n;
}

/** Flags that make no sense beside --config: the file names each camera's source and stream. */
const NOT_WITH_CONFIG = ['stream'];

export async function camerasCommand(cmd: string, positionals: string[], values: CameraValues & { config?: string; 'metrics-port'?: string; 'metrics-host'?: string }, ctx: CamerasCommandContext): Promise<void> {
  const logger = ctx.logger ?? log;
  if (cmd !== 'run' && cmd !== 'produce' && cmd !== 'compose') throw new UsageError(`--config goes with run, produce or compose, not '${cmd}'`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}': with --config the cameras' sources are in the file`);
  const perCamera = Object.keys(values).filter((k) => (CAMERA_FIELDS as readonly string[]).includes(k) || NOT_WITH_CONFIG.includes(k));
  if (perCamera.length) {
    throw new UsageError(`--${perCamera[0]} cannot be given with --config: set it in the file, under 'defaults:' or the camera`);
  }
  if (cmd === 'run' && values.redis !== undefined) {
    throw new UsageError('run --config runs in memory; for Redis use produce --config, segstream work and compose --config');
  }
  const file = values.config!;
  const config = loadCameraConfig(file, cameraFieldSpecs(ctx.options));
  const { config: _, ...processValues } = values;
  const cameras = planCameras(config, ctx.readers, { command: cmd, processValues });
  logger.info(`${cameras.length} camera(s) from ${file}`, { cameras: cameras.map((c) => c.id) });
  // One endpoint for every camera (labels carry the stream). No source check: one camera down
  // does not make the others' process unready; segstream_source_up{stream} says which.
  const observer = await Observability.start({ role: cmd, endpoint: metricsEndpoint(values), model: cmd === 'run', redis: cmd !== 'run', logger });
  try {
    if (cmd === 'run') {
      failIfAnyFailed(await runCameras({ cameras, maxInFlight: ctx.maxInFlight, shutdownTimeoutMs: ctx.shutdownTimeoutMs, observer }, logger));
    } else if (cmd === 'produce') {
      failIfAnyFailed(await produceCameras({ cameras, redis: ctx.redis(), shutdownTimeoutMs: ctx.shutdownTimeoutMs, observer }, logger));
    } else {
      const every = thumbnailEverySeconds(values['thumbnail-every']);
      const thumbnail = every > 0 ? { everyMs: every * 1000, publish: (id: string, jpeg: Buffer) => observer.thumbnails?.(id, jpeg) ?? Promise.resolve() } : undefined;
      failIfAnyFailed(await composeCameras({ cameras, redis: ctx.redis(), shutdownTimeoutMs: ctx.shutdownTimeoutMs, observer, thumbnail }, logger));
    }
  } finally {
    await observer.close();
  }
}
