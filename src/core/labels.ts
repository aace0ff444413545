/**
 * COCO class names in the two orders model families use.
 *
 * - {@link COCO91_LABELS}: torchvision's order, indexed by COCO category id (0 = background, 'N/A'
 *   for the ids COCO never used). torchvision Mask R-CNN's `labels` output indexes this directly.
 * - {@link COCO80_LABELS}: the contiguous 80-class order YOLO models (and maskrcnn-benchmark /
 *   ONNX Model Zoo models, offset by one for their background class) use.
 */

/** torchvision's COCO category names, 91 entries, index = COCO category id. */
export const COCO91_LABELS: readonly string[] = Object.freeze([
  '__background__', 'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck',
  'boat', 'traffic light', 'fire hydrant', 'N/A', 'stop sign', 'parking meter', 'bench', 'bird',
  'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'N/A', 'backpack',
  'umbrella', 'N/A', 'N/A', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard',
  'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
  'tennis racket', 'bottle', 'N/A', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana',
  'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair',
  'couch', 'potted plant', 'bed', 'N/A', 'dining table', 'N/A', 'N/A', 'toilet', 'N/A', 'tv',
  'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink',
  'refrigerator', 'N/A', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier',
  'toothbrush',
]);

/** The 80 COCO class names in YOLO (contiguous) order. */
export const COCO80_LABELS: readonly string[] = Object.freeze([
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat',
  'traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog',
  'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella',
  'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
  'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone',
  'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors',
  'teddy bear', 'hair drier', 'toothbrush',
]);

// Derived once from the torchvision table so the two lists cannot disagree.
const COCO80_TO_91: Int32Array = (() => {
  const ids = new Int32Array(80);
  let k = 0;
  for (let id = 1; id < COCO91_LABELS.length; id++) {
    if (COCO91_LABELS[id] !== 'N/A') ids[k++] = id;
  }
  return ids;
})();

/**
 * Maps a contiguous 80-class index (YOLO order, 0..79) to its COCO category id (1..90), the id
 * COCO JSON results and {@link COCO91_LABELS} use. Throws RangeError outside 0..79.
 */
export function coco80ToCoco91(i: number): number {
  if (!Number.isInteger(i) || i < 0 || i >= 80) throw new RangeError(`COCO-80 index out of range: ${i}`);
  return COCO80_TO_91[i];
}

/** COCO category id of each COCO-80 class index (person 1, bicycle 2, car 3, …, toothbrush 90). */
export const COCO80_CATEGORY_IDS: readonly number[] = Array.from({ length: 80 }, (_, i) => coco80ToCoco91(i));

/** True when two label lists name the same classes in the same order. */
export function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}
