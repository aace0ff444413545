/**
 * `--zone NAME:x1,y1,x2,y2,x3,y3,...` (a polygon, at least 3 points) and `--line NAME:x1,y1,x2,y2`:
 * coordinates in frame pixels, or all in 0..1 as fractions of the frame's width and height (a
 * spec whose every coordinate lies in [0, 1] is read as fractions).
 */
export interface RegionSpec {
  kind: 'zone' | 'line';
  name: string;
  /** As given: pixels, or fractions when {@link fractional}. */
  points: [number, number][];
  fractional: boolean;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Throws a RangeError naming the problem (the CLI turns it into a usage error). */
export function parseRegionSpec(kind: 'zone' | 'line', spec: string): RegionSpec {
  const flag = `--${kind}`;
  const colon = spec.indexOf(':');
  if (colon < 0) throw new RangeError(`invalid ${flag} '${spec}': expected NAME:x1,y1,...`);
  const name = spec.slice(0, colon);
  if (!NAME.test(name)) throw new RangeError(`invalid ${flag} '${spec}': the name must be 1-64 of A-Z a-z 0-9 _ . -`);
  const nums = spec.slice(colon + 1).split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (nums.some((v) => !Number.isFinite(v) || v < 0)) throw new RangeError(`invalid ${flag} '${spec}': coordinates must be numbers >= 0`);
  if (nums.length % 2) throw new RangeError(`invalid ${flag} '${spec}': an odd number of coordinates`);
  const points: [number, number][] = [];
  for (let i = 0; i < nums.length; i += 2) points.push([nums[i], nums[i + 1]]);
  if (kind === 'line' && points.length !== 2) throw new RangeError(`invalid ${flag} '${spec}': a line needs exactly 2 points (x1,y1,x2,y2)`);
  if (kind === 'zone' && points.length < 3) throw new RangeError(`invalid ${flag} '${spec}': a zone needs at least 3 points`);
  if (kind === 'line' && points[0][0] === points[1][0] && points[0][1] === points[1][1]) {
    throw new RangeError(`invalid ${flag} '${spec}': the two points are the same`);
  }
  return { kind, name, points, fractional: nums.every((v) => v <= 1) };
}

/** The spec's points in pixels of a `width` x `height` frame. */
export function regionPixels(r: RegionSpec, width: number, height: number): [number, number][] {
  return r.fractional ? r.points.map(([x, y]) => [x * width, y * height]) : r.points.map(([x, y]) => [x, y]);
}
