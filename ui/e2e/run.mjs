// End-to-end check of the web UI against the REAL server (builtin enricher):
// sign in as intake, submit a walk-in complaint with an image and a PDF, read the slip,
// watch the complaint become enriched live (no reload), preview the image, log out.
// Needs `npm run build` first and Debian's chromium. Prints `e2e: N passed, M failed`.
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { apiClient, checker, expect, freePort, makePdf, makePng, startServer, startStatic } from './support.mjs';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(ui, '..');
const shots = join(ui, 'e2e/screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const { check, tally } = checker();

statSync(join(ui, 'dist/index.html'), { throwIfNoEntry: false }) ?? (console.error('run `npm run build` first'), process.exit(2));
mkdirSync(shots, { recursive: true });
const [apiPort, uiPort] = [await freePort(), await freePort()];
const uiUrl = `http://127.0.0.1:${uiPort}`;
// Limits other than the defaults, so the form can only state them by asking the server.
const MIB = 1024 * 1024;
const server = await startServer(repo, apiPort, uiUrl, {
  ADUAN_MAX_FILE_BYTES: String(8 * MIB),
  ADUAN_MAX_REQUEST_BYTES: String(24 * MIB),
  ADUAN_MAX_FILES: '5',
});
const admin = await apiClient(server, 'admin');
const statics = await startStatic(join(ui, 'dist'), uiPort);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1100, height: 660 } });
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(String(e)));
page.on('console', (m) => m.type() === 'warning' && console.log('     [page]', m.text()));
page.setDefaultTimeout(15_000);
// Screenshots are committed: keep each under ~150 KB (text-dense ones are clipped).
const shot = (name, opts = {}) => page.screenshot({ path: join(shots, `${name}.png`), ...opts });
// Views worth a look that are not committed go to a temp dir.
const extraShots = mkdtempSync(join(tmpdir(), 'aduan-e2e-shots-'));
let reference = '';

