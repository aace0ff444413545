/**
 * The reason of a failed file-system call without the path Node appends ("ENOSPC: no space left on
 * device, write"): callers name the file the user asked for, not the temporary one that failed.
 */
export function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const msg = e?.message ?? String(err);
  return msg.replace(/, \w+ '.*$/s, '');
}
