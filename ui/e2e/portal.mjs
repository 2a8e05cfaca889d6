// End-to-end check of the reporter portal against the REAL server: a member of the public
// makes an anonymous report with a JPEG carrying GPS EXIF and a PDF naming its author, and
// keeps the receipt; an officer answers in the staff UI's Reporter tab; the reporter signs
// in with the receipt, sees the answer and the status, and replies with a file; the
// officer sees the reply live. The cleaned copies carry no metadata, the originals do.
// Needs `npm run build` first and Debian's chromium. Prints `e2e portal: N passed, M failed`.
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { apiClient, checker, expect, freePort, makePdf, startServer, startStatic } from './support.mjs';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(ui, '..');
const shots = join(ui, 'e2e/screenshots');
const dist = process.env.UI_DIST ?? join(ui, 'dist');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const { check, tally } = checker();

statSync(join(dist, 'index.html'), { throwIfNoEntry: false }) ?? (console.error('run `npm run build` first'), process.exit(2));
mkdirSync(shots, { recursive: true });
const [apiPort, uiPort, publicPort] = [await freePort(), await freePort(), await freePort()];
const uiUrl = `http://127.0.0.1:${uiPort}`;
const portalUrl = `http://127.0.0.1:${publicPort}`;
const server = await startServer(repo, apiPort, uiUrl, { ADUAN_PUBLIC_LISTEN: `127.0.0.1:${publicPort}` });
const admin = await apiClient(server, 'admin');
const statics = await startStatic(dist, uiPort);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
// The reporter on a phone-sized screen, the officer at a desk: two separate browsers' worth
// of state (no shared storage).
const phone = await browser.newContext({ viewport: { width: 390, height: 780 }, deviceScaleFactor: 1 });
const desk = await browser.newContext({ viewport: { width: 1280, height: 760 } });
const reporter = await phone.newPage();
const officer = await desk.newPage();
const pageErrors = [];
for (const p of [reporter, officer]) {
  p.on('pageerror', (e) => pageErrors.push(String(e)));
  p.setDefaultTimeout(20_000);
}
const offsite = [];
reporter.on('request', (r) => !r.url().startsWith(portalUrl) && offsite.push(r.url()));

const GPS = 'GPS 3.1390N 101.6869E';
const AUTHOR = 'Ahmad bin Ali';

/** A JPEG drawn by Chromium itself, with an APP1 EXIF segment carrying GPS text spliced in. */
async function jpegWithGps() {
  const plain = Buffer.from(
    await reporter.evaluate(async () => {
      const c = document.createElement('canvas');
      c.width = 64;
      c.height = 48;
      const g = c.getContext('2d');
      g.fillStyle = '#c0392b';
      g.fillRect(0, 0, 64, 48);
      const blob = await new Promise((r) => c.toBlob(r, 'image/jpeg', 0.9));
      return [...new Uint8Array(await blob.arrayBuffer())];
    }),
  );
  // TIFF header, IFD0 with GPSInfo -> a GPS IFD with LatitudeRef N and LongitudeRef E.
  const tiff = Buffer.from([
    0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8, 0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0,
    0, 2, 0, 1, 0, 2, 0, 0, 0, 2, 0x4e, 0, 0, 0, 0, 3, 0, 2, 0, 0, 0, 2, 0x45, 0, 0, 0, 0, 0, 0, 0,
  ]);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff, Buffer.from(GPS)]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(payload.length + 2);
  return Buffer.concat([plain.subarray(0, 2), Buffer.from([0xff, 0xe1]), len, payload, plain.subarray(2)]);
}

let receipt = '';
let reference = '';
let complaintId = '';

