/// <reference lib="dom" />
/**
 * The dashboard in a real browser (Debian's chromium, headless, driven by puppeteer-core) against
 * a real distributed run (produce | work | compose through Redis) of a live RTSP camera (the
 * GStreamer test server, real time, so the stream is live while the page is looked at): the stream appears, its
 * counters advance without a reload, its thumbnail shows, the worker is listed, the live HLS view
 * plays, and bull-board answers under /queues. A screenshot is saved
 * (SEGSTREAM_DASHBOARD_SCREENSHOT=path to keep it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, statSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { writeSynthClip } from '../../src/synth/index.js';
import { deleteKeys, REDIS_URL, spawnCli, tempDir, testPrefix, waitForLine } from '../helpers.js';
import { rtspServerMissing, startRtspServer } from '../fixtures/rtsp/rtsp-server.js';
import { readJsonl } from './jsonl.js';

const CHROMIUM = process.env.SEGSTREAM_CHROMIUM ?? '/usr/bin/chromium';
const noRtsp = rtspServerMissing();
const missing = !existsSync(CHROMIUM) ? `${CHROMIUM} not found (apt-get install chromium)` : noRtsp ? `no RTSP server: ${noRtsp}` : null;
if (missing) console.warn(`[segstream tests] dashboard browser test SKIPPED: ${missing}`);

const tmp = tempDir('dashboard');
const prefix = testPrefix();
const env = { SEGSTREAM_REDIS_PREFIX: prefix, REDIS_URL };
const children: ChildProcess[] = [];
let browser: Browser | null = null;
let camera: Awaited<ReturnType<typeof startRtspServer>> | null = null;

function start(args: string[]): ChildProcess {
  const c = spawnCli(args, env);
  children.push(c);
  return c;
}

function exited(c: ChildProcess): Promise<number | null> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c.exitCode);
  return new Promise((resolve) => c.once('exit', (code) => resolve(code)));
}

/** Text of a stream card's counter. */
function counter(page: Page, stream: string, field: string): Promise<number> {
  return page.$eval(`[data-stream="${stream}"] [data-field="${field}"]`, (e) => Number(e.textContent));
}

beforeAll(async () => {
  if (missing) return;
  await writeSynthClip(tmp.file('clip.mp4'), { seed: 31, frames: 150, fps: 10 });
});

afterAll(async () => {
  await browser?.close();
  camera?.child.kill('SIGTERM');
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await deleteKeys(prefix);
  tmp.cleanup();
});

describe.skipIf(missing !== null)('dashboard in chromium', () => {
  it('shows a running stream and its worker, updates live, plays the HLS view, and mounts bull-board', async () => {
    const dash = start(['dashboard', '--port', '0', '--host', '127.0.0.1']);
    const port = Number((await waitForLine(dash, /dashboard on http:\/\/127\.0\.0\.1:(\d+)\//, 30_000)).match(/127\.0\.0\.1:(\d+)/)![1]);
    const work = start(['work', '--threads', '1']);
    await waitForLine(work, /waiting for frames/, 60_000);
    const compose = start(['compose', '--stream', 'cam', '-o', tmp.file('out.mp4'), '--hls', tmp.file('hls'), '--thumbnail-every', '1']);
    camera = await startRtspServer(tmp.file('clip.mp4'));
    const produce = start(['produce', camera.url, '--stream', 'cam', '--max-frames', '150']);

    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'] });
    const page = await browser.newPage();
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(m.text()));
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'domcontentloaded' });
    await page.evaluate(() => { (window as unknown as { __loadedOnce: boolean }).__loadedOnce = true; });

    await page.waitForSelector('[data-stream="cam"]', { timeout: 60_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-stream="cam"] [data-field="written"]')?.textContent) > 0, { timeout: 60_000 });
    const first = await counter(page, 'cam', 'written');
    await page.waitForFunction((n) => Number(document.querySelector('[data-stream="cam"] [data-field="written"]')?.textContent) > n, { timeout: 60_000 }, first);
    const later = await counter(page, 'cam', 'written');
    expect(later).toBeGreaterThan(first);
    expect(await page.$eval('[data-stream="cam"] .state', (e) => e.textContent)).toBe('live');
    // The same document all along: the counters moved by Server-Sent Events, not a reload.
    expect(await page.evaluate(() => (window as unknown as { __loadedOnce?: boolean }).__loadedOnce)).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { __segstreamSnapshots: number }).__segstreamSnapshots)).toBeGreaterThan(1);

    // The worker, with the bundled model.
    await page.waitForSelector('#workers tbody tr', { timeout: 30_000 });
    expect(await page.$eval('#workers tbody', (e) => e.textContent)).toMatch(/segstream-maskrcnn-tiny/);

    // The thumbnail is a real JPEG the browser decoded.
    await page.waitForFunction(() => (document.querySelector('[data-stream="cam"] img.thumb') as HTMLImageElement | null)?.naturalWidth === 320, { timeout: 30_000 })
      .catch(async (err: Error) => {
        const img = await page.$eval('[data-stream="cam"] img.thumb', (e) => [e.getAttribute('src'), (e as HTMLImageElement).naturalWidth]);
        const r = await fetch(`http://127.0.0.1:${port}/thumb/cam`);
        throw new Error(`${err.message}: img ${JSON.stringify(img)}, /thumb/cam ${r.status} ${r.headers.get('content-length')}`);
      });

    // The live view plays: hls.js loads the playlist and the video's clock moves.
    await page.waitForSelector('[data-stream="cam"] .watch:not([hidden])', { timeout: 30_000 });
    await page.click('[data-stream="cam"] .watch');
    await page.waitForFunction(() => (document.querySelector('#video') as HTMLVideoElement).currentTime > 0.2, { timeout: 30_000 })
      .catch((err: Error) => { throw new Error(`${err.message}: the video did not play; page console: ${consoleLines.join(' | ')}`); });

    const shot = tmp.file('dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    if (process.env.SEGSTREAM_DASHBOARD_SCREENSHOT) copyFileSync(shot, process.env.SEGSTREAM_DASHBOARD_SCREENSHOT);

    // bull-board, mounted on the same server.
    const board = await fetch(`http://127.0.0.1:${port}/queues`);
    expect(board.status).toBe(200);
    expect(await board.text()).toMatch(/bull-board|Bull Dashboard/i);

    expect(await exited(produce)).toBe(0);
    expect(await exited(compose)).toBe(0);
    // The end reaches the page too.
    await page.waitForFunction(() => document.querySelector('[data-stream="cam"] .state')?.textContent === 'finished', { timeout: 30_000 });
    // What the page says was written is what the compositor wrote (a live camera may drop frames
    // when the pipeline is slower than it: the count is the JSONL's, not the camera's).
    const lines = readJsonl(tmp.file('out.jsonl')).length;
    expect(lines).toBeGreaterThan(0);
    expect(await counter(page, 'cam', 'written')).toBe(lines);
    expect(await page.$eval('[data-stream="cam"] .source', (e) => e.textContent)).toMatch(/^rtsp:\/\/127\.0\.0\.1:\d+\/test/);
    work.kill('SIGTERM');
    dash.kill('SIGTERM');
    expect(await exited(dash)).toBe(0);
  }, 240_000);
});
