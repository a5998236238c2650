// harness.mjs — what the browser tests share: the stack's settings, Debian's
// Chromium through playwright-core (no browser download), one context per
// test, console errors collected, and a screenshot of every open page in the
// output folder when a test fails. Test media is made in the output folder
// too (the checkout's tests/out/, emptied each run), never in /tmp.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

export function stackEnv() {
  const file = process.env.VIDPIPE_ENV;
  if (!file) throw new Error('VIDPIPE_ENV (the stack.env of a running stack) is not set');
  const env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

export const ENV = stackEnv();
export const APP = ENV.FRONTEND_URL;
export const API = ENV.API_URL;
export const OUT = process.env.BROWSER_OUT || join(process.cwd(), 'browser-out');
mkdirSync(OUT, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/**
 * A fresh browser context (its own cookies and storage: another device) with
 * its console errors collected. `allowErrors(fn)` runs steps that provoke an
 * error answer on purpose (the browser logs a failed resource load for it).
 */
export async function device(browser, opts = {}) {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1200, height: 900 } });
  const errors = [];
  let allowed = 0;
  const page = await context.newPage();
  const watch = (p) => {
    p.on('console', (m) => {
      if (m.type() === 'error' && !allowed) errors.push(`console: ${m.text()}`);
    });
    p.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  };
  watch(page);
  context.on('page', watch);
  return {
    context,
    page,
    errors,
    async allowErrors(fn) {
      allowed++;
      try {
        return await fn();
      } finally {
        // a failed load is logged a moment after the answer
        await page.waitForTimeout(200);
        allowed--;
      }
    },
  };
}

/** Runs body(t); on failure saves a screenshot of every page of `browser` into OUT, then fails. */
export async function withScreenshots(browser, name, body) {
  try {
    await body();
  } catch (e) {
    const safe = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    let i = 0;
    for (const ctx of browser.contexts()) {
      for (const p of ctx.pages()) {
        const file = join(OUT, `${safe}-${++i}.png`);
        await p.screenshot({ path: file, fullPage: true }).catch(() => undefined);
        writeFileSync(join(OUT, `${safe}-${i}.url.txt`), p.url() + '\n');
        console.error(`# screenshot: ${file}`);
      }
    }
    throw e;
  }
}

