/**
 * Soak benchmark: a live RTSP camera for a long time, every role sampled once a minute.
 *
 *   npm run build && node dist/bench/soak.js [--minutes 30] [--sample-s 60] [--settle-min 5]
 *        [--outage-every-min 5] [--outage-s 5] [--source clip.mp4] [--no-embedded]
 *
 * A clip (default ../shared/media/people-walking.mp4, 10 fps) is looped losslessly into one file
 * longer than the run and served in real time by the test RTSP server (test/fixtures/rtsp). Roles,
 * each its own `segstream` process against a redis-server of the bench's own:
 *   produce → work → compose (segmented recording, retention on), and, unless --no-embedded, a
 *   `segstream run` of the same camera (the embedded default) as a fourth process.
 * Every --outage-every-min the camera's server is killed for --outage-s seconds and started again
 * on its port, so reconnects happen throughout. Each sample records every role's RSS (the least of
 * five readings a second apart: frame buffers are collected in bursts, and the floor between them
 * is what a leak raises), open file descriptors and child processes, and Redis used_memory.
 *
 * Verdicts (issue 8 item 6), from the --settle-min sample on:
 * - RSS of every role never more than 10 % above its value at --settle-min (less is not a leak);
 * - Redis memory flat: its peak after --settle-min ≤ 1.10 × its peak before (frames in flight
 *   come and go, so peaks are compared, not single samples);
 * - file descriptors and child processes never above the most seen before --settle-min, at every
 *   sample taken 20 s or more after an outage ended (a segment boundary may swap an encoder at
 *   the moment of a sample: one child fewer is not growth).
 */
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { packageRoot } from '../src/core/package-root.js';
import { freePort, rtspServerMissing, startRtspServer, tcpConnectError } from '../test/fixtures/rtsp/rtsp-server.js';
import { sampleProcessFloor, type ProcessSample } from './process-sample.js';
import { clipSeconds, loopedClip } from './camera-clip.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    'sample-s': { type: 'string', default: '60' },
    'settle-min': { type: 'string', default: '5' },
    'outage-every-min': { type: 'string', default: '5' },
    'outage-s': { type: 'string', default: '5' },
    source: { type: 'string' },
    'no-embedded': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});

const root = packageRoot();
const minutes = Number(values.minutes);
const sampleMs = Number(values['sample-s']) * 1000;
const settleMs = Number(values['settle-min']) * 60_000;
const outageEveryMs = Number(values['outage-every-min']) * 60_000;
const outageMs = Number(values['outage-s']) * 1000;
const source = values.source ?? path.resolve(root, '..', 'shared', 'media', 'people-walking.mp4');
const cli = path.join(root, 'bin', 'segstream.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'segstream-soak-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const elapsed = () => Date.now() - t0;
const mmss = (ms: number) => `${String(Math.floor(ms / 60_000)).padStart(2, '0')}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}`;

interface Role { name: string; child: ChildProcess; log: string }

function startRole(name: string, args: string[], env: NodeJS.ProcessEnv): Role {
  const log = path.join(tmp, `${name}.log`);
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.pipe(createWriteStream(log));
  child.once('exit', (code, signal) => {
    if (!stopping) console.error(`[soak] ${name} exited early (${code ?? signal}); its log: ${log}`);
  });
  return { name, child, log };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 200 && (await tcpConnectError(port)) !== null; i++) await sleep(50);
  return { url: `redis://127.0.0.1:${port}`, child };
}

function segmentsIn(dir: string): number {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.mp4')).length : 0;
}

function countLines(file: string, pattern: RegExp): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => pattern.test(l)).length : 0;
}

let stopping = false;

