// End-to-end check of two-step sign-in against the REAL server: an officer sets up an
// authenticator app from the top bar and keeps the recovery codes, then signs in with
// password and code; an admin requires it for intake, whose next sign-in sets one up
// first; the admin resets the officer's. Codes are computed here as an authenticator app
// would (RFC 6238). Needs `npm run build` first and Debian's chromium.
// Prints `e2e two-step: N passed, M failed`.
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { checker, expect, freePort, startServer, startStatic } from './support.mjs';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(ui, '..');
const shots = join(ui, 'e2e/screenshots');
const dist = process.env.UI_DIST ?? join(ui, 'dist');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const { check, tally } = checker();

/** RFC 4648 base32 → bytes. */
function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of s.replace(/\s+/g, '')) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The 6-digit code of `secret` `steps` 30-second steps from now. */
function totp(secret, steps = 0) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + steps));
  const h = createHmac('sha1', base32(secret)).update(counter).digest();
  const o = h[19] & 0x0f;
  const bin = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(bin % 1_000_000).padStart(6, '0');
}

statSync(join(dist, 'index.html'), { throwIfNoEntry: false }) ?? (console.error('run `npm run build` first'), process.exit(2));
mkdirSync(shots, { recursive: true });
const [apiPort, uiPort] = [await freePort(), await freePort()];
const uiUrl = `http://127.0.0.1:${uiPort}`;
const server = await startServer(repo, apiPort, uiUrl);
const statics = await startStatic(dist, uiPort);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(String(e)));
page.setDefaultTimeout(15_000);
const shot = (name, opts = {}) => page.screenshot({ path: join(shots, `${name}.png`), ...opts });
const extraShots = mkdtempSync(join(tmpdir(), 'aduan-e2e-shots-'));
const extraShot = (name) => page.screenshot({ path: join(extraShots, `${name}.png`) });

/** The password step; `then` is what should follow. */
async function password(username) {
  await page.goto(`${uiUrl}/?server=${encodeURIComponent(server.url)}`);
  const english = page.getByRole('button', { name: 'English' });
  if (await english.isVisible()) await english.click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(server.passwords[username]);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const secretOf = async (scope) => (await scope.getByTestId('totp-secret').textContent()).replace(/\s+/g, '');
let officerSecret = '';
let usedCode = '';

try {
  await check('an officer sets up an authenticator app and is shown recovery codes once', async () => {
    await password('officer');
    await page.getByRole('navigation').waitFor();
    await page.getByRole('button', { name: '2-step' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('img', { name: 'QR code for the authenticator app' }).waitFor();
    officerSecret = await secretOf(dialog);
    expect(officerSecret.length === 32, `a 160-bit secret: ${officerSecret}`);
    await dialog.getByLabel('Verification code').fill('000000');
    await dialog.getByRole('button', { name: 'Verify' }).click();
    await dialog.getByRole('alert').waitFor();
    usedCode = totp(officerSecret);
    await dialog.getByLabel('Verification code').fill(usedCode);
    await dialog.getByRole('button', { name: 'Verify' }).click();
    const codes = dialog.getByTestId('recovery-codes').locator('li');
    await codes.first().waitFor();
    expect((await codes.count()) === 10, 'ten recovery codes');
    await extraShot('two-step-recovery-codes');
    await dialog.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByRole('button', { name: '2-step ✓' }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
  });

  await check('the officer signs in with password and code; a wrong code is explained', async () => {
    await password('officer');
    await page.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await shot('sign-in-code');
    await page.getByLabel('Verification code').fill('123456');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').filter({ hasText: 'That code is not right' }).waitFor();
    // The code used to set up is spent: the next one, as the app will show it.
    await page.getByLabel('Verification code').fill(totp(officerSecret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('navigation').waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
  });

  await check('an admin requires it for intake, and the admin resets the officer', async () => {
    await password('admin');
    await page.getByRole('navigation').getByRole('button', { name: 'Admin' }).click();
    const policy = page.getByRole('group', { name: 'Require two-step verification for' });
    await policy.getByLabel('Intake').check();
    await page.getByText('Sign-in policy saved.').waitFor();
    const row = page.locator('tr[data-username="officer"]');
    await row.getByText('On', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Reset 2-step' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reset 2-step' }).click();
    await row.getByText('Off', { exact: true }).waitFor();
    await extraShot('two-step-admin');
    await page.getByRole('button', { name: 'Log out' }).click();
  });

  await check('intake must set up an app at sign-in, then keeps the recovery codes', async () => {
    await password('intake');
    await page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
    await page.getByRole('img', { name: 'QR code for the authenticator app' }).waitFor();
    await shot('sign-in-setup');
    await page.getByLabel('Verification code').fill(totp(await secretOf(page)));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByRole('navigation').waitFor();
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
console.log(`e2e two-step: ${tally.passed} passed, ${tally.failed} failed (more screenshots in ${extraShots})`);
process.exit(tally.failed ? 1 : 0);
