/**
 * The argmax over class planes in WebAssembly SIMD (src/core/wasm/argmax.wat): sixteen pixels a
 * step, over four times the scalar TypeScript loop, which a 21-class 720p map (19 M scores)
 * cannot get under 5 ms; and the transpose to COCO's column-major order in 16x16 byte blocks. WebAssembly reads only its own memory, so the scores must lie there:
 * {@link ArgmaxKernel.scoreView} hands out that region, and the semantic adapter passes it to
 * onnxruntime as the pre-allocated output, so the model writes its scores straight into it.
 * Scores anywhere else are copied in first (a plain copy still beats the scalar loop).
 *
 * Memory layout: [scores | row-major labels | column-major labels | scratch], each 64-byte aligned. A view
 * from scoreView stays valid until a larger one is asked for (growing the memory replaces its
 * buffer); one kernel per thread, like the decoder that owns it.
 */
import { ARGMAX_WASM_BASE64 } from './wasm/argmax-module.js';

// The part of the WebAssembly API used here (Node has it all; TypeScript's ES2022 lib declares none).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(desc: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  function validate(bytes: Uint8Array): boolean;
}

interface ArgmaxExports {
  argmax(src: number, classes: number, n: number, dst: number, scratch: number, tile: number, group: number): void;
  transpose(src: number, w: number, h: number, dst: number, colStride: number): void;
  runs(src: number, n: number, out: number): number;
}

const PAGE = 65536;
/**
 * Pixels per tile and classes per pass (argmax.wat). Memory decides: each pass reads its G planes
 * as G interleaved streams of T scores, and on this project's 2-core EPYC (1 MiB L2) few long
 * streams read fastest while the tile's bests and labels (T*5 bytes) stay in L2. Kernel alone,
 * 21 classes, medians alternated in one run: 1280x720 3.3 ms at 65536/3 (4.3–5.3 ms at the earlier
 * 512/8; 3.2–3.3 ms at 65536/4..6); 520x520 0.9–1.0 ms at 65536/3 (1.4–1.5 ms at 65536/4..6,
 * 2.1–2.9 ms at 512/8). One sequential read of the 1280x720 scores takes 2.4–3.1 ms in C.
 */
const TILE = 65536;
const GROUP = 3;
/** The tile's bests (f32) and labels (u8) between passes. */
const SCRATCH_BYTES = TILE * 5;
const align = (v: number): number => (v + 63) & ~63;

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is not available. */
function argmaxModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(ARGMAX_WASM_BASE64, 'base64');
    compiled = 'WebAssembly' in globalThis && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  }
  return compiled;
}

export class ArgmaxKernel {
  private readonly memory: WebAssembly.Memory;
  private readonly fn: ArgmaxExports;
  /** Bytes of scores the memory holds now (the labels regions follow them). */
  private scoreBytes = 0;
  private labelBytes = 0;

  private constructor(module: WebAssembly.Module) {
    this.memory = new WebAssembly.Memory({ initial: 1 });
    this.fn = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as ArgmaxExports;
  }

  /** A kernel, or null where this runtime has no WebAssembly SIMD (callers keep the scalar loop). */
  static create(): ArgmaxKernel | null {
    const m = argmaxModule();
    return m ? new ArgmaxKernel(m) : null;
  }

  /**
   * A Float32Array of `length` scores inside the kernel's memory, for the model to write into,
   * with room for the labels of any map of that many scores after it. Invalidates earlier views
   * when it has to grow the memory.
   */
  scoreView(length: number): Float32Array {
    this.reserve(length * 4, 2 * align(length) + PAGE);
    return new Float32Array(this.memory.buffer, 0, length);
  }

  /** Whether `data` is the kernel's score region (then no copy is needed). */
  owns(data: Float32Array): boolean {
    return data.buffer === this.memory.buffer && data.byteOffset === 0;
  }

  /**
   * Argmax (ties: the lower class) of the `classes` planes of a w x h map in `data` (row-major,
   * batch 0 of NCHW); the label of sample (x, y) is written to dst[x * colStride + y]. Returns the
   * scores as a view that is valid now: `data` itself is detached if the memory had to grow.
   */
  argmaxColumns(data: Float32Array, classes: number, w: number, h: number, dst: Uint8Array, colStride: number): Float32Array {
    const n = w * h, len = classes * n;
    const owned = this.owns(data);
    // Growing keeps the memory's bytes where they were, so owned scores survive it.
    this.reserve(len * 4, align(n) + align(w * colStride) + SCRATCH_BYTES);
    const scores = new Float32Array(this.memory.buffer, 0, len);
    if (!owned) scores.set(data.subarray(0, len));
    const rows = this.scoreBytes, cols = rows + align(n), scratch = cols + align(w * colStride);
    this.fn.argmax(0, classes, n, rows, scratch, TILE, GROUP);
    this.fn.transpose(rows, w, h, cols, colStride);
    dst.set(new Uint8Array(this.memory.buffer, cols, w * colStride));
    return scores;
  }

  /**
   * The end (exclusive) of every run of equal labels in labels[0, n), ascending (the last is n),
   * for {@link encodeRunEnds}. The view is valid until the kernel's next call.
   */
  runEnds(labels: Uint8Array, n: number): Uint32Array {
    // After the scores, over the argmax's label regions (argmaxColumns has handed its labels out).
    this.reserve(this.scoreBytes, align(n) + align(4 * (n + 1)));
    const at = this.scoreBytes, ends = at + align(n);
    new Uint8Array(this.memory.buffer, at, n).set(labels.subarray(0, n));
    const count = this.fn.runs(at, n, ends);
    return new Uint32Array(this.memory.buffer, ends, count);
  }

  /** Grows the memory to hold `scoreBytes` of scores followed by `labelBytes` of labels. */
  private reserve(scoreBytes: number, labelBytes: number): void {
    const s = Math.max(this.scoreBytes, align(scoreBytes));
    const l = Math.max(this.labelBytes, labelBytes);
    const need = s + l;
    const have = this.memory.buffer.byteLength;
    if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
    this.scoreBytes = s;
    this.labelBytes = l;
  }
}
