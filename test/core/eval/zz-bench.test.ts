import { it } from 'vitest';
import { cocoEvalSegm, type DetInstance, type GtInstance } from '../../../src/core/eval/coco-eval.js';
import { encodeRle } from '../../../src/core/rle.js';
it('bench', () => {
  const W = 1280, H = 720, N = 1000;
  const mk = (x0: number, y0: number, w: number, h: number) => {
    const m = new Uint8Array(W * H);
    for (let y = y0; y < Math.min(H, y0 + h); y++) m.fill(1, y * W + x0, y * W + Math.min(W, x0 + w));
    return encodeRle(m, W, H, [x0, y0, x0 + w, y0 + h]);
  };
  let seed = 1; const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const gts: GtInstance[] = [], dets: DetInstance[] = [];
  let id = 1;
  for (let i = 1; i <= N; i++) for (let j = 0; j < 10; j++) {
    const x = Math.floor(rnd() * 1100), y = Math.floor(rnd() * 600), w = 20 + Math.floor(rnd() * 150), h = 20 + Math.floor(rnd() * 100);
    const m = mk(x, y, w, h); const cat = 1 + (j % 3);
    gts.push({ id: id++, imageId: i, categoryId: cat, mask: m, area: w * h });
    dets.push({ imageId: i, categoryId: cat, score: rnd(), mask: mk(x + 3, y + 2, w, h) });
    if (j < 5) dets.push({ imageId: i, categoryId: cat, score: rnd(), mask: mk(Math.floor(rnd() * 1100), Math.floor(rnd() * 600), 50, 50) });
  }
  const t = performance.now();
  const r = cocoEvalSegm({ images: Array.from({ length: N }, (_, i) => ({ id: i + 1, width: W, height: H })), categories: [1, 2, 3].map((id) => ({ id, name: `c${id}` })), gt: gts, dets });
  console.log('ms', performance.now() - t, r.ap, r.counts);
});
