import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Seconds: from a few ms (a small model on a GPU) to a minute (a big one on a CPU). */
const RUN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Decode to written: back-pressure (16 frames in flight) makes a few seconds normal on a CPU. */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

/** Gauges whose values are read when scraped, not set as things happen. */
export interface FamilyCollectors {
  inFlight(g: Gauge<'stream'>): void | Promise<void>;
  busy(g: Gauge<'model' | 'device'>): void | Promise<void>;
  queueJobs(g: Gauge<'state'>): void | Promise<void>;
}

/**
 * Every segstream metric, registered once per {@link Registry}. Labels stay low-cardinality:
 * stream, stage, model, device, queue state (and the registry's default label `role`); never seq.
 */
export function createFamilies(registers: Registry[], collect: FamilyCollectors) {
  return {
    frames: new Counter({
      name: 'segstream_frames_total',
      help: 'Frames per stream by stage: decoded (producer), inferred (worker, successful model runs), written (compositor, failed ones included), failed (written with an error), dropped (live source, the pipeline was behind)',
      labelNames: ['stream', 'stage'] as const,
      registers,
    }),
    misTimed: new Counter({
      name: 'segstream_source_mistimed_frames_total',
      help: 'Live-source frames dropped because their timestamp went backwards (ffmpeg before RTCP sync)',
      labelNames: ['stream'] as const,
      registers,
    }),
    reconnects: new Counter({
      name: 'segstream_source_reconnects_total',
      help: 'Times a live source was lost and came back',
      labelNames: ['stream'] as const,
      registers,
    }),
    sourceUp: new Gauge({
      name: 'segstream_source_up',
      help: '1 while the producer receives frames from the source, 0 while it is lost (reconnecting) or ended',
      labelNames: ['stream'] as const,
      registers,
    }),
    latency: new Histogram({
      name: 'segstream_frame_latency_seconds',
      help: 'Wall time from a frame leaving the decoder to its being written by the compositor (across machines: includes their clock difference)',
      labelNames: ['stream'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    inFlight: new Gauge({
      name: 'segstream_frames_in_flight',
      help: 'Frames of the stream decoded but not yet composed (bounded by --max-in-flight)',
      labelNames: ['stream'] as const,
      registers,
      collect() { return collect.inFlight(this); },
    }),
    inference: new Histogram({
      name: 'segstream_inference_seconds',
      help: "Time in the model's session.run per frame (both models' together for a panoptic pair)",
      labelNames: ['model', 'device'] as const,
      buckets: RUN_BUCKETS,
      registers,
    }),
    preprocess: new Histogram({
      name: 'segstream_preprocess_seconds',
      help: 'Time building the input tensor from the frame, per frame',
      labelNames: ['model', 'device'] as const,
      buckets: RUN_BUCKETS,
      registers,
    }),
    postprocess: new Histogram({
      name: 'segstream_postprocess_seconds',
      help: 'Time in postprocessing (threshold, NMS, mask paste, RLE), per frame',
      labelNames: ['model', 'device'] as const,
      buckets: RUN_BUCKETS,
      registers,
    }),
    inferenceErrors: new Counter({
      name: 'segstream_inference_errors_total',
      help: 'Frames whose inference threw (each attempt; a frame is retried up to 3 times through Redis)',
      labelNames: ['model', 'device'] as const,
      registers,
    }),
    busy: new Gauge({
      name: 'segstream_worker_busy_ratio',
      help: "Share of the last 10 s the model's session spent in session.run (0..1; up to 2 for a panoptic pair)",
      labelNames: ['model', 'device'] as const,
      registers,
      collect() { return collect.busy(this); },
    }),
    queueJobs: new Gauge({
      name: 'segstream_queue_jobs',
      help: 'Jobs in the BullMQ frame queue by state (Redis roles; read from Redis at each scrape)',
      labelNames: ['state'] as const,
      registers,
      collect() { return collect.queueJobs(this); },
    }),
  };
}

export type MetricFamilies = ReturnType<typeof createFamilies>;
