/**
 * Buffered IoU (Yang et al., "Hard to Track Objects with Irregular Motions and Similar
 * Appearances? Make It Easier by Buffering the Matching Space", WACV 2023): the IoU of two boxes
 * each widened by `scale` times its own width and height on every side, so that a box that moved
 * further than the motion model said, or came back after a gap, still overlaps its track.
 */
import { boxIou } from '../nms.js';
import type { BoxXYXY } from '../types.js';

const a4 = new Float64Array(4);
const b4 = new Float64Array(4);

function widen(box: BoxXYXY, scale: number, out: Float64Array): Float64Array {
  const bw = (box[2] - box[0]) * scale, bh = (box[3] - box[1]) * scale;
  out[0] = box[0] - bw;
  out[1] = box[1] - bh;
  out[2] = box[2] + bw;
  out[3] = box[3] + bh;
  return out;
}

export function bufferedIou(a: BoxXYXY, b: BoxXYXY, scale: number): number {
  return boxIou(widen(a, scale, a4), 0, widen(b, scale, b4), 0);
}
