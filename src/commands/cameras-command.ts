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

/** Flags that make no sense beside --config: the file names each camera's source and stream. */
const NOT_WITH_CONFIG = ['stream'];

export async function camerasCommand(cmd: string, positionals: string[], values: CameraValues & { config?: string }, ctx: CamerasCommandContext): Promise<void> {
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
  if (cmd === 'run') {
    failIfAnyFailed(await runCameras({ cameras, maxInFlight: ctx.maxInFlight, shutdownTimeoutMs: ctx.shutdownTimeoutMs }, logger));
  } else if (cmd === 'produce') {
    failIfAnyFailed(await produceCameras({ cameras, redis: ctx.redis(), shutdownTimeoutMs: ctx.shutdownTimeoutMs }, logger));
  } else {
    failIfAnyFailed(await composeCameras({ cameras, redis: ctx.redis(), shutdownTimeoutMs: ctx.shutdownTimeoutMs }, logger));
  }
}
