/**
 * Object shapes in their own (local) coordinates, and their rasterisation into a frame.
 *
 * The mask rule is exact and simple: a pixel belongs to a shape when its centre (x + 0.5, y + 0.5)
 * is strictly inside it (ellipse: (u/a)^2 + (v/b)^2 < 1; polygon: even-odd crossing test). The
 * painted colour is anti-aliased over at most half a pixel either side of the outline, so a pixel
 * outside the mask can get a little of the object's colour, never the other way round.
 */
import { CLASS_BOX, CLASS_DISC, CLASS_STAR, CLASS_TRIANGLE } from './categories.js';
import type { Rng } from './prng.js';

export type LocalShape =
  | { kind: 'ellipse'; a: number; b: number }
  /** Closed polygon, vertices as flat [x0, y0, x1, y1, ...] around the origin. */
  | { kind: 'polygon'; xy: Float64Array };

/** Appearance of an object: base colour (0..255 floats), a linear shading and an optional stripe pattern. */
export interface ObjectLook {
  color: [number, number, number];
  /** Shading direction (unit vector in local coordinates) and amplitude (relative brightness at the rim). */
  shadeX: number;
  shadeY: number;
  shadeAmp: number;
  /** Stripes across the object: relative amplitude (0 = none), and spatial frequency (rad/px) in local x. */
  stripeAmp: number;
  stripeFreq: number;
}

/** Where an object is in a frame. */
export interface Pose {
  x: number;
  y: number;
  angle: number;
}

/** Radius of the smallest origin-centred circle holding the shape. */
export function boundingRadius(shape: LocalShape): number {
  if (shape.kind === 'ellipse') return Math.max(shape.a, shape.b);
  let r2 = 0;
  for (let i = 0; i < shape.xy.length; i += 2) {
    const d = shape.xy[i] * shape.xy[i] + shape.xy[i + 1] * shape.xy[i + 1];
    if (d > r2) r2 = d;
  }
  return Math.sqrt(r2);
}

/**
 * A random shape of the class, its largest extent about `size` pixels.
 * disc: ellipse with axis ratio 0.65..1; box: rectangle with aspect 0.5..1; triangle: near
 * equilateral (vertex angles jittered ±12°, radii 0.85..1); star: five points, inner radius 0.42..0.55.
 */
export function makeShape(classId: number, size: number, rng: Rng): LocalShape {
  switch (classId) {
    case CLASS_DISC: {
      const a = size / 2;
      return { kind: 'ellipse', a, b: a * rng.range(0.65, 1) };
    }
    case CLASS_BOX: {
      const hw = size / 2;
      const hh = hw * rng.range(0.5, 1);
      return { kind: 'polygon', xy: Float64Array.from([-hw, -hh, hw, -hh, hw, hh, -hw, hh]) };
    }
    case CLASS_TRIANGLE: {
      const r = size / Math.sqrt(3);
      const xy = new Float64Array(6);
      for (let i = 0; i < 3; i++) {
        const ang = -Math.PI / 2 + (i * 2 * Math.PI) / 3 + rng.range(-0.21, 0.21);
        const ri = r * rng.range(0.85, 1);
        xy[2 * i] = ri * Math.cos(ang);
        xy[2 * i + 1] = ri * Math.sin(ang);
      }
      return { kind: 'polygon', xy };
    }
    case CLASS_STAR: {
      const ro = size / 2;
      const ri = ro * rng.range(0.42, 0.55);
      const xy = new Float64Array(20);
      for (let i = 0; i < 10; i++) {
        const ang = -Math.PI / 2 + (i * Math.PI) / 5;
        const r = i % 2 === 0 ? ro : ri;
        xy[2 * i] = r * Math.cos(ang);
        xy[2 * i + 1] = r * Math.sin(ang);
      }
      return { kind: 'polygon', xy };
    }
    default:
      throw new RangeError(`makeShape: unknown class ${classId}`);
  }
}