try {
  await check('the portal is its own page: Malay first, strict CSP, nothing fetched elsewhere', async () => {
    const r = await fetch(portalUrl);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp.includes("default-src 'none'") && csp.includes("script-src 'self'"), `CSP: ${csp}`);
    expect((await fetch(`${portalUrl}/api/v1/me`)).status === 404, 'the staff API answers on the public listener');
    expect((await fetch(`${server.url}/public/v1/challenge`)).status === 404, 'the portal answers on the staff listener');
    await reporter.goto(portalUrl);
    await reporter.getByRole('heading', { name: 'Portal Pelapor Aduan' }).waitFor();
    await reporter.getByRole('button', { name: 'English' }).click();
    await reporter.getByRole('button', { name: 'Make a report' }).waitFor();
    await reporter.screenshot({ path: join(shots, 'portal-home.png') });
  });

  const jpeg = await jpegWithGps();
  const pdf = makePdf({ author: AUTHOR });

  await check('an anonymous report with a GPS-tagged photo and an authored PDF gets a receipt', async () => {
    await reporter.getByRole('button', { name: 'Make a report' }).click();
    await reporter.getByLabel('What happened?').fill(
      'Seorang pegawai majlis meminta RM2,000 tunai untuk meluluskan permit gerai saya di Klang. / A council officer asked for RM2,000 cash to approve my stall permit.',
    );
    await reporter.getByLabel('Place').fill('Klang, Selangor');
    await reporter.getByLabel('Evidence files (optional)').first().setInputFiles([
      { name: 'gerai.jpg', mimeType: 'image/jpeg', buffer: jpeg },
      { name: 'surat.pdf', mimeType: 'application/pdf', buffer: pdf },
    ]);
    await reporter.getByRole('button', { name: 'Send report' }).click();
    await reporter.getByRole('heading', { name: 'Save this receipt' }).waitFor({ timeout: 60_000 });
    const digits = (await reporter.locator('#receipt-digits').textContent()).trim();
    expect(/^\d{4} \d{4} \d{4} \d{4}$/.test(digits), `receipt shown as ${digits}`);
    receipt = digits;
    reference = (await reporter.locator('#receipt-ref').textContent()).trim();
    const pow = await reporter.evaluate(() => window.lastPow);
    console.log(`     proof of work: ${pow.difficulty} bits, ${pow.tries} hashes in ${pow.ms} ms`);
    await reporter.screenshot({ path: join(shots, 'portal-receipt.png') });
  });

  await check('officers get cleaned copies; the originals keep their metadata', async () => {
    const page = await admin('GET', `/complaints?q=${encodeURIComponent('permit gerai')}`);
    const found = page.items.find((c) => c.reference === reference);
    expect(found, `complaint ${reference} listed`);
    complaintId = found.id;
    const detail = await admin('GET', `/complaints/${complaintId}`);
    expect(detail.channel === 'web' && detail.anonymous, 'channel web, anonymous');
    expect(detail.attachments.length === 2, `${detail.attachments.length} attachments`);
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: server.passwords.admin }),
    }).then((r) => r.json());
    const auth = { Authorization: `Bearer ${login.token}` };
    for (const a of detail.attachments) {
      expect(a.cleaning === 'removed' && a.original_id, `${a.filename}: cleaning ${a.cleaning}`);
      const copy = Buffer.from(await (await fetch(`${server.url}/api/v1/attachments/${a.id}`, { headers: auth })).arrayBuffer());
      expect(!copy.includes(GPS) && !copy.includes(AUTHOR), `${a.filename}: the cleaned copy still has metadata`);
      const reason = encodeURIComponent('Checking where the photo was taken');
      const orig = Buffer.from(await (await fetch(`${server.url}/api/v1/attachments/${a.id}/original?reason=${reason}`, { headers: auth })).arrayBuffer());
      expect(orig.includes(GPS) || orig.includes(AUTHOR), `${a.filename}: the original lost its metadata`);
    }
  });

  await check('the officer on the case answers in the Reporter tab', async () => {
    const officers = await admin('GET', '/users/assignable');
    const me = officers.find((u) => u.username === 'officer');
    await admin('POST', '/cases', { title: 'Permit gerai, Klang', complaint_ids: [complaintId], assignee_id: me.id });
    await officer.goto(uiUrl);
    await officer.getByRole('button', { name: 'English' }).click();
    await officer.getByText('Advanced').click();
    await officer.getByLabel('Server address').fill(server.url);
    await officer.getByLabel('Username').fill('officer');
    await officer.getByLabel('Password').fill(server.passwords.officer);
    await officer.getByRole('button', { name: 'Sign in' }).click();
    await officer.getByRole('button', { name: 'Complaints' }).click();
    await officer.locator(`.row[data-reference="${reference}"]`).click();
    await officer.getByRole('tab', { name: 'Reporter' }).click();
    await officer.getByText('No messages yet').waitFor();
    await officer.getByLabel('Reply to the reporter').fill('Terima kasih. Bilakah dan di mana wang itu diminta?');
    await officer.getByRole('button', { name: 'Send', exact: true }).click();
    await officer.getByText('Message sent.').waitFor();
    await officer.locator('.thread li.officer').waitFor();
  });

  await check('the reporter signs in with the receipt, sees the answer and the status, replies with a file', async () => {
    await reporter.goto(portalUrl);
    await reporter.getByRole('button', { name: 'English' }).click();
    await reporter.getByRole('button', { name: 'I have a receipt' }).click();
    await reporter.getByLabel('16-digit receipt').fill(receipt);
    await reporter.getByRole('button', { name: 'Sign in' }).click();
    await reporter.locator('#view-status').filter({ hasText: 'Under evaluation' }).waitFor();
    await reporter.locator('.thread li.officer').filter({ hasText: 'Bilakah dan di mana' }).waitFor();
    expect((await reporter.locator('#files-list li').count()) === 2, 'the two files listed');
    await reporter.screenshot({ path: join(shots, 'portal-reporter.png'), fullPage: true });
    await reporter.getByLabel('Reply to the officer').fill('Pada 3 Disember, di kaunter pejabat majlis. Gambar kaunter dilampirkan.');
    await reporter.locator('#reply-files').setInputFiles([{ name: 'kaunter.jpg', mimeType: 'image/jpeg', buffer: jpeg }]);
    await reporter.getByRole('button', { name: 'Send reply' }).click();
    await reporter.locator('#reply-status').filter({ hasText: 'Sent.' }).waitFor({ timeout: 60_000 });
    await reporter.locator('.thread li.reporter').waitFor();
  });

  await check("the officer sees the reporter's reply and file live, and the case waits for an answer", async () => {
    await officer.locator('.thread li.reporter').filter({ hasText: 'kaunter pejabat majlis' }).waitFor();
    await officer.locator('.thread li.reporter').getByRole('button', { name: 'kaunter.jpg' }).waitFor();
    await officer.locator('article.detail').screenshot({ path: join(shots, 'portal-officer.png') });
    const waiting = await admin('GET', '/cases?reporter_waiting=true');
    expect(waiting.items.length === 1 && waiting.items[0].reporter_waiting, 'the case is listed as waiting');
  });

  await check('opening an original asks for a reason, and the download is the file as sent', async () => {
    await officer.getByRole('button', { name: 'Open original' }).first().click();
    await officer.getByLabel('Reason (recorded in the audit log)').fill('Lokasi gambar diperlukan untuk siasatan');
    const download = officer.waitForEvent('download');
    await officer.getByRole('dialog').getByRole('button', { name: 'Open original' }).click();
    const file = await download;
    const bytes = Buffer.from(await (await import('node:fs/promises')).readFile(await file.path()));
    expect(bytes.includes(GPS), 'the original carries its GPS EXIF');
    const audit = await admin('GET', '/admin/audit?action=attachment.original');
    expect(audit.items.some((e) => e.details?.reason === 'Lokasi gambar diperlukan untuk siasatan'), 'the reason is audited');
  });

  await check("the case list marks the case whose reporter waits", async () => {
    await officer.getByRole('button', { name: 'Cases' }).click();
    await officer.getByLabel('Reporter waiting for an answer').check();
    await officer.locator('[data-reporter-waiting="true"]').first().waitFor();
    await officer.screenshot({ path: join(shots, 'portal-cases.png') });
  });

  await check('the portal fetched nothing from anywhere else; no uncaught errors', async () => {
    expect(offsite.length === 0, `off-site requests: ${offsite.join(', ')}`);
    expect(pageErrors.length === 0, pageErrors.join('\n'));
  });
} finally {
  await browser.close();
  statics.close();
  await server.stop();
}
console.log(`e2e portal: ${tally.passed} passed, ${tally.failed} failed`);
process.exit(tally.failed ? 1 : 0);
