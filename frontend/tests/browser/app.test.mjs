// The web app in headless Chromium against the real stack, as the web server
// serves it: the whole path a person takes, a session revoked from another
// device, and the upload controls (pause, resume, resume after a reload,
// cancel) on a throttled network.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import {
  API, APP, apiCall, device, launch, makeNotAVideo, makeVideo, registerByApi, resetAuthLimit, signIn,
  throttleUploads, uniqueEmail, withScreenshots,
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

test('register, sign in, upload, watch it become ready, play in two qualities, rename, delete, sign out', async () => {
  const d = await device(browser);
  const { page } = d;
  await withScreenshots(browser, 'main-path', async () => {
    const email = uniqueEmail('web');
    const video = await makeVideo('holiday.mp4');

    // the response headers of the served app
    const res = await page.goto(APP + '/');
    const csp = res.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.ok(csp.includes(API), `the CSP allows the API (${API})`);

    // sign up: the contract's message inline, then an account
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await d.allowErrors(() => page.getByRole('button', { name: 'Create account' }).click());
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /password/i);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Your videos' }).waitFor();
    await page.getByText('No videos yet.').waitFor();

    // sign out, a wrong password, then sign in
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await d.allowErrors(() => page.getByRole('button', { name: 'Sign in' }).click());
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /.+/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your videos' }).waitFor();

    // upload: a progress bar that reaches 100 %; every part goes to
    // storage with the Content-MD5 its URL binds (hashed in a worker)
    const partPuts = [];
    page.on('request', (r) => {
      if (r.method() === 'PUT' && r.url().includes('partNumber=')) partPuts.push(r);
    });
    await page.getByTestId('file-input').setInputFiles(video);
    const row = page.locator('li.upload').first();
    await row.locator('progress').waitFor();
    await page.locator('li.upload[data-state="done"]').waitFor({ timeout: 30_000 });
    assert.equal(await row.locator('progress').getAttribute('value'), '100');
    assert.match(await row.locator('.pct').innerText(), /^100%$/);
    assert.ok(partPuts.length >= 1);
    for (const r of partPuts) {
      assert.match(r.headers()['content-md5'] ?? '', /^[A-Za-z0-9+/]{22}==$/);
      assert.match(r.url(), /X-Amz-SignedHeaders=content-length%3Bcontent-md5%3Bhost&/);
    }

    // the library shows it, and it becomes ready by itself
    const card = page.locator('li.card', { hasText: 'holiday' });
    await card.waitFor();
    await card.locator('[data-status="ready"]').waitFor({ timeout: 120_000 });
    await card.locator('img').waitFor();
    // the element comes first, its picture a moment later (a loaded machine
    // made this a race): wait for the load, or fail on its error
    await card.locator('img').evaluate((img) => img.complete ? undefined : new Promise((ok, fail) => {
      img.addEventListener('load', ok, { once: true });
      img.addEventListener('error', () => fail(new Error('the thumbnail failed to load')), { once: true });
    }));
    assert.ok(await card.locator('img').evaluate((img) => img.complete && img.naturalWidth > 0), 'the thumbnail loads');

    // the refresh token is a cookie scripts cannot read, and nothing else holds it
    const jar = (await d.context.cookies(API + '/auth/refresh')).find((c) => c.name === 'refresh_token');
    assert.ok(jar, 'a refresh cookie is set');
    assert.equal(jar.httpOnly, true);
    assert.equal(jar.sameSite, 'Strict');
    assert.equal(jar.path, '/auth');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    assert.ok(!stored.includes(jar.value), 'the refresh token is not in web storage or document.cookie');
    assert.ok(!/eyJ[\w-]+\.eyJ/.test(stored), 'no JWT in web storage or document.cookie');

    // a reload keeps the session (refresh through the cookie)
    await page.reload();
    await card.locator('[data-status="ready"]').waitFor();

    // watch: hls.js plays the HLS stream; the quality menu is Auto and each
    // rung; choosing a rung keeps the position
    await card.getByRole('link', { name: 'holiday' }).click();
    await page.getByRole('heading', { name: 'holiday' }).waitFor();
    const quality = page.getByLabel('Quality');
    await quality.waitFor();
    const names = await quality.locator('option').evaluateAll((os) => os.map((o) => o.textContent));
    assert.match(names[0], /^Auto/);
    assert.deepEqual(names.slice(1), ['480p', '360p']);
    const player = page.locator('video');
    assert.equal(await player.getAttribute('data-engine'), 'hls.js');
    await player.evaluate((v) => {
      v.muted = true;
      return v.play();
    });
    await page.waitForFunction(() => document.querySelector('video').currentTime > 0.8, null, { timeout: 20_000 });
    const t0 = await player.evaluate((v) => v.currentTime);
    await quality.selectOption({ label: '360p' });
    await page.waitForFunction(() => document.querySelector('video').dataset.level === '360p', null, { timeout: 20_000 });
    const t1 = await player.evaluate((v) => v.currentTime);
    assert.ok(t1 >= t0 - 0.1, `the position held (${t0} → ${t1})`);
    // the MP4 renditions stay, for download
    assert.deepEqual(await page.locator('.downloads a').evaluateAll((as) => as.map((a) => a.textContent)), ['480p', '360p']);

    // rename, in place; it holds after a reload
    await page.getByRole('link', { name: '← Library' }).click();
    const id = await card.getAttribute('data-video-id');
    const renamed = page.locator(`li.card[data-video-id="${id}"]`);
    await renamed.getByRole('button', { name: 'Rename holiday' }).click();
    await renamed.getByLabel('New title').fill('Summer 2026');
    await renamed.getByRole('button', { name: 'Save' }).click();
    await renamed.getByRole('heading', { name: 'Summer 2026' }).waitFor();
    await page.reload();
    await renamed.getByRole('heading', { name: 'Summer 2026' }).waitFor();

    // delete, after a confirmation
    await renamed.getByRole('button', { name: 'Delete Summer 2026' }).click();
    await renamed.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('No videos yet.').waitFor();
    await page.reload();
    await page.getByText('No videos yet.').waitFor();

    // sign out: back to the form, and a reload does not sign in again
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();

    assert.deepEqual(d.errors, [], 'no console errors');
  });
  await d.context.close();
});