/** Clipped integer pixel range [x0, x1) x [y0, y1) of the pixels a posed shape can touch. */
export function poseBounds(radius: number, pose: Pose, width: number, height: number): [number, number, number, number] {
  const r = radius + 1;
  const x0 = Math.max(0, Math.floor(pose.x - r));
  const y0 = Math.max(0, Math.floor(pose.y - r));
  const x1 = Math.min(width, Math.ceil(pose.x + r));
  const y1 = Math.min(height, Math.ceil(pose.y + r));
  return [x0, y0, Math.max(x0, x1), Math.max(y0, y1)];
}

/**
 * Paints one posed shape into `rgb` (float RGB, row-major, 3 per pixel) and writes `labelValue`
 * into `labels` at every pixel whose centre is inside it (painting far to near makes `labels` the
 * visible-object map). Returns the number of in-frame pixels inside the shape (its unoccluded area).
 */
export function paintShape(
  shape: LocalShape,
  radius: number,
  look: ObjectLook,
  pose: Pose,
  rgb: Float32Array,
  labels: Uint16Array,
  labelValue: number,
  width: number,
  height: number,
): number {
  const [x0, y0, x1, y1] = poseBounds(radius, pose, width, height);
  const cos = Math.cos(pose.angle);
  const sin = Math.sin(pose.angle);
  const [cr, cg, cb] = look.color;
  const invR = 1 / radius;
  const isEllipse = shape.kind === 'ellipse';
  const ia2 = isEllipse ? 1 / (shape.a * shape.a) : 0;
  const ib2 = isEllipse ? 1 / (shape.b * shape.b) : 0;
  const xy = isEllipse ? null : shape.xy;
  const nv = xy ? xy.length >> 1 : 0;
  let area = 0;
  for (let y = y0; y < y1; y++) {
    const dy = y + 0.5 - pose.y;
    let idx = y * width + x0;
    for (let x = x0; x < x1; x++, idx++) {
      const dx = x + 0.5 - pose.x;
      // Local coordinates: rotate the offset by -angle.
      const u = cos * dx + sin * dy;
      const v = -sin * dx + cos * dy;
      let inside: boolean;
      let sd: number; // signed distance to the outline, > 0 inside (approximate for ellipses)
      if (xy === null) {
        const f = u * u * ia2 + v * v * ib2 - 1;
        inside = f < 0;
        const gx = u * ia2;
        const gy = v * ib2;
        const g = 2 * Math.sqrt(gx * gx + gy * gy);
        sd = g > 0 ? -f / g : 1e9;
      } else {
        // Even-odd crossing test and distance to the nearest edge.
        inside = false;
        let d2 = Infinity;
        for (let i = 0, j = nv - 1; i < nv; j = i++) {
          const xi = xy[2 * i], yi = xy[2 * i + 1];
          const xj = xy[2 * j], yj = xy[2 * j + 1];
          if (yi > v !== yj > v && u < ((xj - xi) * (v - yi)) / (yj - yi) + xi) inside = !inside;
          const ex = xj - xi, ey = yj - yi;
          const px = u - xi, py = v - yi;
          let t = (px * ex + py * ey) / (ex * ex + ey * ey);
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const qx = px - t * ex, qy = py - t * ey;
          const dd = qx * qx + qy * qy;
          if (dd < d2) d2 = dd;
        }
        const d = Math.sqrt(d2);
        sd = inside ? d : -d;
      }
      if (inside) {
        labels[idx] = labelValue;
        area++;
      } else if (sd <= -0.5) {
        continue;
      }
      // Coverage: >= 0.5 inside, < 0.5 outside, ramps over ±0.5 px of the outline.
      let alpha = 0.5 + sd;
      if (inside) alpha = alpha > 1 ? 1 : alpha < 0.5 ? 0.5 : alpha;
      else alpha = alpha < 0 ? 0 : alpha > 0.5 ? 0.5 : alpha;
      let shade = 1 + look.shadeAmp * (u * look.shadeX + v * look.shadeY) * invR;
      if (look.stripeAmp > 0) shade *= 1 + look.stripeAmp * Math.sin(u * look.stripeFreq);
      const o = idx * 3;
      const ia = 1 - alpha;
      rgb[o] = rgb[o] * ia + cr * shade * alpha;
      rgb[o + 1] = rgb[o + 1] * ia + cg * shade * alpha;
      rgb[o + 2] = rgb[o + 2] * ia + cb * shade * alpha;
    }
  }
  return area;
}
