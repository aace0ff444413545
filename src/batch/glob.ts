/**
 * A small glob matcher (Node 20 has no fs.glob): `*` and `?` within one path segment, `**` for
 * any number of directories, `[abc]` / `[a-z]` classes. Quoted patterns reach us unexpanded; a
 * shell that expanded them already hands over plain paths, which is fine too.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

export function isGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

/** One path segment's pattern as a RegExp. */
function segmentRegExp(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 1);
      if (close < 0) { re += '\\['; continue; }
      let cls = seg.slice(i + 1, close);
      if (cls.startsWith('!')) cls = '^' + cls.slice(1);
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * The directory a pattern starts in (its segments before the first with a wildcard) and the rest.
 * `photos/2024/*.jpg` → base `photos/2024`, rest `*.jpg`.
 */
export function globBase(pattern: string): { base: string; rest: string[] } {
  const segs = pattern.split('/');
  const first = segs.findIndex(isGlob);
  const baseSegs = segs.slice(0, first);
  const base = baseSegs.length === 0 ? '.' : baseSegs.join('/') || '/';
  return { base, rest: segs.slice(first) };
}

/** Files matching `pattern`, sorted; hidden entries (a leading '.') only when the pattern says so. */
export function expandGlob(pattern: string): string[] {
  const { base, rest } = globBase(pattern);
  const out: string[] = [];
  const walk = (dir: string, segs: string[]): void => {
    if (segs.length === 0) return;
    const [seg, ...more] = segs as [string, ...string[]];
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (seg === '**') {
      walk(dir, more); // zero directories
      for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) walk(path.join(dir, e.name), segs);
      return;
    }
    const re = segmentRegExp(seg);
    for (const e of entries) {
      if (e.name.startsWith('.') && !seg.startsWith('.')) continue;
      if (!re.test(e.name)) continue;
      const p = path.join(dir, e.name);
      if (more.length === 0) { if (e.isFile() || e.isSymbolicLink()) out.push(p); }
      else if (e.isDirectory()) walk(p, more);
    }
  };
  walk(base, rest);
  return [...new Set(out)].sort();
}
