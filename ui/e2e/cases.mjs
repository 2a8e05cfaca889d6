// End-to-end check of Cases, Dashboard and Admin against the REAL server (builtin enricher):
// an officer opens a case from two related complaints, assigns it, adds a related third,
// moves it to investigation, meets the reason-required path, sees another officer's change
// live and adds a note; the officer's dashboard; an admin changes the worker bound and
// sees the processing panel follow, creates a user and filters the audit log.
// Needs `npm run build` first and Debian's chromium. Prints `e2e cases: N passed, M failed`.
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { apiClient, checker, expect, freePort, startServer, startStatic, waitUntil } from './support.mjs';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(ui, '..');
const shots = join(ui, 'e2e/screenshots');
// UI_DIST: a build elsewhere (so a rebuild of ui/dist meanwhile cannot pull it away).
const dist = process.env.UI_DIST ?? join(ui, 'dist');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const { check, tally } = checker();

const COMPLAINTS = [
  'Encik Ahmad bin Ali, pegawai Majlis Perbandaran Klang, meminta wang tunai RM3,000 untuk meluluskan permit premis makanan saya di Klang.',
  'Ahmad bin Ali dari Majlis Perbandaran Klang meminta RM3,000 secara tunai sebelum meluluskan lesen perniagaan kedai saya di Klang, Selangor.',
  'Pegawai Majlis Perbandaran Klang bernama Ahmad bin Ali meminta suapan RM3,000 untuk permit gerai di Klang minggu lepas.',
];

statSync(join(dist, 'index.html'), { throwIfNoEntry: false }) ?? (console.error('run `npm run build` first'), process.exit(2));
mkdirSync(shots, { recursive: true });
const [apiPort, uiPort] = [await freePort(), await freePort()];
const uiUrl = `http://127.0.0.1:${uiPort}`;
const server = await startServer(repo, apiPort, uiUrl);
const statics = await startStatic(dist, uiPort);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(String(e)));
page.setDefaultTimeout(15_000);
const shot = (name, opts = {}) => page.screenshot({ path: join(shots, `${name}.png`), ...opts });
// Views worth a look that are not committed (dialogs, the Malay screen) go to a temp dir.
const extraShots = mkdtempSync(join(tmpdir(), 'aduan-e2e-shots-'));
const extraShot = (name) => page.screenshot({ path: join(extraShots, `${name}.png`) });

/** Sign in on `p`; `live` waits for the event stream too. */
async function signIn(username, p = page, live = true) {
  await p.goto(`${uiUrl}/?server=${encodeURIComponent(server.url)}`);
  // The language toggle offers the other language; choose English if it is not already.
  const english = p.getByRole('button', { name: 'English' });
  if (await english.isVisible()) await english.click();
  await p.getByLabel('Username').fill(username);
  await p.getByLabel('Password').fill(server.passwords[username]);
  await p.getByRole('button', { name: 'Sign in' }).click();
  if (live) await p.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  else await p.getByRole('navigation').waitFor();
}

const refs = [];
let caseRef = '';
let caseId = '';

