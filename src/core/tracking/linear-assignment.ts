/**
 * Minimum-cost bipartite assignment on dense rectangular cost matrices (the Hungarian method with
 * row/column potentials, O(r²c) for r <= c). Used by the trackers (per-frame association) and by
 * the tracking metrics (CLEAR-MOT matching, the IDF1 global ID assignment, HOTA).
 *
 * Costs are row-major: `cost[i * cols + j]` is the cost of pairing row i with column j.
 */

/** Which column each row got and which row each column got; -1 where unassigned. */
export interface Assignment {
  rowToCol: Int32Array;
  colToRow: Int32Array;
}

function emptyAssignment(rows: number, cols: number): Assignment {
  return { rowToCol: new Int32Array(rows).fill(-1), colToRow: new Int32Array(cols).fill(-1) };
}

/**
 * Complete assignment of min(rows, cols) pairs minimising the summed cost. All costs must be
 * finite. The rectangular case is solved on the transposed matrix when rows > cols.
 */
function solveComplete(cost: ArrayLike<number>, rows: number, cols: number): Assignment {
  const out = emptyAssignment(rows, cols);
  if (rows === 0 || cols === 0) return out;
  const transposed = rows > cols;
  const n = transposed ? cols : rows;
  const m = transposed ? rows : cols;
  const at = transposed ? (i: number, j: number) => cost[j * cols + i] : (i: number, j: number) => cost[i * cols + j];
  // 1-based potentials and matching as in the classic formulation: p[j] is the row (1..n) holding
  // column j, column 0 is the virtual start of each augmenting path.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = at(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  for (let j = 1; j <= m; j++) {
    if (p[j] === 0) continue;
    const r = transposed ? j - 1 : p[j] - 1;
    const c = transposed ? p[j] - 1 : j - 1;
    out.rowToCol[r] = c;
    out.colToRow[c] = r;
  }
  return out;
}

/**
 * The assignment scipy's `linear_sum_assignment` gives when forbidden pairs carry NaN or ±Infinity
 * replaced by a prohibitive cost (py-motmetrics' `add_expensive_edges`): as many allowed pairs as
 * possible, and among those the least total cost. Forbidden pairs are never returned.
 */
export function minCostAssignment(cost: ArrayLike<number>, rows: number, cols: number): Assignment {
  if (cost.length < rows * cols) throw new RangeError(`minCostAssignment: ${cost.length} costs for ${rows}x${cols}`);
  let maxAbs = 0;
  let forbidden = false;
  for (let k = 0; k < rows * cols; k++) {
    const c = cost[k];
    if (Number.isFinite(c)) maxAbs = Math.max(maxAbs, Math.abs(c));
    else forbidden = true;
  }
  if (!forbidden) return solveComplete(cost, rows, cols);
  // One forbidden pair must cost more than any difference allowed pairs can make up: with costs in
  // [-c, c] and r = min(rows, cols) pairs, anything above 2rc does.
  const big = 2 * Math.min(rows, cols) * maxAbs + 1;
  const patched = new Float64Array(rows * cols);
  for (let k = 0; k < patched.length; k++) patched[k] = Number.isFinite(cost[k]) ? cost[k] : big;
  const a = solveComplete(patched, rows, cols);
  for (let r = 0; r < rows; r++) {
    const c = a.rowToCol[r];
    if (c >= 0 && !Number.isFinite(cost[r * cols + c])) {
      a.rowToCol[r] = -1;
      a.colToRow[c] = -1;
    }
  }
  return a;
}

/**
 * Assignment with a cost limit, as ByteTrack's `lap.lapjv(cost, extend_cost=True, cost_limit=t)`:
 * a pair is worth taking only when its cost is below `threshold` (leaving a row and a column
 * unmatched costs `threshold` together), so the result minimises Σ(cost − threshold) over the
 * chosen pairs and only holds pairs costing less than `threshold` (a pair at exactly `threshold`
 * gains nothing and is left out). NaN and Infinity are forbidden pairs.
 *
 * Solved as a complete assignment on the costs clipped at `threshold`: clipped pairs add nothing to
 * Σ(cost − threshold), so dropping them afterwards leaves an optimal partial assignment.
 */
export function thresholdAssignment(cost: ArrayLike<number>, rows: number, cols: number, threshold: number): Assignment {
  if (cost.length < rows * cols) throw new RangeError(`thresholdAssignment: ${cost.length} costs for ${rows}x${cols}`);
  const clipped = new Float64Array(rows * cols);
  for (let k = 0; k < clipped.length; k++) {
    const c = cost[k];
    clipped[k] = c < threshold ? c : threshold; // NaN compares false: clipped too
  }
  const a = solveComplete(clipped, rows, cols);
  for (let r = 0; r < rows; r++) {
    const c = a.rowToCol[r];
    if (c >= 0 && !(cost[r * cols + c] < threshold)) {
      a.rowToCol[r] = -1;
      a.colToRow[c] = -1;
    }
  }
  return a;
}
