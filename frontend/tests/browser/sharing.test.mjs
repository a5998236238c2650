// Sharing in the browser, against the real stack: an owner shares a private
// video with a link, a stranger with no account plays it, the owner revokes
// it and the stranger's page says so; publishing takes two clicks, Explore
// and the public page show the video to anyone, and the embed player plays
// inside a page of another origin (a static server of this test's own, on
// loopback) while the app itself refuses to be framed there.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, beforeEach, test } from 'node:test';
import {
  APP, apiCall, device, launch, makeVideo, playsIn, registerByApi, resetAuthLimit, signIn, uniqueEmail,
  uploadByApi, withScreenshots,
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

test('the owner shares a private video; a stranger plays it through the link; once revoked, the link is no longer valid', async () => {
  const email = uniqueEmail('share');
  const token = await registerByApi(email, PASSWORD);
  const id = await uploadByApi(token, await makeVideo('Garden party.mp4'));
  const owner = await device(browser);
  const stranger = await device(browser);
  await withScreenshots(browser, 'share-link', async () => {
    await owner.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: APP });
    await signIn(owner.page, email, PASSWORD);
    const card = owner.page.locator(`li.card[data-video-id="${id}"]`);
    await card.locator('[data-status="ready"]').waitFor();
    assert.equal(await card.getByLabel('Visibility').inputValue(), 'private');

    // Share → Create link: the address, once, and Copy puts it on the clipboard
    await card.getByRole('button', { name: 'Share Garden party' }).click();
    await card.getByLabel('Link expires').selectOption({ label: '7 days' });
    await card.getByRole('button', { name: 'Create link' }).click();
    const field = card.getByLabel('New link', { exact: true });
    await field.waitFor();
    const url = await field.inputValue();
    assert.match(url, new RegExp(`^${APP}/s/[A-Za-z0-9_-]{43}$`));
    await card.getByRole('button', { name: 'Copy new link' }).click();
    await card.getByText('Copied').waitFor();
    assert.equal(await owner.page.evaluate(() => navigator.clipboard.readText()), url);
    const row = card.locator('ul.links > li');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.match(await row.first().innerText(), /expires in 7 days/);
    // still private: the link opens it anyway
    const pub = await apiCall('GET', `/public/videos/${id}`);
    assert.equal(pub.status, 404);

    // a stranger, no account: the page names the video without JavaScript
    // (its preview tags) and plays it
    const res = await stranger.page.goto(url);
    assert.match(await res.text(), /<meta property="og:title" content="Garden party">/);
    await stranger.page.getByRole('heading', { name: 'Garden party' }).waitFor();
    await playsIn(stranger.page);
    assert.deepEqual(await stranger.context.cookies(), [], 'the stranger got no cookie');
    const embed = await stranger.page.getByLabel('Embed', { exact: true }).inputValue();
    assert.ok(embed.includes(`${APP}/embed/s/${url.split('/s/')[1]}`), embed);

    // the owner revokes it; the stranger's page, reloaded, says it is gone
    await row.first().getByRole('button', { name: /^Revoke/ }).click();
    await row.first().waitFor({ state: 'detached' });
    await card.getByText('No links yet.').waitFor();
    await stranger.allowErrors(async () => {
      await stranger.page.reload();
      await stranger.page.getByRole('heading', { name: 'This link is no longer valid' }).waitFor();
    });
    assert.equal(await stranger.page.locator('video').count(), 0);

    assert.deepEqual(owner.errors, [], 'no console errors for the owner');
    assert.deepEqual(stranger.errors, [], 'no console errors for the stranger');
  });
  await owner.context.close();
  await stranger.context.close();
});

/** A page of another origin, on loopback, framing the given URLs. */
async function thirdPartySite(frames) {
  const html = `<!doctype html><title>elsewhere</title><h1>Somebody else's page</h1>` +
    frames.map(([name, src]) => `<iframe name="${name}" src="${src}" width="640" height="360" allow="autoplay"></iframe>`).join('');
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

test('publish in two clicks; anyone finds it in Explore and plays it; it plays embedded in another site, which cannot frame the app', async () => {
  const email = uniqueEmail('publish');
  const token = await registerByApi(email, PASSWORD);
  // Explore lists every public video the stack holds: a title of this run's own
  const title = `Harbour at dawn ${Date.now() % 100000}`;
  const id = await uploadByApi(token, await makeVideo('harbour.mp4'), { title });
  const owner = await device(browser);
  const stranger = await device(browser);
  let site;
  await withScreenshots(browser, 'publish-embed', async () => {
    await signIn(owner.page, email, PASSWORD);
    const card = owner.page.locator(`li.card[data-video-id="${id}"]`);
    await card.getByLabel('Visibility').selectOption('public');
    await card.getByText('Anyone; listed in Explore.').waitFor();
    const v = await apiCall('GET', `/videos/${id}`, { token });
    assert.equal(v.body.video.visibility, 'public');

    // Explore → its page → it plays
    await stranger.page.goto(APP + '/explore');
    await stranger.page.getByRole('link', { name: title, exact: true }).click();
    await stranger.page.getByRole('heading', { name: title }).waitFor();
    assert.equal(new URL(stranger.page.url()).pathname, `/watch/${id}`);
    await playsIn(stranger.page);
    const snippet = await stranger.page.getByLabel('Embed', { exact: true }).inputValue();
    assert.match(snippet, new RegExp(`^<iframe src="${APP}/embed/${id}" `));

    // another origin frames the embed player and the app
    site = await thirdPartySite([['player', `${APP}/embed/${id}`], ['app', `${APP}/watch/${id}`]]);
    const refusals = [];
    stranger.page.on('console', (m) => {
      if (/frame-ancestors/.test(m.text())) refusals.push(m.text());
    });
    await stranger.allowErrors(async () => {
      await stranger.page.goto(site.url);
      await stranger.page.getByRole('heading', { name: "Somebody else's page" }).waitFor();
      const player = stranger.page.frame({ name: 'player' });
      assert.ok(player, 'the player frame is there');
      await player.getByRole('link', { name: `${title} · vidpipe` }).waitFor();
      await playsIn(player);
      // the app's own page is refused: its frame holds no app
      await stranger.page.waitForFunction(() => true);
      for (let i = 0; i < 50 && refusals.length === 0; i++) await stranger.page.waitForTimeout(100);
    });
    assert.ok(refusals.some((t) => t.includes("frame-ancestors 'none'")), `the browser refused to frame the app: ${refusals}`);
    const app = stranger.page.frame({ name: 'app' });
    const hasApp = await app.evaluate(() => document.getElementById('root') !== null).catch(() => false);
    assert.equal(hasApp, false, 'the app did not load inside the frame');
    assert.notEqual(app.url(), `${APP}/watch/${id}`);

    assert.deepEqual(owner.errors, [], 'no console errors for the owner');
    assert.deepEqual(stranger.errors, [], 'no console errors for the stranger');
  });
  await site?.close();
  await owner.context.close();
  await stranger.context.close();
});