try {
  await check('login screen, English, server address under Advanced', async () => {
    await page.goto(uiUrl);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByText('Advanced').click();
    await page.getByLabel('Server address').fill(server.url);
    await page.getByLabel('Username').fill('intake');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor();
    await shot('login');
  });

  await check('intake signs in; the event stream goes live', async () => {
    await page.getByLabel('Password').fill(server.passwords.intake);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'New complaint' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  });

  await check("the form states the server's limits and names the files it leaves out", async () => {
    const hint = page.getByTestId('attach-limits');
    await hint.filter({ hasText: 'Limits: 8 MiB per file, 24 MiB in all, 5 files.' }).waitFor();
    const files = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => ({ name: `${n}.txt`, mimeType: 'text/plain', buffer: Buffer.from(n) }));
    await page.locator('input[type=file]').setInputFiles(files);
    await page.getByRole('alert').filter({ hasText: 'One complaint can have at most 5 attachments, so these were not attached: f.txt, g.txt.' }).waitFor();
    expect((await page.locator('.attachments li').count()) === 5, 'not exactly five files attached');
    await page.locator('.attachments').screenshot({ path: join(extraShots, 'intake-too-many.png') });
    await page.getByRole('button', { name: 'Clear form' }).click();
    await page.locator('.attachments li').first().waitFor({ state: 'detached' });
    await page.getByRole('alert').waitFor({ state: 'detached' });
  });

  await check('inline validation on blur', async () => {
    await page.getByLabel('E-mail').fill('not-an-email');
    await page.getByLabel('E-mail').blur();
    await page.getByText('This is not an e-mail address.').waitFor();
    await page.getByLabel('E-mail').fill('siti@example.my');
    await page.getByLabel('E-mail').blur();
    await page.getByText('This is not an e-mail address.').waitFor({ state: 'detached' });
  });

  // Pause the workers so the complaint is seen queued first, then enriched live.
  await admin('PATCH', '/admin/processing', { paused: true });

  await check('submit a walk-in complaint with an image and a PDF; the slip shows the reference', async () => {
    await page.getByLabel('Name').fill('Siti binti Ahmad');
    await page.getByLabel('Phone').fill('012-345 6789');
    await page.getByLabel('Description of the complaint').fill(
      'Pegawai JPJ di Shah Alam meminta wang tunai RM5,000 untuk meluluskan lesen memandu saya minggu lepas.',
    );
    await page.getByLabel('Location').fill('Pejabat JPJ Shah Alam');
    await page.getByLabel('Agency concerned').fill('JPJ');
    await page.locator('input[type=file]').setInputFiles([
      { name: 'receipt.png', mimeType: 'image/png', buffer: makePng() },
      { name: 'letter.pdf', mimeType: 'application/pdf', buffer: makePdf() },
    ]);
    await page.locator('img.thumb').waitFor();
    // The frame scrolls inside <main>: a taller window shows the whole form.
    await page.setViewportSize({ width: 1100, height: 1000 });
    await page.locator('main').evaluate((el) => (el.scrollTop = 0));
    await shot('intake');
    await page.setViewportSize({ width: 1100, height: 660 });
    await page.getByRole('button', { name: 'Submit complaint' }).click();
    const ref = page.getByTestId('reference');
    await ref.waitFor();
    reference = (await ref.textContent()).trim();
    expect(/^ADU-\d{4}-\d+$/.test(reference), `reference looks wrong: ${reference}`);
    await page.locator('.qr svg').waitFor();
    await shot('slip');
  });

  await check('printing shows the slip only', async () => {
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByTestId('reference').isVisible(), 'the slip is hidden in print');
    expect(!(await page.getByRole('button', { name: 'Print' }).isVisible()), 'the toolbar is printed');
    expect(!(await page.getByRole('navigation').isVisible()), 'the sidebar is printed');
    await page.emulateMedia({ media: 'screen' });
  });

  await check('the new complaint is listed, then becomes enriched without a reload', async () => {
    await page.evaluate(() => (window.__noReload = true));
    await page.getByRole('button', { name: 'Complaints' }).click();
    const row = page.locator(`.row[data-reference="${reference}"]`);
    await row.locator('[data-status="queued"]').waitFor();
    await admin('PATCH', '/admin/processing', { paused: false });
    await row.locator('[data-status="enriched"]').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => window.__noReload === true), 'the page was reloaded');
  });

  await check('filters: a status with no complaints says so', async () => {
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('No complaints match these filters.').waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.locator(`.row[data-reference="${reference}"]`).waitFor();
  });

  await check('detail: summary, attachments with image and PDF previews, history', async () => {
    await page.locator(`.row[data-reference="${reference}"]`).click();
    await page.getByRole('heading', { name: reference }).waitFor();
    await page.getByRole('tabpanel').getByText('Classification').waitFor();
    await shot('complaints', { clip: { x: 0, y: 0, width: 1100, height: 560 } });
    await page.getByRole('tab', { name: /Attachments \(2\)/ }).click();
    await page.getByRole('button', { name: 'Preview' }).first().click();
    const img = page.getByRole('img', { name: 'receipt.png' });
    await img.waitFor();
    await page.waitForFunction((el) => el.complete && el.naturalWidth === 96, await img.elementHandle());
    // The PDF is drawn by pdf.js onto a canvas: wait until its one page has pixels.
    await page.getByRole('button', { name: 'Preview' }).click();
    const pdf = page.locator('canvas[aria-label="letter.pdf"][data-pages="1"]');
    await pdf.waitFor();
    // The middle of the page is inside the PDF's blue box.
    const blue = (c) => {
      const [r, , b] = c.getContext('2d').getImageData(c.width / 2, c.height * 0.6, 1, 1).data;
      return b > 120 && r < 80;
    };
    await page.waitForFunction(blue, await pdf.elementHandle());
    await shot('attachments');
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByRole('tabpanel').locator('[data-status="enriched"]').waitFor();
  });

  await check('log out returns to the sign-in screen', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Aduan' }).waitFor();
  });

  await check('admin sees the queue in the top bar and can reprocess; the status follows live', async () => {
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(server.passwords.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.proc').waitFor();
    const badge = (await page.locator('.proc').textContent()).trim();
    expect(/^(Queue empty|\d+ queued · ~.+)$/.test(badge), `badge says: ${badge}`);
    await page.getByRole('button', { name: 'Complaints' }).click();
    await page.locator(`.row[data-reference="${reference}"]`).click();
    await admin('PATCH', '/admin/processing', { paused: true });
    await page.getByRole('button', { name: 'Reprocess' }).click();
    const header = page.locator('article.detail header');
    await header.locator('[data-status="queued"]').waitFor();
    await admin('PATCH', '/admin/processing', { paused: false });
    await header.locator('[data-status="enriched"]').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Aduan' }).waitFor();
  });

  await check('no uncaught errors in the page', async () => {
    expect(pageErrors.length === 0, pageErrors.join('\n'));
  });
} finally {
  await browser.close();
  statics.close();
  await server.stop();
  rmSync(server.dataDir, { recursive: true, force: true });
}
console.log(`e2e: ${tally.passed} passed, ${tally.failed} failed (more screenshots in ${extraShots})`);
process.exit(tally.failed ? 1 : 0);
