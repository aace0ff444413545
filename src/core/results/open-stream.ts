import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { fsReason } from './fs-reason.js';

/**
 * A write stream on `file`, opened synchronously: a bad path throws here, as one error naming
 * `shownAs` (the name the user gave, not the hidden temporary one), instead of arriving later as
 * an 'error' event, and an abort right after cannot race the open and leave the file behind.
 */
export function openStream(file: string, shownAs: string): WriteStream {
  let fd: number;
  try {
    fd = openSync(file, 'w');
  } catch (err) {
    throw new Error(`cannot write '${shownAs}': ${fsReason(err)}`);
  }
  return createWriteStream(file, { fd });
}
