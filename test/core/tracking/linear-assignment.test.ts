import { describe, expect, it } from 'vitest';
import { minCostAssignment, thresholdAssignment } from '../../../src/core/tracking/linear-assignment.js';
import { Rng } from '../../../src/synth/prng.js';

const pairs = (rowToCol: Int32Array): number[] => Array.from(rowToCol);

/** Best complete assignment by trying every injection of the smaller side into the larger one. */
function bruteForce(cost: number[], rows: number, cols: number): number {
  let best = Infinity;
  const usedCols = new Array<boolean>(cols).fill(false);
  const usedRows = new Array<boolean>(rows).fill(false);
  const byRow = rows <= cols;
  const go = (k: number, sum: number): void => {
    if (k === (byRow ? rows : cols)) {
      best = Math.min(best, sum);
      return;
    }
    for (let t = 0; t < (byRow ? cols : rows); t++) {
      const used = byRow ? usedCols : usedRows;
      if (used[t]) continue;
      used[t] = true;
      go(k + 1, sum + (byRow ? cost[k * cols + t] : cost[t * cols + k]));
      used[t] = false;
    }
  };
  go(0, 0);
  return best;
}

describe('minCostAssignment', () => {
  it('solves a square matrix', () => {
    // r0c1 + r1c0 + r2c2 = 1 + 2 + 2 = 5; greedily taking the cheapest pair r1c1 = 0 first would
    // leave r0 and r2 with c0 and c2: 4 + 2 or 3 + 3, 6 in all.
    const a = minCostAssignment([4, 1, 3, 2, 0, 5, 3, 2, 2], 3, 3);
    expect(pairs(a.rowToCol)).toEqual([1, 0, 2]);
    expect(pairs(a.colToRow)).toEqual([1, 0, 2]);
  });

  it('solves wide and tall matrices the same way', () => {
    // r0c1 + r1c0 = 2 + 2 = 4 beats r0c0 + r1c1 = 5 and everything with c2.
    const wide = minCostAssignment([1, 2, 3, 2, 4, 6], 2, 3);
    expect(pairs(wide.rowToCol)).toEqual([1, 0]);
    expect(pairs(wide.colToRow)).toEqual([1, 0, -1]);
    const tall = minCostAssignment([1, 2, 2, 4, 3, 6], 3, 2);
    expect(pairs(tall.rowToCol)).toEqual([1, 0, -1]);
    expect(pairs(tall.colToRow)).toEqual([1, 0]);
  });

  it('takes as many allowed pairs as possible before minimising cost (NaN/Infinity forbidden)', () => {
    // Alone, r0c0 = 0.1 is the cheapest pair; but r1 can only take c0, so both rows are served by
    // r0c1 + r1c0 = 0.35.
    const a = minCostAssignment([0.1, 0.2, 0.15, Infinity], 2, 2);
    expect(pairs(a.rowToCol)).toEqual([1, 0]);
    const b = minCostAssignment([NaN, NaN, 0.3, NaN], 2, 2);
    expect(pairs(b.rowToCol)).toEqual([-1, 0]);
    expect(pairs(b.colToRow)).toEqual([1, -1]);
  });

  it('handles empty matrices', () => {
    expect(pairs(minCostAssignment([], 0, 3).colToRow)).toEqual([-1, -1, -1]);
    expect(pairs(minCostAssignment([], 2, 0).rowToCol)).toEqual([-1, -1]);
  });

  it('matches brute force on random matrices up to 5x6', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(rng.next() * 5);
      const cols = 1 + Math.floor(rng.next() * 6);
      // Small integers make ties common, which is where a wrong potential update would show.
      const cost = Array.from({ length: rows * cols }, () => Math.floor(rng.next() * 10) - 3);
      const a = minCostAssignment(cost, rows, cols);
      let sum = 0, n = 0;
      for (let r = 0; r < rows; r++) {
        const c = a.rowToCol[r];
        if (c < 0) continue;
        expect(a.colToRow[c]).toBe(r);
        sum += cost[r * cols + c];
        n++;
      }
      expect(n).toBe(Math.min(rows, cols));
      expect(sum).toBe(bruteForce(cost, rows, cols));
    }
  });
});

describe('thresholdAssignment', () => {
  it('never returns a pair at or above the threshold', () => {
    const a = thresholdAssignment([0.1, 0.9, 0.85, 0.95], 2, 2, 0.8);
    expect(pairs(a.rowToCol)).toEqual([0, -1]);
    expect(pairs(a.colToRow)).toEqual([0, -1]);
    expect(pairs(thresholdAssignment([0.8], 1, 1, 0.8).rowToCol)).toEqual([-1]);
  });

  it('prefers one good pair over two mediocre ones, as lapjv with cost_limit does', () => {
    const cost = [0.1, 0.5, 0.5, 0.95];
    // Complete assignment: r0c1 + r1c0 = 1.0 beats r0c0 + r1c1 = 1.05.
    expect(pairs(minCostAssignment(cost, 2, 2).rowToCol)).toEqual([1, 0]);
    // With limit 0.8, Σ(cost − 0.8): r0c0 alone gives −0.7, the two 0.5 pairs only −0.6.
    expect(pairs(thresholdAssignment(cost, 2, 2, 0.8).rowToCol)).toEqual([0, -1]);
  });

  it('is optimal on rectangular input', () => {
    // Three tracks, two detections: r2 is the best partner of c0 (0.2) but r0c0 + r2c1 = 0.3 + 0.3
    // is better than r2c0 + r0c1 = 0.2 + 0.7 (Σ(cost − 0.8) −1.0 vs −0.7).
    const cost = [0.3, 0.7, 0.9, 0.9, 0.2, 0.3];
    const a = thresholdAssignment(cost, 3, 2, 0.8);
    expect(pairs(a.rowToCol)).toEqual([0, -1, 1]);
    expect(pairs(a.colToRow)).toEqual([0, 2]);
  });
});