export const uniqueEmail = (tag) => `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

/**
 * A small real video (854×480, 3 s, H.264 + AAC), made with ffmpeg without
 * blocking the event loop: fetch's idle keep-alive timer must run while it
 * encodes, or the next API call reuses a socket the web server has closed.
 */
export async function makeVideo(name = 'sample.mp4', seconds = 3) {
  const dir = mkdtempSync(join(OUT, 'media-'));
  const file = join(dir, name);
  await promisify(execFile)('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=854x480:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file,
  ]);
  return file;
}

/** Random bytes under a video name: storage takes them, the worker refuses them. */
export function makeNotAVideo(bytes, name = 'not-a-video.mp4') {
  const dir = mkdtempSync(join(OUT, 'media-'));
  const file = join(dir, name);
  writeFileSync(file, randomBytes(bytes));
  return file;
}

/** The API, straight (for set-up and for checking what the UI did). */
export async function apiCall(method, path, { token, body } = {}) {
  const headers = { Origin: APP };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export async function registerByApi(email, password) {
  const r = await apiCall('POST', '/auth/register', { body: { email, password } });
  if (r.status !== 201) throw new Error(`register: ${r.status} ${JSON.stringify(r.body)}`);
  const l = await apiCall('POST', '/auth/login', { body: { email, password } });
  if (l.status !== 200) throw new Error(`login: ${l.status}`);
  return l.body.access_token;
}

/** Limits the upload speed of a page's network (Chromium's DevTools protocol). */
export async function throttleUploads(page, bytesPerSecond) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond,
  });
  return cdp;
}

/**
 * Frees 127.0.0.1's sign-in/sign-up allowance (10 a minute): every browser
 * test signs in from that one address, and the limiter itself is tested by
 * the end-to-end suite, not here.
 */
export function resetAuthLimit() {
  const u = new URL(ENV.REDIS_URL);
  const out = execFileSync('redis-cli', [
    '-h', u.hostname, '-p', u.port || '6379', '-n', u.pathname.slice(1) || '0', '--no-auth-warning',
    ...(u.password ? ['-a', decodeURIComponent(u.password)] : []),
    'DEL', 'rl:auth_ip:127.0.0.1',
  ], { encoding: 'utf8' });
  if (!/^\d+\s*$/.test(out)) throw new Error(`redis-cli DEL: ${out}`);
}

/** Signs in through the form. */
export async function signIn(page, email, password) {
  await page.goto(APP + '/');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Your videos' }).waitFor();
}

/**
 * A video made with ffmpeg: `seconds` of testsrc2 at `size` and `rate`, with
 * a tone; `noise` (0..100) makes it hard to compress, so each rung's segments
 * come close to its bit-rate cap (what an adaptive player has to choose by).
 * The caller removes its folder (dirname of the answer). Asynchronous: a
 * clip takes seconds to make, and a synchronous child would stall the event
 * loop while the server closes an idle keep-alive connection that fetch then
 * reuses ("fetch failed").
 */
export async function makeClip(name, { seconds, size = '1280x720', rate = 30, noise = 0 }) {
  const dir = mkdtempSync(join(OUT, 'media-'));
  const file = join(dir, name);
  await promisify(execFile)('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
    ...(noise ? ['-vf', `noise=alls=${noise}:allf=t`] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '20', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file,
  ]);
  return file;
}

/**
 * Uploads a file through the API as the web app would (create, PUT each
 * part to its URL, complete); returns the video's id. With `wait` (the
 * default) it first waits until the worker has made it ready: for tests
 * about what happens to a video after.
 */
export async function uploadByApi(token, file, { title, wait = true, timeout = 120_000 } = {}) {
  const bytes = readFileSync(file);
  const name = file.split('/').pop();
  const c = await apiCall('POST', '/uploads', {
    token, body: { filename: name, size: bytes.length, content_type: 'video/mp4', title: title ?? name.replace(/\.[^.]*$/, '') },
  });
  if (c.status !== 201) throw new Error(`create upload: ${c.status} ${JSON.stringify(c.body)}`);
  const up = c.body.upload;
  if (up.part_count > up.parts.length) throw new Error('uploadByApi: more parts than the first answer signs');
  const parts = [];
  for (const p of up.parts) {
    const start = (p.part_number - 1) * up.part_size;
    const res = await fetch(p.url, { method: 'PUT', body: bytes.subarray(start, start + p.size) });
    if (!res.ok) throw new Error(`part ${p.part_number}: ${res.status}`);
    parts.push({ part_number: p.part_number, etag: res.headers.get('etag') });
  }
  const done = await apiCall('POST', `/uploads/${up.id}/complete`, { token, body: { parts } });
  if (done.status !== 202) throw new Error(`complete: ${done.status} ${JSON.stringify(done.body)}`);
  if (!wait) return up.video_id;
  for (const end = Date.now() + timeout; ; ) {
    const v = await apiCall('GET', `/videos/${up.video_id}`, { token });
    if (v.body?.video?.status === 'ready') return up.video_id;
    if (v.body?.video?.status === 'failed') throw new Error(`the worker refused it: ${v.body.video.error}`);
    if (Date.now() > end) throw new Error(`not ready after ${timeout} ms: ${v.body?.video?.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Polls GET /videos/{id} (bounded) until pred(video) holds: the video. */
export async function waitVideo(token, id, pred, seconds = 180) {
  const until = Date.now() + seconds * 1000;
  let last;
  while (Date.now() < until) {
    const r = await apiCall('GET', `/videos/${id}`, { token });
    last = r.body?.video;
    if (last && pred(last)) return last;
    if (last?.status === 'failed') break;
    await new Promise((ok) => setTimeout(ok, 250));
  }
  throw new Error(`video ${id} did not get there: ${JSON.stringify(last)}`);
}

/** Limits the download speed of a page's network (bytesPerSecond -1: no limit). */
export async function throttleDownloads(cdp, bytesPerSecond) {
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: bytesPerSecond, uploadThroughput: -1,
  });
}

/** Plays the <video> of a page or frame until its time moves on. */
export async function playsIn(frame) {
  const v = frame.locator('video');
  await v.waitFor();
  await v.evaluate(
    (el) => new Promise((ok, fail) => {
      if (el.readyState >= 3) return ok();
      el.addEventListener('canplay', () => ok(), { once: true });
      el.addEventListener('error', () => fail(new Error('media error ' + el.error?.code)), { once: true });
    }),
  );
  const t0 = await v.evaluate(async (el) => {
    el.muted = true;
    await el.play();
    return el.currentTime;
  });
  await v.evaluate(
    (el, t) => new Promise((ok, fail) => {
      const stop = setTimeout(() => fail(new Error(`stuck at ${el.currentTime}`)), 10_000);
      const check = () => (el.currentTime > t + 0.3 ? (clearTimeout(stop), ok()) : setTimeout(check, 50));
      check();
    }),
    t0,
  );
}
