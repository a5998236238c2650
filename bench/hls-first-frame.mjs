// bench/hls-first-frame.mjs — run by bench/hls-first-frame.sh. For each
// source file given, ROUNDS times: upload it through the API (create, PUT
// each part, complete), and from the 202 of `complete` (t0) measure, in
// headless Chromium on the web app's watch page (already open on the video,
// as a viewer who just uploaded it would be), the first frame hls.js's
// stream puts on the screen (requestVideoFrameCallback), while the API is
// polled for the moment `playback.hls` appears and the moment the video is
// `ready`. Prints lines "LABEL first_frame|playable|ready SECONDS".
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(join(root, 'frontend/package.json'))('playwright-core');
const [email, password, rounds, ...sources] = process.argv.slice(2);
const APP = process.env.FRONTEND_URL;
const API = process.env.API_URL;

async function api(method, path, token, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: await r.json().catch(() => null) };
}

// a fresh access token for each run (they live 15 minutes)
async function login() {
  const r = await fetch(API + '/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
  });
  return (await r.json()).access_token;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
});
const page = await browser.newPage();
await page.goto(APP + '/');
await page.getByLabel('Email').fill(email);
await page.getByLabel('Password').fill(password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByRole('heading', { name: 'Your videos' }).waitFor();

for (const spec of sources) {
  const [label, file] = spec.split('=');
  const data = readFileSync(file);
  for (let r = 0; r < Number(rounds); r++) {
    const token = await login();
    const c = await api('POST', '/uploads', token, { filename: `${label}.mp4`, size: data.length, content_type: 'video/mp4' });
    const up = c.body.upload;
    const parts = [];
    for (const p of up.parts) {
      const start = (p.part_number - 1) * up.part_size;
      const res = await fetch(p.url, { method: 'PUT', body: data.subarray(start, start + up.part_size) });
      parts.push({ part_number: p.part_number, etag: res.headers.get('etag') });
    }
    // the viewer is on the watch page before the upload completes
    await page.goto(`${APP}/videos/${up.video_id}`);
    await page.getByRole('heading', { name: `${label}.mp4` }).waitFor();
    // the first frame presented, in the page's clock (epoch ms)
    const frame = page.evaluate(
      () => new Promise((ok) => {
        const arm = () => {
          const v = document.querySelector('video');
          if (!v || v.dataset.engine !== 'hls.js') return setTimeout(arm, 20);
          v.muted = true;
          v.play().catch(() => undefined);
          v.requestVideoFrameCallback(() => ok(performance.timeOrigin + performance.now()));
        };
        arm();
      }),
    );
    const done = await api('POST', `/uploads/${up.id}/complete`, token, { parts });
    const t0 = Date.now();
    if (done.status !== 202) throw new Error(`complete: ${done.status}`);
    let playable = null;
    let ready = null;
    while (ready === null) {
      const g = await api('GET', `/videos/${up.video_id}`, token);
      if (g.status !== 200) throw new Error(`GET /videos/{id}: ${g.status}`);
      const v = g.body.video;
      if (playable === null && v.playback.hls) playable = Date.now();
      if (v.status === 'ready') ready = Date.now();
      if (v.status === 'failed') throw new Error(`failed: ${v.error}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const first = await frame;
    console.log(`${label} first_frame ${((first - t0) / 1000).toFixed(2)}`);
    console.log(`${label} playable ${((playable - t0) / 1000).toFixed(2)}`);
    console.log(`${label} ready ${((ready - t0) / 1000).toFixed(2)}`);
    await api('DELETE', `/videos/${up.video_id}`, token);
  }
}
await browser.close();
