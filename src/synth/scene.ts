/**
 * The moving objects of a clip. Each object moves at constant velocity with a slow constant
 * rotation; while "active" it bounces off the frame edges (it may stick out of the frame by up to
 * 40% of its radius), and after its lifetime it "leaves": it stops bouncing and is removed once fully
 * outside. New objects enter from a random edge, aimed at the middle of the frame. Each object has
 * its own depth (z): nearer objects hide farther ones.
 *
 * Classes come from a shuffled deck of all classes (refilled when empty), so every class shows up
 * about equally often and the first ones drawn are all different.
 */
import { SYNTH_CATEGORIES } from './categories.js';
import { hsvToRgb } from './color.js';
import type { Rng } from './prng.js';
import { boundingRadius, makeShape, type LocalShape, type ObjectLook, type Pose } from './shapes.js';

export interface SceneObject {
  objectId: number;
  classId: number;
  shape: LocalShape;
  radius: number;
  look: ObjectLook;
  /** Hue (turns) the colour was made from, to keep objects' colours apart. */
  hue: number;
  pose: Pose;
  vx: number;
  vy: number;
  /** rad/frame */
  omega: number;
  /** Larger is nearer. Unique within a clip. */
  z: number;
  /** Frames left before it starts leaving. */
  life: number;
  leaving: boolean;
}

export interface SceneOptions {
  width: number;
  height: number;
  fps: number;
  minObjects: number;
  maxObjects: number;
  /** Object size (largest extent) range as fractions of the frame height. */
  minSize?: number;
  maxSize?: number;
}

export class Scene {
  readonly objects: SceneObject[] = [];
  private nextId = 1;
  private deck: number[] = [];
  private target: number;
  /** Frames until the next object may enter. */
  private cooldown = 0;
  private readonly minSize: number;
  private readonly maxSize: number;

  constructor(
    private readonly rng: Rng,
    private readonly opts: SceneOptions,
  ) {
    this.minSize = opts.minSize ?? 0.08;
    this.maxSize = opts.maxSize ?? 0.35;
    const lo = Math.max(opts.minObjects, Math.min(3, opts.maxObjects));
    this.target = rng.int(lo, opts.maxObjects);
    for (let i = 0; i < this.target; i++) this.objects.push(this.spawn(false));
  }

  private drawClass(): number {
    if (this.deck.length === 0) this.deck = this.rng.shuffle(SYNTH_CATEGORIES.map((c) => c.id));
    return this.deck.pop()!;
  }

  /** A hue at least ~0.1 turn away from every other object's, when there is one. */
  private drawHue(): number {
    let best = this.rng.next();
    let bestGap = -1;
    for (let k = 0; k < 12; k++) {
      const h = k === 0 ? best : this.rng.next();
      let gap = 1;
      for (const o of this.objects) {
        const d = Math.abs(h - o.hue);
        gap = Math.min(gap, Math.min(d, 1 - d));
      }
      if (gap > bestGap) {
        best = h;
        bestGap = gap;
      }
      if (gap >= 0.1) break;
    }
    return best;
  }

  private spawn(entering: boolean): SceneObject {
    const { rng } = this;
    const { width: W, height: H, fps } = this.opts;
    const classId = this.drawClass();
    const size = H * rng.range(this.minSize, this.maxSize);
    const shape = makeShape(classId, size, rng);
    const radius = boundingRadius(shape);
    const hue = this.drawHue();
    const look: ObjectLook = {
      color: hsvToRgb(hue, rng.range(0.5, 0.95), rng.range(0.5, 1)),
      shadeX: 0,
      shadeY: 0,
      shadeAmp: rng.range(0.05, 0.25),
      stripeAmp: rng.chance(0.3) ? rng.range(0.04, 0.12) : 0,
      stripeFreq: (2 * Math.PI) / Math.max(3, size * rng.range(0.12, 0.3)),
    };
    const sa = rng.next() * 2 * Math.PI;
    look.shadeX = Math.cos(sa);
    look.shadeY = Math.sin(sa);
    // Speed 0.1..0.4 frame heights per second; rotation up to ~25°/s either way.
    const speed = (H * rng.range(0.1, 0.4)) / fps;
    const omega = (rng.sign() * rng.range(0.03, 0.45)) / fps;
    let x: number, y: number, dir: number;
    if (!entering) {
      x = rng.range(radius * 0.6, W - radius * 0.6);
      y = rng.range(radius * 0.6, H - radius * 0.6);
      dir = rng.next() * 2 * Math.PI;
    } else {
      const edge = rng.int(0, 3);
      const along = rng.next();
      if (edge === 0) [x, y] = [-radius - 1, along * H];
      else if (edge === 1) [x, y] = [W + radius + 1, along * H];
      else if (edge === 2) [x, y] = [along * W, -radius - 1];
      else [x, y] = [along * W, H + radius + 1];
      const tx = W * rng.range(0.25, 0.75);
      const ty = H * rng.range(0.25, 0.75);
      dir = Math.atan2(ty - y, tx - x);
    }
    const lifeFrames = Math.round(fps * rng.range(3, 14));
    return {
      objectId: this.nextId++,
      classId,
      shape,
      radius,
      look,
      hue,
      pose: { x, y, angle: rng.next() * 2 * Math.PI },
      vx: speed * Math.cos(dir),
      vy: speed * Math.sin(dir),
      omega,
      z: rng.next(),
      life: lifeFrames,
      leaving: false,
    };
  }

  /** Advances every object by one frame, retires those that left, lets new ones enter. */
  step(): void {
    const { width: W, height: H, minObjects, maxObjects, fps } = this.opts;
    for (const o of this.objects) {
      const p = o.pose;
      p.x += o.vx;
      p.y += o.vy;
      p.angle += o.omega;
      if (!o.leaving) {
        const m = o.radius * 0.6;
        if ((p.x < m && o.vx < 0) || (p.x > W - m && o.vx > 0)) o.vx = -o.vx;
        if ((p.y < m && o.vy < 0) || (p.y > H - m && o.vy > 0)) o.vy = -o.vy;
        if (--o.life <= 0) o.leaving = true;
      }
    }
    let left = 0;
    for (let i = this.objects.length - 1; i >= 0; i--) {
      const o = this.objects[i];
      const p = o.pose;
      const r = o.radius + 1;
      if (o.leaving && (p.x + r < 0 || p.x - r > W || p.y + r < 0 || p.y - r > H)) {
        this.objects.splice(i, 1);
        left++;
      }
    }
    if (left > 0) {
      this.target = this.rng.int(minObjects, maxObjects);
    }
    if (this.cooldown > 0) this.cooldown--;
    const staying = this.objects.filter((o) => !o.leaving).length;
    if (this.cooldown === 0 && staying < this.target && this.objects.length < maxObjects) {
      this.objects.push(this.spawn(true));
      this.cooldown = Math.round(fps * this.rng.range(0.3, 2));
    }
  }

  /** The objects far to near (ascending z). */
  depthOrder(): SceneObject[] {
    return [...this.objects].sort((a, b) => a.z - b.z);
  }
}
