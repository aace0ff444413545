/**
 * Classifies an input string (file path or URL), validates what can be checked in JS before ffmpeg
 * is spawned (so missing/empty files give clear errors), and builds the per-kind ffmpeg input
 * options. Network inputs never get the `file` protocol on their whitelist, so an HLS playlist or
 * any nested URL cannot pull local files.
 */
import { lookup } from 'node:dns/promises';
import { accessSync, constants, statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaError } from './media-error.js';

export type SourceKind = 'file' | 'http' | 'rtsp' | 'udp';

export interface SourceSpec {
  kind: SourceKind;
  /** Scheme without colon: 'file', 'http', 'https', 'rtsp', 'rtsps', 'udp', 'rtp'. */
  scheme: string;
  /** The input as the caller gave it. */
  source: string;
  /** What to print in messages: the input with URL credentials redacted. */
  display: string;
  /** What to hand to ffmpeg's `-i` (files: `file:` + absolute path, so ':' or '-' in names is safe). */
  ffmpegInput: string;
  /** True for rtsp/udp/rtp, false for files, null for http(s) (known once the duration is read). */
  live: boolean | null;
}

export interface InputArgOptions {
  /** RTSP lower transport. Default 'tcp' (no packet loss, works through NAT). */
  rtspTransport?: 'tcp' | 'udp';
  /** Network socket I/O timeout in ms (rtsp `-stimeout`, http `-rw_timeout`). Default 15000. */
  ioTimeoutMs?: number;
  /** Name of the RTSP socket timeout option of the ffmpeg in use (see ffmpegCaps). Default 'stimeout'. */
  rtspTimeoutOption?: 'stimeout' | 'timeout';
}

const SUPPORTED = 'use a file path, http(s)://, rtsp://, rtsps://, udp:// or rtp://';

/** Protocols each kind may use, including nested ones (tls under https, rtp/udp under rtsp...). */
const WHITELIST: Record<string, string> = {
  file: 'file',
  http: 'http,https,tcp,tls,crypto',
  https: 'http,https,tcp,tls,crypto',
  rtsp: 'rtsp,rtsps,rtp,srtp,udp,tcp,tls',
  rtsps: 'rtsp,rtsps,rtp,srtp,udp,tcp,tls',
  udp: 'udp',
  rtp: 'rtp,udp',
};

/** Replaces the password of `scheme://user:pass@host` with `***`. */
export function redactUrl(s: string): string {
  return s.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:\s]*):[^/@\s]*@/i, '$1:***@');
}

/**
 * Classifies `source`. Does not touch the file system beyond telling an existing file named like
 * `a:b.mp4` from a URL scheme.
 * @throws MediaError UNSUPPORTED_SCHEME for any other scheme (ftp:, concat:, data:, pipe:...).
 */
export function classifySource(source: string): SourceSpec {
  if (source.trim() === '') {
    throw new MediaError('NO_SUCH_FILE', `cannot read input '': empty input name`, { input: '' });
  }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(source);
  const scheme = m ? m[1].toLowerCase() : null;
  // A single letter is a Windows drive ("C:\\clip.mp4"), not a scheme.
  if (scheme !== null && scheme.length > 1) {
    const display = redactUrl(source);
    switch (scheme) {
      case 'http':
      case 'https':
        return { kind: 'http', scheme, source, display, ffmpegInput: source, live: null };
      case 'rtsp':
      case 'rtsps':
        return { kind: 'rtsp', scheme, source, display, ffmpegInput: source, live: true };
      case 'udp':
      case 'rtp':
        return { kind: 'udp', scheme, source, display, ffmpegInput: source, live: true };
      case 'file': {
        let p: string;
        try {
          p = source.startsWith('file://') ? fileURLToPath(source) : source.slice('file:'.length);
        } catch {
          throw new MediaError('NO_SUCH_FILE', `cannot read input '${source}': not a valid file URL`, {
            input: source,
          });
        }
        return fileSpec(source, p);
      }
      default: {
        // "weird:name.mp4" that exists on disk is a file, not a scheme.
        if (existsAsPath(source)) return fileSpec(source, source);
        throw new MediaError('UNSUPPORTED_SCHEME', `unsupported input scheme '${scheme}:' (${SUPPORTED})`, {
          input: display,
        });
      }
    }
  }
  return fileSpec(source, source);
}

