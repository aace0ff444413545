/**
 * What storing the result stages' state with every ack costs (compositor.ts, issue 9): the
 * snapshot's size and JSON.stringify time per frame at 50 tracked objects (box similarity, the
 * default), 1280x720. Run: `npx tsc -p tsconfig.build.json && node dist/bench/stage-snapshot.js`.
 */
import { buildResultChain } from '../src/compositor/stages/registry.js';
import type { Instance } from '../src/core/types.js';

const W = 1280, H = 720, N = 50, FRAMES = 300;
const chain = buildResultChain();
let bytes = 0, ms = 0, n = 0;
for (let k = 0; k < FRAMES; k++) {
  const instances: Instance[] = [];
  for (let i = 0; i < N; i++) {
    const x = (i % 10) * 120 + k * 0.5, y = Math.floor(i / 10) * 130 + 10;
    instances.push({ classId: 1, label: 'person', score: 0.9, box: [x, y, x + 60, y + 110], mask: { size: [H, W], counts: [W * H] } });
  }
  chain.process({ streamId: 's', seq: k, ptsMs: k * 100, width: W, height: H, instances });
  const t = performance.now();
  const json = chain.snapshotJson()!;
  if (k >= 20) { ms += performance.now() - t; bytes += json.length; n++; }
}
console.log(`${N} tracks: snapshot ${(bytes / n / 1024).toFixed(1)} KiB (${(bytes / n / N).toFixed(0)} B/track), JSON.stringify ${(ms / n).toFixed(3)} ms/frame`);
