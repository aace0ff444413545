/**
 * `segstream run INPUT... -o OUTDIR/`: many files, folders and globs in one command (src/batch).
 * cli.ts decides it is a batch ({@link isBatchRun}), builds the usual worker, producer and
 * compositor options, and hands them here.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { log as rootLog, type Logger } from '../core/log.js';
import { isMediaPath } from '../core/media/image-format.js';
import { prepareOutputs } from '../core/results/output-plan.js';
import { formatDuration } from '../core/progress.js';
import type { CompositorOptions } from '../compositor/compositor.js';
import type { ProducerOptions } from '../producer/producer.js';
import type { SessionOptions } from '../pipeline-session.js';
import { expandInputs, namesBatch } from '../batch/batch-inputs.js';
import { planBatch } from '../batch/batch-plan.js';
import { runBatch } from '../batch/batch-runner.js';
import { batchTotals, formatBatchTable, type BatchRow } from '../batch/batch-summary.js';
import { writeBatchCoco } from '../batch/batch-coco.js';
import { UsageError } from './usage-error.js';

export interface BatchCommandOptions {
  inputs: string[];
  outDir: string;
  session: SessionOptions;
  producer?: Omit<ProducerOptions, 'source' | 'streamId'>;
  compositor?: Omit<CompositorOptions, 'streamId' | 'output' | 'results'>;
  /** One COCO dataset for the whole batch. */
  coco?: string;
  /** Flags given that a batch does not take (named in the error). */
  refused: string[];
  overwrite?: boolean;
  parallel?: number;
  events?: boolean;
  shutdownTimeoutMs?: number;
}

/** Several inputs, a folder or a glob, or `-o` naming a directory (ends in '/', or is one not named like a media file). */
export function isBatchRun(inputs: readonly string[], output: string | undefined): boolean {
  if (namesBatch(inputs)) return true;
  if (output === undefined) return false;
  // An existing directory named like a media file (`d.mp4/`) is a mistaken single output.
  return /[/\\]$/.test(output) || (isDirectory(output) && !isMediaPath(output));
}

export async function batchCommand(o: BatchCommandOptions, logger: Logger = rootLog): Promise<void> {
  if (o.refused.length) throw new UsageError(`${o.refused[0]} cannot be used with a batch (each input gets its JSONL beside its output; --coco writes one dataset)`);
  if (o.inputs.length === 0) throw new UsageError("missing <input> for 'run': files, folders or globs");
  if (!/[/\\]$/.test(o.outDir) && !isDirectory(o.outDir)) {
    if (exists(o.outDir)) throw new UsageError(`-o '${o.outDir}' is a file: a batch writes into a directory (end it with '/')`);
    if (isMediaPath(o.outDir)) throw new UsageError(`-o '${o.outDir}' names a file, but the inputs are a batch: give a directory (end it with '/')`);
  }
  const outDir = path.resolve(o.outDir);
  const expanded = expandInputs(o.inputs);
  // A folder walked again on resume must not take the batch's own outputs for inputs.
  const inOut = (p: string) => { const r = path.relative(outDir, path.resolve(p)); return r !== '' && !r.startsWith('..') && !path.isAbsolute(r); };
  const outside = expanded.items.filter((i) => !inOut(i.input));
  const plan = planBatch(outside, outDir);
  const preRows: BatchRow[] = [
    ...expanded.missing.map((m): BatchRow => ({ input: m.rel, status: 'failed', frames: 0, instances: 0, ms: 0, note: m.reason })),
    ...plan.clashes.map((c): BatchRow => ({ input: c.item.rel, status: 'failed', frames: 0, instances: 0, ms: 0, note: `its output ${path.relative(outDir, c.item.output)} is also ${c.with.rel}'s` })),
  ];
  for (const r of preRows) logger.error(`${r.input}: ${r.note}`);
  const skippedRows = expanded.skipped.map((s): BatchRow => ({ input: s.rel, status: 'skipped', frames: 0, instances: 0, ms: 0, note: s.reason }));
  if (plan.items.length === 0 && preRows.length === 0) throw new UsageError(`no media file in ${o.inputs.map((i) => `'${i}'`).join(', ')}`);
  if (o.coco) prepareOutputs({ inputs: plan.items.map((i) => ({ name: 'an input', path: i.input })), outputs: [{ name: '--coco', path: o.coco }] }, logger);
  logger.info('batch', { inputs: plan.items.length, outDir, ...(skippedRows.length ? { notMedia: skippedRows.length } : {}) });

  const r = await runBatch({
    session: o.session, items: plan.items, overwrite: o.overwrite, parallel: o.parallel,
    producer: o.producer, compositor: o.compositor, events: o.events, shutdownTimeoutMs: o.shutdownTimeoutMs,
  }, logger);
  const rows = [...r.rows, ...preRows, ...skippedRows];
  let cocoNote = '';
  if (o.coco && !r.stopped) {
    const c = await writeBatchCoco(o.coco, r.complete);
    cocoNote = `; ${o.coco}: ${c.images} images, ${c.annotations} annotations`;
  }
  const t = batchTotals(rows);
  process.stderr.write(formatBatchTable(rows) + '\n');
  const imagesPerS = r.wallMs > 0 ? r.framesInferred / (r.wallMs / 1000) : 0;
  const modelFps = r.inferMs > 0 ? r.framesInferred / (r.inferMs / 1000) : 0;
  // For scripts and benchmarks (bench/pipeline.ts --only images).
  logger.info('batch finished', {
    done: t.done, skipped: t.skipped, failed: t.failed, frames: t.frames, instances: t.instances, wallMs: r.wallMs,
    framesInferred: r.framesInferred, inferMs: Math.round(r.inferMs), framesPerS: Number(imagesPerS.toFixed(3)), steadyFps: r.steadyFps === null ? null : Number(r.steadyFps.toFixed(3)), modelFps: Number(modelFps.toFixed(3)),
    stillDecoders: r.stillProcesses.decoders, stillEncoders: r.stillProcesses.encoders,
  });
  process.stderr.write(
    `batch: ${t.done} done, ${t.skipped} skipped, ${t.failed} failed; ${t.frames} frames, ${t.instances} instances in ${formatDuration(r.wallMs / 1000)} into ${o.outDir}${cocoNote}\n`,
  );
  if (r.stopped) throw new Error(`stopped on request: ${r.rows.filter((x) => x.status !== 'skipped').length} input(s) finished; run the same command again to go on`);
  if (t.failed) throw new Error(`${t.failed} input(s) failed (see the table above)`);
}

function exists(p: string): boolean {
  try { statSync(p); return true; } catch { return false; }
}

function isDirectory(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}