try {
  await check('three related complaints are submitted and analysed', async () => {
    const intake = await apiClient(server, 'intake');
    const admin = await apiClient(server, 'admin');
    const ids = [];
    for (const description of COMPLAINTS) {
      const r = await intake('POST', '/complaints', { channel: 'walk_in', description, location: 'Klang', subject_agency: 'Majlis Perbandaran Klang' });
      ids.push(r.id);
      refs.push(r.reference);
    }
    for (const id of ids) {
      await waitUntil(async () => (await admin('GET', `/complaints/${id}`)).status === 'enriched', `complaint ${id} enriched`);
    }
  });

  await check('the officer sees Cases and Dashboard but not Admin', async () => {
    await signIn('officer');
    const nav = page.getByRole('navigation');
    await nav.getByRole('button', { name: 'Cases' }).waitFor();
    await nav.getByRole('button', { name: 'Dashboard' }).waitFor();
    expect((await nav.getByRole('button', { name: 'Admin' }).count()) === 0, 'an officer sees Admin');
  });

  await check("a complainant's identity is withheld from an officer until revealed with a reason", async () => {
    const intake = await apiClient(server, 'intake');
    const admin = await apiClient(server, 'admin');
    const r = await intake('POST', '/complaints', {
      channel: 'walk_in',
      description: 'Pegawai kaunter meminta RM200 untuk mempercepatkan permohonan lesen saya.',
      complainant: { name: 'Siti binti Ahmad', phone: '012-345 6789' },
    });
    await waitUntil(async () => (await admin('GET', `/complaints/${r.id}`)).status === 'enriched', 'the complaint enriched');
    await page.getByRole('navigation').getByRole('button', { name: 'Complaints' }).click();
    await page.locator(`.row[data-reference="${r.reference}"]`).click();
    await page.getByText('Identity withheld (need to know)').waitFor();
    expect(!(await page.getByText('Siti binti Ahmad').isVisible()), 'the name is shown before a reveal');
    await page.getByRole('button', { name: 'Reveal…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('Statement needed for the investigation');
    await extraShot('identity-reveal-dialog');
    await dialog.getByRole('button', { name: 'Reveal', exact: true }).click();
    await page.getByText('Siti binti Ahmad · 012-345 6789').waitFor();
    await extraShot('identity-revealed');
    const entries = await admin('GET', '/admin/audit?action=complainant.reveal');
    expect(entries.items.length === 1, `reveals audited: ${entries.items.length}`);
    expect(entries.items[0].details.reason === 'Statement needed for the investigation', 'the reason is audited');
  });

  await check('the officer opens a case from two complaints chosen in the list', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Complaints' }).click();
    for (const ref of refs.slice(0, 2)) await page.getByRole('checkbox', { name: `Select ${ref}` }).check();
    await page.getByRole('button', { name: 'Open case (2)' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Open case' }).click();
    await dialog.getByText('This field is required.').waitFor();
    await dialog.getByLabel('Title').fill('MP Klang — cash for premises permits');
    await dialog.getByLabel('Assign to me').uncheck();
    await dialog.getByRole('button', { name: 'Open case' }).click();
    const heading = page.locator('#case-ref');
    await heading.waitFor();
    caseRef = (await heading.textContent()).trim();
    caseId = page.url().split('/').pop();
    expect(/^KES-\d{4}-\d+$/.test(caseRef), `case reference looks wrong: ${caseRef}`);
    await page.getByRole('tab', { name: 'Complaints (2)' }).waitFor();
    await page.locator('[data-case-status="evaluation"]').first().waitFor();
  });

  await check('assign the case to oneself', async () => {
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const chosen = await page.locator('#assignee').evaluate((s) => s.options[s.selectedIndex].textContent);
    expect(chosen !== 'Unassigned', 'the assignee did not change');
  });

  await check('the related third complaint is suggested and added to the case', async () => {
    await page.getByRole('tab', { name: /Related suggestions/ }).click();
    const row = page.locator(`#case-panel-related li[data-reference="${refs[2]}"]`);
    await row.waitFor();
    await extraShot('related');
    await row.getByRole('button', { name: /Add to case/ }).click();
    await page.getByRole('tab', { name: 'Complaints (3)' }).waitFor();
  });

  await check('move to investigation; NFA is refused without a reason; Esc cancels', async () => {
    await page.getByRole('group', { name: 'Move to' }).getByRole('button', { name: 'Investigation' }).click();
    await page.locator('article.case header [data-case-status="investigation"]').waitFor();
    await page.getByRole('button', { name: 'No further action…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Move to No further action' }).click();
    await dialog.getByText('This field is required.').waitFor();
    await extraShot('reason-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.locator('article.case header [data-case-status="investigation"]').waitFor();
  });

  await check("another officer's change arrives live", async () => {
    const admin = await apiClient(server, 'admin');
    const current = await admin('GET', `/cases/${caseId}`);
    await admin('PATCH', `/cases/${caseId}`, { priority: 'urgent' }, { 'If-Match': `"${current.version}"` });
    await page.locator('article.case header [data-priority="urgent"]').waitFor();
  });

  await check('a stale write is refused, the case reloaded and the officer told', async () => {
    // A second window whose event stream is cut keeps a stale copy of the case.
    const other = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    await other.route('**/api/v1/events?*', (r) => r.abort());
    await signIn('officer', other, false);
    await other.goto(`${uiUrl}/#/cases/${caseId}`);
    await other.locator('#case-ref').waitFor();
    const admin = await apiClient(server, 'admin');
    const current = await admin('GET', `/cases/${caseId}`);
    await admin('PATCH', `/cases/${caseId}`, { title: 'MP Klang — cash for permits' }, { 'If-Match': `"${current.version}"` });
    await other.locator('#priority').selectOption('high');
    await other.getByText('Someone else changed this case — reloaded.').first().waitFor();
    await other.locator('.case .title').filter({ hasText: 'MP Klang — cash for permits' }).waitFor();
    expect((await other.locator('#priority').inputValue()) === 'urgent', 'the stale priority change went through');
    await other.close();
    // The live window followed the title change by itself.
    await page.locator('.case .title').filter({ hasText: 'MP Klang — cash for permits' }).waitFor();
  });

  await check('add a note', async () => {
    await page.getByRole('tab', { name: 'Notes (0)' }).click();
    await page.getByLabel('New internal note').fill('Complainants to be interviewed at the Klang office on Monday.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByRole('tab', { name: 'Notes (1)' }).waitFor();
    await page.getByText('Complainants to be interviewed').waitFor();
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.locator('#case-panel-timeline li[data-kind="note_added"]').waitFor();
    await page.getByRole('tab', { name: 'Complaints (3)' }).click();
    await shot('case-detail');
  });

  await check('the case screen speaks Malay', async () => {
    await page.getByRole('button', { name: 'BM', exact: true }).click();
    await page.getByRole('tab', { name: 'Aduan (3)' }).waitFor();
    await page.locator('article.case header').getByText('Siasatan').waitFor();
    await page.getByRole('tab', { name: 'Garis masa' }).click();
    await extraShot('case-timeline-ms');
    await page.getByRole('tab', { name: 'Aduan (3)' }).click();
    await page.getByRole('button', { name: 'EN', exact: true }).click();
  });

  await check('the case is listed and on the board', async () => {
    await page.locator(`.row[data-case="${caseRef}"]`).waitFor();
    await page.getByRole('button', { name: 'Board', exact: true }).click();
    await page.goto(`${uiUrl}/#/cases`);
    await page.locator(`.card[data-case="${caseRef}"]`).waitFor();
    await shot('cases-board');
    await page.getByRole('button', { name: 'List', exact: true }).click();
    await page.locator(`.row[data-case="${caseRef}"]`).click();
    await page.locator('#case-ref').waitFor();
    await shot('cases');
  });

  await check('the officer dashboard shows the figures with a table fallback', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Dashboard' }).click();
    const total = Number(await page.getByTestId('dash-total').textContent());
    expect(total >= 3, `dashboard total ${total}`);
    expect((await page.getByTestId('processing-panel').count()) === 0, 'an officer sees the processing panel');
    await page.locator('[data-chart="chart-category"] li').first().waitFor();
    await shot('dashboard');
    await page.locator('[data-chart="chart-state"]').getByRole('button', { name: 'Show table' }).click();
    await page.locator('[data-chart="chart-state"] table').waitFor();
    await page.getByRole('button', { name: 'Log out' }).click();
  });

  await check('the admin changes the worker bound and the panel follows', async () => {
    await signIn('admin');
    await page.getByRole('navigation').getByRole('button', { name: 'Dashboard' }).click();
    const panel = page.getByTestId('processing-panel');
    await panel.getByTestId('w-bound').waitFor();
    await panel.getByLabel('Concurrent worker bound (all servers)').fill('5');
    await panel.getByRole('button', { name: 'Apply' }).click();
    await panel.getByText('Processing settings updated.').waitFor();
    expect((await panel.getByTestId('w-bound').textContent()) === '5', 'bound not shown as 5');
    await panel.getByRole('button', { name: 'Pause analysis' }).click();
    await panel.locator('[data-paused="true"]').waitFor();
    // Wait for a processing.stats event (every 5 s) stamped after the pause was applied:
    // the panel's time moves only with live events now, and the server stamps an event
    // after reading its figures. Those figures must still say 5 and paused.
    const applied = Date.now();
    await page.waitForFunction(
      (t) => Date.parse(document.querySelector('[data-testid="processing-panel"]').dataset.updated) > t,
      applied,
      { timeout: 15_000 },
    );
    expect((await panel.getByTestId('w-bound').textContent()) === '5', 'live stats lost the bound');
    expect((await panel.locator('[data-paused]').first().getAttribute('data-paused')) === 'true', 'live stats lost the pause');
    await shot('dashboard-admin');
    await panel.getByRole('button', { name: 'Resume analysis' }).click();
    await panel.locator('[data-paused="false"]').waitFor();
  });

  await check('the admin creates a user and reads the audit log', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Admin' }).click();
    await page.getByRole('button', { name: '+ New user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Full name').fill('Nurul Huda');
    await dialog.getByLabel('Username').fill('nurul.huda');
    await dialog.getByLabel('Password').fill('short');
    await dialog.getByLabel('Password').blur();
    await dialog.getByText('The password must have at least 10 characters.').waitFor();
    await dialog.getByLabel('Password').fill('a-good-long-password');
    await dialog.getByRole('button', { name: 'New user' }).click();
    await page.getByText('User Nurul Huda was created.').waitFor();
    await page.locator('tr[data-username="nurul.huda"]').waitFor();
    await shot('admin-users');
    await page.getByRole('tab', { name: 'Audit log' }).click();
    // The action is chosen from the server's list (a label per action), and applies at once.
    await page.getByLabel('Action').selectOption('case.create');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr[data-action]:not([data-action="case.create"])').length === 0);
    await page.locator('tr[data-action="case.create"]').first().waitFor();
    await shot('admin-audit');
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
console.log(`e2e cases: ${tally.passed} passed, ${tally.failed} failed (more screenshots in ${extraShots})`);
process.exit(tally.failed ? 1 : 0);