async function main(): Promise<void> {
  const missing = rtspServerMissing();
  if (missing) throw new Error(`the RTSP server cannot run here: ${missing}`);
  if (!existsSync(source)) throw new Error(`no source clip at ${source} (give --source)`);
  const camera = loopedClip(source, minutes * 60 + 120, tmp);
  console.log(`[soak] ${minutes} min; camera ${camera} (${clipSeconds(camera).toFixed(0)} s, looped from ${path.basename(source)}); logs in ${tmp}`);

  const redis = await startRedis();
  const probe = new Redis(redis.url);
  let server = await startRtspServer(camera);
  const rtspPort = server.port;
  const env = { REDIS_URL: redis.url }; // stderr is a pipe: the roles log JSON lines
  const recDir = path.join(tmp, 'rec');
  const runDir = path.join(tmp, 'run');
  const segmentArgs = ['--segment', '60', '--keep-hours', '0.25'];
  const roles: Role[] = [
    startRole('work', ['work', '--threads', '1'], env),
    startRole('compose', ['compose', '--stream', 'soak', '-o', path.join(recDir, 'soak.mp4'), '--wait', '60', ...segmentArgs], env),
    startRole('produce', ['produce', server.url, '--stream', 'soak'], env),
  ];
  if (!values['no-embedded']) roles.push(startRole('run', ['run', server.url, '-o', path.join(runDir, 'cam.mp4'), '--threads', '1', ...segmentArgs], env));

  const samples: { atMs: number; roles: Record<string, ProcessSample | null>; redisMb: number }[] = [];
  const outages: { downAtMs: number; upAtMs: number }[] = [];
  const endAt = minutes * 60_000;
  // Outages start 25 s after a minute mark so that every sample (on the minute) falls 30 s after one ended.
  let nextOutage = outageEveryMs + 25_000;
  let nextSample = sampleMs;
  console.log('[soak]  t     ' + roles.map((r) => `${r.name.padEnd(7)} RSS MB/fds/kids`).join('  ') + '  redis MB  segments rec/run');
  while (elapsed() < endAt) {
    const wait = Math.min(nextOutage, nextSample, endAt) - elapsed();
    if (wait > 0) await sleep(wait);
    if (elapsed() >= nextOutage && elapsed() < endAt) {
      const downAtMs = elapsed();
      server.child.kill('SIGKILL');
      await exited(server.child);
      if ((await tcpConnectError(rtspPort)) !== 'ECONNREFUSED') console.error('[soak] the camera port still answers after the kill');
      await sleep(outageMs);
      server = await startRtspServer(camera, { port: rtspPort });
      outages.push({ downAtMs, upAtMs: elapsed() });
      console.log(`[soak] ${mmss(downAtMs)} camera down ${(outageMs / 1000).toFixed(0)} s, back at ${mmss(elapsed())}`);
      nextOutage += outageEveryMs;
    }
    if (elapsed() >= nextSample) {
      const info = await probe.info('memory');
      const redisMb = Number(/used_memory:(\d+)/.exec(info)?.[1]) / 2 ** 20;
      const atMs = elapsed();
      const taken = await Promise.all(roles.map((r) => sampleProcessFloor(r.child.pid!)));
      const s = { atMs, roles: Object.fromEntries(roles.map((r, i) => [r.name, taken[i]])), redisMb };
      samples.push(s);
      const cells = roles.map((r) => {
        const p = s.roles[r.name];
        return p ? `${p.rssMb.toFixed(1).padStart(7)}/${String(p.fds).padStart(3)}/${p.children}`.padEnd(23) : 'gone'.padEnd(23);
      });
      console.log(`[soak] ${mmss(s.atMs)} ${cells.join('  ')} ${redisMb.toFixed(1).padStart(8)}  ${segmentsIn(recDir)}/${segmentsIn(runDir)}`);
      nextSample += sampleMs;
    }
  }

  stopping = true;
  // The producer ends its stream; compose and run finish it and exit on their own.
  const byName = (n: string) => roles.find((r) => r.name === n);
  for (const n of ['produce', 'run']) byName(n)?.child.kill('SIGTERM');
  const codes: Record<string, number | null> = {};
  for (const n of ['produce', 'run', 'compose']) { const r = byName(n); if (r) codes[n] = await exited(r.child); }
  byName('work')!.child.kill('SIGTERM');
  codes.work = await exited(byName('work')!.child);
  server.child.kill('SIGTERM');
  await probe.quit();
  redis.child.kill('SIGKILL');

  report(roles.map((r) => r.name), samples, outages, codes, roles);
  if (!values.keep) rmSync(tmp, { recursive: true, force: true });
}

