// Adaptive streaming in headless Chromium (issue 13): the watch page plays
// a video with hls.js while the worker is still transcoding it, keeps its
// position when the playlist completes; "Auto" adapts to a throttled
// network (Chromium's own throttling, over the DevTools protocol) and climbs
// back when it lifts; choosing a rung keeps the position.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import {
  APP, device, launch, makeClip, registerByApi, resetAuthLimit, signIn, throttleDownloads, uniqueEmail,
  uploadByApi, waitVideo, withScreenshots,
} from './harness.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});
beforeEach(() => resetAuthLimit());

const PASSWORD = 'correct horse battery';

/** The player's state, as the page shows it. */
const playerState = (page) =>
  page.locator('video').evaluate((v) => ({
    time: v.currentTime,
    src: v.src,
    paused: v.paused,
    engine: v.dataset.engine ?? null,
    level: v.dataset.level ?? null,
  }));

const CLIP_SECONDS = 50;

test('hls.js plays from the start while the video is still processing, and keeps its position when the playlist completes', async () => {
  const d = await device(browser);
  const { page } = d;
  await withScreenshots(browser, 'hls-while-processing', async () => {
    const clip = await makeClip('live.mp4', { seconds: CLIP_SECONDS, size: '1280x720' });
    const email = uniqueEmail('hls-live');
    const token = await registerByApi(email, PASSWORD);
    await signIn(page, email, PASSWORD);

    const id = await uploadByApi(token, clip, { wait: false });
    rmSync(dirname(clip), { recursive: true, force: true });
    await page.goto(`${APP}/videos/${id}`);
    await page.getByText('Processing — you can start watching').waitFor({ timeout: 120_000 });
    const player = page.locator('video');
    await player.waitFor();
    await page.waitForFunction(() => document.querySelector('video')?.dataset.engine === 'hls.js');
    await player.evaluate((v) => {
      v.muted = true;
      return v.play();
    });
    // a frame decoded and the clock running, from the start, while processing
    await page.waitForFunction(() => {
      const v = document.querySelector('video');
      return v && v.currentTime > 1 && v.readyState >= 2;
    }, null, { timeout: 60_000 });
    const first = await playerState(page);
    assert.match(first.src, /^blob:/, 'Media Source Extensions, not a plain file');
    assert.ok(first.time < 10, `it started at the beginning (${first.time})`);
    const mid = await waitVideo(token, id, () => true);
    assert.equal(mid.status, 'processing', 'still processing while it plays');
    assert.equal(mid.playback.complete, false);

    // until the video is ready and the page says so: the clock never jumps
    // back and the player is never restarted. On a loaded machine the
    // encoder can be slower than playing in real time, and a clip that
    // played to its end could not show that it plays on: the player is
    // paused, where it is, a few seconds before the end and resumed once
    // the video is ready.
    let last = first;
    let held = false;
    for (let i = 0; ; i++) {
      assert.ok(i < 480, 'ready within 4 minutes');
      await page.waitForTimeout(500);
      const now = await playerState(page);
      assert.equal(now.src, first.src, 'the same stream throughout');
      assert.ok(now.time >= last.time - 0.25, `the position held (${last.time} → ${now.time})`);
      last = now;
      if ((await page.locator('.processing').count()) === 0) break;
      if (!held && now.time > CLIP_SECONDS - 8) {
        await player.evaluate((v) => v.pause());
        held = true;
      }
    }
    const done = await waitVideo(token, id, (v) => v.status === 'ready');
    assert.equal(done.playback.complete, true);
    // and it plays on from where it was
    if (held) {
      last = await playerState(page);
      await player.evaluate((v) => v.play());
    }
    await page.waitForFunction((t) => document.querySelector('video').currentTime > t + 1, last.time, { timeout: 20_000 });
    assert.deepEqual(d.errors, [], 'no console errors');
  });
  await d.context.close();
});

// hls.js's own adaptation against Chromium's throttling: the web server only
// serves the playlists, which the test above plays under each server
const firstServer = {
  skip: process.env.BROWSER_FIRST_SERVER ? false : 'about hls.js and the browser, not the web server: run under the first server only',
};

test('under a throttled network "Auto" settles on a lower rung and climbs back when the throttle lifts; choosing a rung keeps the position', firstServer, async () => {
  const d = await device(browser);
  const { page } = d;
  await withScreenshots(browser, 'hls-adaptive', async () => {
    // noisy, so each rung's segments come near its cap: 480p at about 1.3
    // Mbit/s with the audio, 360p at about 0.9
    const clip = await makeClip('abr.mp4', { seconds: 75, size: '854x480', noise: 12 });
    const email = uniqueEmail('hls-abr');
    const token = await registerByApi(email, PASSWORD);
    const id = await uploadByApi(token, clip, { wait: false });
    rmSync(dirname(clip), { recursive: true, force: true });
    await waitVideo(token, id, (v) => v.status === 'ready', 300);
    await signIn(page, email, PASSWORD);
    await page.goto(`${APP}/videos/${id}`);
    const quality = page.getByLabel('Quality');
    await quality.waitFor();
    const labels = await quality.locator('option').evaluateAll((os) => os.map((o) => o.textContent));
    assert.match(labels[0], /^Auto/);
    assert.deepEqual(labels.slice(1), ['480p', '360p']);
    // the viewer's network: 10 Mbit/s (loopback's gigabits would teach the
    // player a bandwidth no viewer has, which it would then take minutes to
    // unlearn), then 0.5 Mbit/s, then 10 again
    const cdp = await page.context().newCDPSession(page);
    await throttleDownloads(cdp, 1_250_000);
    await page.locator('video').evaluate((v) => {
      v.muted = true;
      return v.play();
    });
    // (LEVEL_SWITCHED: when the rung's first segment plays, after what was
    // buffered in the other rung, 12 s at most)
    const levelIs = (want, seconds = 60) =>
      page.waitForFunction((w) => document.querySelector('video').dataset.level === w, want, { timeout: seconds * 1000 });

    // Auto climbs to the best rung
    await levelIs('480p');
    // 0.5 Mbit/s: less than either rung needs; Auto goes to the lowest
    await throttleDownloads(cdp, 62_500);
    await levelIs('360p');
    const low = await playerState(page);
    // and stays there while the throttle holds
    await page.waitForTimeout(4000);
    assert.equal((await playerState(page)).level, '360p');
    assert.equal(await quality.locator('option').first().textContent(), 'Auto (360p)');
    // lifted: it climbs back
    await throttleDownloads(cdp, 1_250_000);
    await levelIs('480p');
    const high = await playerState(page);
    assert.ok(high.time > low.time, 'it kept playing throughout');
    assert.equal(await quality.locator('option').first().textContent(), 'Auto (480p)');

    // a rung by hand: the switch happens where the picture is
    const before = (await playerState(page)).time;
    await quality.selectOption({ label: '360p' });
    await levelIs('360p', 20);
    const after = await playerState(page);
    assert.ok(after.time >= before - 0.1, `the position held (${before} → ${after.time})`);
    await page.waitForFunction((t) => document.querySelector('video').currentTime > t + 1, after.time, { timeout: 20_000 });
    assert.equal((await playerState(page)).level, '360p');
    assert.deepEqual(d.errors, [], 'no console errors');
  });
  await d.context.close();
});