function existsAsPath(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function fileSpec(source: string, p: string): SourceSpec {
  const abs = path.resolve(p);
  return { kind: 'file', scheme: 'file', source, display: source, ffmpegInput: `file:${abs}`, live: false };
}

/**
 * Checks a local file before ffmpeg sees it: exists, is a regular file, is readable, is not empty.
 * No-op for network inputs.
 * @throws MediaError with a one-line message naming the input.
 */
export function validateSource(spec: SourceSpec): void {
  if (spec.kind !== 'file') return;
  const p = spec.ffmpegInput.slice('file:'.length);
  const fail = (code: 'NO_SUCH_FILE' | 'NOT_A_FILE' | 'PERMISSION_DENIED' | 'EMPTY_FILE', why: string) =>
    new MediaError(code, `cannot read input '${spec.display}': ${why}`, { input: spec.display });
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw fail('PERMISSION_DENIED', 'permission denied');
    if (code === 'ENOTDIR') throw fail('NO_SUCH_FILE', 'no such file (a parent is not a directory)');
    throw fail('NO_SUCH_FILE', 'no such file');
  }
  if (st.isDirectory()) throw fail('NOT_A_FILE', 'is a directory, not a video file');
  if (!st.isFile() && !st.isFIFO()) throw fail('NOT_A_FILE', 'not a regular file');
  try {
    accessSync(p, constants.R_OK);
  } catch {
    throw fail('PERMISSION_DENIED', 'permission denied');
  }
  if (st.isFile() && st.size === 0) throw fail('EMPTY_FILE', 'file is empty');
}

/** ffmpeg input options (to go before `-i`) for this kind of source. */
export function inputArgs(spec: SourceSpec, opts: InputArgOptions = {}): string[] {
  const ioUs = String(Math.max(1, Math.round((opts.ioTimeoutMs ?? 15_000) * 1000)));
  const args = ['-protocol_whitelist', WHITELIST[spec.scheme] ?? 'file'];
  switch (spec.kind) {
    case 'file':
      break;
    case 'http':
      // Reconnect (with a Range request at the current offset) when the server drops a seekable
      // download mid-way, e.g. after we paused reading for a slow consumer.
      args.push('-rw_timeout', ioUs, '-reconnect', '1', '-reconnect_delay_max', String(Math.max(1, Math.ceil(Number(ioUs) / 1e6))));
      break;
    case 'rtsp':
      // Minimal probing: the SDP already gives the codec and its parameter sets. With the default
      // probe (5 MB / 5 s), ffmpeg 4.1 buffers the first frames before the RTCP sender report
      // arrives and mis-times them (PTS 0 -200 -160 ... -40 0 40 ...); with 32 bytes the PTS run
      // 0, 40, 80... and the header comes in ~0.15 s instead of ~1.2 s. The stream line then has
      // `25 tbr` but no `25 fps` (see HeaderParser).
      args.push('-probesize', '32');
      args.push('-rtsp_transport', opts.rtspTransport ?? 'tcp');
      args.push(`-${opts.rtspTimeoutOption ?? 'stimeout'}`, ioUs);
      break;
    case 'udp':
      break;
  }
  return args;
}

/** What to pass to ffmpeg after host name resolution (see {@link resolveForFfmpeg}). */
export interface ResolvedInput {
  ffmpegInput: string;
  /** Extra input options (an HTTP `Host:` header when the host was replaced by its address). */
  extraArgs: string[];
}

const URL_HOST_RE = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?)(\[[^\]]*\]|[^:/?#]*)(.*)$/i;

/**
 * Static ffmpeg builds (the bundled one) segfault on any host name lookup, `localhost` included.
 * For them, resolve the name here and hand ffmpeg the address; HTTP(S) keeps the name in a
 * `Host:` header (TLS SNI then carries the address: servers that require SNI will refuse, and an
 * HTTP redirect to another name still reaches ffmpeg's resolver). A no-op for files, IP literals
 * and dynamically linked ffmpeg builds.
 * @throws MediaError HOST_NOT_FOUND when the name does not resolve.
 */
export async function resolveForFfmpeg(spec: SourceSpec, staticBuild: boolean): Promise<ResolvedInput> {
  const asIs: ResolvedInput = { ffmpegInput: spec.ffmpegInput, extraArgs: [] };
  if (spec.kind === 'file' || !staticBuild) return asIs;
  const m = URL_HOST_RE.exec(spec.ffmpegInput);
  if (!m) return asIs;
  const host = m[2];
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (bare === '' || isIP(bare) !== 0) return asIs;
  let address: string;
  let family: number;
  try {
    ({ address, family } = await lookup(bare));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'lookup failed';
    throw new MediaError('HOST_NOT_FOUND', `cannot read input '${spec.display}': cannot resolve host '${bare}' (${code})`, {
      input: spec.display,
    });
  }
  const addr = family === 6 ? `[${address}]` : address;
  const extraArgs: string[] = [];
  if (spec.kind === 'http') {
    const port = /^:(\d+)/.exec(m[3])?.[1];
    extraArgs.push('-headers', `Host: ${host}${port ? `:${port}` : ''}\r\n`);
  }
  return { ffmpegInput: `${m[1]}${addr}${m[3]}`, extraArgs };
}