function report(
  names: string[],
  samples: { atMs: number; roles: Record<string, ProcessSample | null>; redisMb: number }[],
  outages: { downAtMs: number; upAtMs: number }[],
  codes: Record<string, number | null>,
  roles: Role[],
): void {
  const ref = samples.find((s) => s.atMs >= settleMs - 1000);
  if (!ref) { console.log('[soak] the run was shorter than --settle-min: no verdict'); return; }
  const after = samples.filter((s) => s.atMs >= ref.atMs);
  const before = samples.filter((s) => s.atMs <= ref.atMs);
  console.log(`\n[soak] verdicts from ${mmss(ref.atMs)} on (${after.length} samples, ${outages.length} outages):`);
  let ok = true;
  for (const n of names) {
    const r0 = ref.roles[n];
    const later = after.map((s) => s.roles[n]).filter((p): p is ProcessSample => p !== null);
    if (!r0 || later.length !== after.length) { console.log(`  ${n}: exited during the run  FAIL`); ok = false; continue; }
    const rss = later.map((p) => p.rssMb);
    // Growth is what a leak does; memory given back after the reference (a GC, a smaller heap) is not.
    const worst = Math.max(...rss.map((x) => x / r0.rssMb - 1));
    // Descriptors and children are compared away from outages: during one the decoder is down.
    const calm = after.filter((s) => !outages.some((o) => s.atMs >= o.downAtMs - 1000 && s.atMs < o.upAtMs + 20_000));
    const calmOf = calm.map((s) => s.roles[n]).filter((p): p is ProcessSample => p !== null);
    const fds = new Set(calmOf.map((p) => p.fds));
    const kids = new Set(calmOf.map((p) => p.children));
    // A segment boundary swaps encoders (one more or one fewer child for a moment): what must not
    // happen is growth, so the bar is the most seen before --settle-min.
    const early = before.map((s) => s.roles[n]).filter((p): p is ProcessSample => p !== null);
    const fdBar = Math.max(...early.map((p) => p.fds));
    const kidBar = Math.max(...early.map((p) => p.children));
    const pass = worst <= 0.10 && Math.max(...fds) <= fdBar && Math.max(...kids) <= kidBar;
    ok &&= pass;
    console.log(`  ${n.padEnd(8)} RSS ${r0.rssMb.toFixed(1)} MB at ${mmss(ref.atMs)}, ${Math.min(...rss).toFixed(1)}–${Math.max(...rss).toFixed(1)} MB after (most above it ${(worst * 100).toFixed(1)} %, bar +10 %); ` +
      `fds ${[...fds].join(',')} (bar ${fdBar}); children ${[...kids].join(',')} (bar ${kidBar})  ${pass ? 'ok' : 'FAIL'}`);
    console.log(`           RSS by minute: ${samples.map((s) => s.roles[n]?.rssMb.toFixed(0) ?? '-').join(' ')}`);
  }
  const peakBefore = Math.max(...before.map((s) => s.redisMb));
  const peakAfter = Math.max(...after.map((s) => s.redisMb));
  const redisOk = peakAfter <= peakBefore * 1.10;
  ok &&= redisOk;
  console.log(`  redis    peak ${peakBefore.toFixed(1)} MB up to ${mmss(ref.atMs)}, ${peakAfter.toFixed(1)} MB after (ratio ${(peakAfter / peakBefore).toFixed(3)}, bar 1.10)  ${redisOk ? 'ok' : 'FAIL'}`);
  const back = countLines(roles.find((r) => r.name === 'produce')!.log, /source back after/);
  console.log(`  producer reported the source back ${back} time(s) for ${outages.length} outage(s); exit codes ${JSON.stringify(codes)}`);
  console.log(`[soak] ${ok ? 'PASS' : 'FAIL'}`);
  process.exitCode = ok ? 0 : 1;
}

main().catch((err) => {
  console.error(`[soak] ${(err as Error).message}`);
  process.exitCode = 1;
});