test('a session signed out from another device sends this one back to sign-in', async () => {
  const email = uniqueEmail('revoke');
  await registerByApi(email, PASSWORD);
  const a = await device(browser, { viewport: { width: 375, height: 740 } });
  const b = await device(browser);
  await withScreenshots(browser, 'revoked-session', async () => {
    await signIn(a.page, email, PASSWORD);
    // a narrow window: nothing sticks out sideways
    const overflow = await a.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 375px window`);

    await signIn(b.page, email, PASSWORD);
    await b.page.getByRole('link', { name: 'Sessions' }).click();
    await b.page.getByRole('heading', { name: 'Sessions' }).waitFor();
    const rows = b.page.locator('ul.sessions > li');
    await rows.nth(2).waitFor(); // the API login of the set-up, A, and B
    assert.equal(await rows.count(), 3);
    assert.equal(await b.page.locator('ul.sessions > li.current').count(), 1);

    // B signs out every other session, A's among them
    const others = b.page.locator('ul.sessions > li:not(.current)');
    while ((await others.count()) > 0) {
      const n = await others.count();
      await others.first().getByRole('button', { name: /^Sign out/ }).click();
      await b.page.waitForFunction((k) => document.querySelectorAll('ul.sessions > li:not(.current)').length < k, n);
    }

    // A's next request: 401, the refresh is refused, the sign-in form
    await a.allowErrors(async () => {
      await a.page.getByRole('link', { name: 'Sessions' }).click();
      await a.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    });
    await a.page.getByText('Your session has ended').waitFor();
    await a.page.reload();
    await a.page.getByRole('heading', { name: 'Sign in' }).waitFor();

    // B is still in; then it signs out everywhere
    await b.page.reload();
    await b.page.getByRole('heading', { name: 'Sessions' }).waitFor();
    await b.page.getByRole('button', { name: 'Sign out everywhere…' }).click();
    await b.page.getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
    await b.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const left = (await b.context.cookies(API + '/auth/refresh')).filter((c) => c.name === 'refresh_token');
    assert.deepEqual(left, [], 'the refresh cookie is cleared');
    const cookie = (await a.context.cookies(API + '/auth/refresh')).find((c) => c.name === 'refresh_token');
    assert.ok(!cookie || cookie.httpOnly, 'a refresh cookie is HttpOnly');

    assert.deepEqual(a.errors, [], 'no console errors in A');
    assert.deepEqual(b.errors, [], 'no console errors in B');
  });
  await a.context.close();
  await b.context.close();
});

test('uploads pause, resume, survive a reload, and cancel; a file that is not a video ends failed with a reason', async () => {
  const email = uniqueEmail('ctl');
  const token = await registerByApi(email, PASSWORD);
  const d = await device(browser);
  const { page } = d;
  await withScreenshots(browser, 'upload-controls', async () => {
    const big = makeNotAVideo(18 * 1024 * 1024, 'noise.mp4'); // 3 parts of 8 MiB
    await signIn(page, email, PASSWORD);
    await throttleUploads(page, 2 * 1024 * 1024);

    await page.getByTestId('file-input').setInputFiles(big);
    const row = page.locator('li.upload').first();
    await page.waitForFunction(() => Number(document.querySelector('li.upload progress')?.getAttribute('value')) >= 5);
    // speed and time left are shown while it runs
    await page.waitForFunction(() => /[KM]B\/s · (\d+ (s|min) left|almost done)/.test(document.querySelector('li.upload .upload-stats').textContent));
    await row.getByRole('button', { name: 'Pause' }).click();
    await page.locator('li.upload[data-state="paused"]').waitFor();
    const paused = await row.locator('progress').getAttribute('value');
    await page.waitForTimeout(1000);
    assert.equal(await row.locator('progress').getAttribute('value'), paused, 'nothing moves while paused');

    // resume until storage holds a part, then reload the page mid-upload
    await row.getByRole('button', { name: 'Resume' }).click();
    const uploadId = await page.evaluate(() => {
      const k = Object.keys(localStorage).find((x) => x.startsWith('vidpipe.uploads.'));
      return JSON.parse(localStorage.getItem(k))[0].uploadId;
    });
    for (let i = 0; ; i++) {
      const u = await apiCall('GET', `/uploads/${uploadId}`, { token });
      if (u.body.upload.parts.length >= 1) break;
      assert.ok(i < 100, 'a part reached storage');
      await page.waitForTimeout(200);
    }
    await page.reload();
    await page.getByRole('heading', { name: 'Unfinished uploads' }).waitFor();
    await page.getByLabel('Resume noise.mp4: choose the file').setInputFiles(big);
    await page.locator('li.upload[data-state="done"]').waitFor({ timeout: 60_000 });
    const done = await apiCall('GET', `/uploads/${uploadId}`, { token });
    assert.equal(done.body.upload.status, 'completed');

    // the worker refuses it, and the library says why
    const card = page.locator('li.card', { hasText: 'noise' });
    await card.locator('[data-status="failed"]').waitFor({ timeout: 60_000 });
    assert.match(await card.locator('.reason').innerText(), /.+/);

    // cancel: the upload is aborted and its video goes
    await page.getByTestId('file-input').setInputFiles(makeNotAVideo(12 * 1024 * 1024, 'cancel-me.mp4'));
    const second = page.locator('li.upload', { hasText: 'cancel-me' });
    await page.locator('li.card', { hasText: 'cancel-me' }).waitFor();
    await second.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('li.upload[data-state="cancelled"]').waitFor();
    await page.locator('li.card', { hasText: 'cancel-me' }).waitFor({ state: 'detached' });
    const list = await apiCall('GET', '/videos', { token });
    assert.deepEqual(list.body.videos.map((v) => v.title), ['noise']);
    assert.deepEqual(d.errors, [], 'no console errors');
  });
  await d.context.close();
});

test('several files dropped at once: two upload at a time, the third waits its turn, all arrive', async () => {
  const email = uniqueEmail('drop');
  const token = await registerByApi(email, PASSWORD);
  const d = await device(browser);
  const { page } = d;
  await withScreenshots(browser, 'drop-several', async () => {
    await signIn(page, email, PASSWORD);
    await throttleUploads(page, 4 * 1024 * 1024);
    const dt = await page.evaluateHandle(() => {
      const t = new DataTransfer();
      for (const n of ['one', 'two', 'three']) {
        t.items.add(new File([new Uint8Array(6 * 1024 * 1024)], `${n}.mp4`, { type: 'video/mp4' }));
      }
      return t;
    });
    await page.locator('.drop').dispatchEvent('drop', { dataTransfer: dt });
    const states = () => page.locator('li.upload').evaluateAll((ls) => ls.map((l) => l.dataset.state));
    await page.locator('li.upload').nth(2).waitFor();
    const first = await states();
    assert.equal(first.filter((s) => s === 'waiting').length, 1, `one waits: ${first}`);
    let most = 0;
    for (let i = 0; i < 300; i++) {
      const s = await states();
      most = Math.max(most, s.filter((x) => ['starting', 'uploading', 'completing'].includes(x)).length);
      if (s.every((x) => x === 'done')) break;
      await page.waitForTimeout(100);
    }
    assert.deepEqual(await states(), ['done', 'done', 'done']);
    assert.equal(most, 2, 'two files at a time');
    const list = await apiCall('GET', '/videos', { token });
    assert.deepEqual(list.body.videos.map((v) => v.title).sort(), ['one', 'three', 'two']);
    assert.deepEqual(d.errors, [], 'no console errors');
  });
  await d.context.close();
});
