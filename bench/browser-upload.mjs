// bench/browser-upload.mjs — run by bench/browser-upload.sh. In headless
// Chromium, alternately: the web app uploads FILE (its scheduler, 4 parts in
// flight, from the file picker to "Uploaded"), and one XMLHttpRequest PUTs
// the same file to one pre-signed URL (the baseline: one plain stream from
// the same browser). Prints one line per run: "app SECONDS" / "single SECONDS".
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(join(root, 'frontend/package.json'))('playwright-core');
const [file, email, password, rounds, ...urls] = process.argv.slice(2);
const APP = process.env.FRONTEND_URL;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage();
await page.goto(APP + '/');
await page.getByLabel('Email').fill(email);
await page.getByLabel('Password').fill(password);
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByRole('heading', { name: 'Your videos' }).waitFor();
// a picker of our own for the baseline, so both read the same file from disk
await page.evaluate(() => {
  const i = document.createElement('input');
  i.type = 'file';
  i.id = 'bench-file';
  document.body.append(i);
});

for (let r = 0; r < Number(rounds); r++) {
  // the web app
  await page.getByRole('button', { name: /^Dismiss/ }).click().catch(() => undefined);
  let t0 = Date.now();
  await page.getByTestId('file-input').setInputFiles(file);
  await page.locator('li.upload[data-state="done"]').waitFor({ timeout: 600_000 });
  console.log(`app ${((Date.now() - t0) / 1000).toFixed(2)}`);

  // one stream
  await page.locator('#bench-file').setInputFiles(file);
  const secs = await page.evaluate(async (url) => {
    const f = document.getElementById('bench-file').files[0];
    const t = performance.now();
    const status = await new Promise((ok) => {
      const x = new XMLHttpRequest();
      x.open('PUT', url);
      x.onloadend = () => ok(x.status);
      x.send(f.slice(0, f.size)); // untyped, like the app's parts
    });
    if (status !== 200) throw new Error(`single PUT answered ${status}`);
    return (performance.now() - t) / 1000;
  }, urls[r]);
  console.log(`single ${secs.toFixed(2)}`);
}
await browser.close();
