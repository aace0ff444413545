import { existsSync } from 'node:fs';

/**
 * `p`, or `p` with `-2`, `-3`, ... before its extension: the first name where neither it nor any
 * of its `companions` (e.g. `.jsonl` for a video) is taken. Never the name of a file that exists.
 */
export function freeName(p: string, companions: ((p: string) => string)[] = []): string {
  const taken = (c: string) => existsSync(c) || companions.some((f) => existsSync(f(c)));
  if (!taken(p)) return p;
  for (let i = 2; ; i++) {
    const c = p.replace(/(\.[^./\\]*)?$/, (ext) => `-${i}${ext}`);
    if (!taken(c)) return c;
  }
}
