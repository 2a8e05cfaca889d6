// The Capacity view against the REAL server with `llm-sim` as its provider: complaints are
// analysed so there is something measured, the first history minute is waited for, then
// the admin opens Admin → Capacity, reads the plain-words answer and the scenarios, asks a
// what-if, and the view is photographed. Needs `npm run build` first and Debian's chromium.
import { spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { apiClient, checker, expect, freePort, startServer, startStatic, waitUntil } from './support.mjs';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(ui, '..');
const shots = join(ui, 'e2e/screenshots');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const BIN = process.env.ADUAN_SERVER_BIN ?? join(repo, 'target/debug/aduan-server');
const { check, tally } = checker();

statSync(join(ui, 'dist/index.html'), { throwIfNoEntry: false }) ?? (console.error('run `npm run build` first'), process.exit(2));
mkdirSync(shots, { recursive: true });
const [simPort, apiPort, uiPort] = [await freePort(), await freePort(), await freePort()];
const uiUrl = `http://127.0.0.1:${uiPort}`;
const sim = spawn(BIN, ['llm-sim', '--listen', `127.0.0.1:${simPort}`, '--latency-ms', '300-900', '--seed', '1'], { stdio: 'ignore' });
let server, statics, browser;
const pageErrors = [];
try {
  server = await startServer(repo, apiPort, uiUrl, {
    ADUAN_LLM_URL: `http://127.0.0.1:${simPort}/v1`,
    ADUAN_LLM_MODEL: 'aduan-sim',
    ADUAN_WORKERS: '8',
  });
  const admin = await apiClient(server, 'admin');
  statics = await startStatic(join(ui, 'dist'), uiPort);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: 1100, height: 1500 } });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.setDefaultTimeout(20_000);

  await check('sixty complaints are analysed and the first minute of history is written', async () => {
    for (let i = 0; i < 60; i++) {
      await admin('POST', '/complaints', { channel: 'phone', description: `Ujian kapasiti #${i}: pegawai meminta RM${100 + i} untuk meluluskan permit.` });
    }
    const idle = async () => {
      const s = await admin('GET', '/processing/summary');
      return s.waiting === 0 && s.in_flight === 0;
    };
    await waitUntil(idle, 'the queue is empty', { timeout: 120_000 });
    const sampled = async () => (await admin('GET', '/admin/capacity')).history.minutes.length > 0;
    await waitUntil(sampled, 'a history minute', { timeout: 90_000, every: 2_000 });
  });

  await check('admin opens Capacity: the answer in a sentence and the scenarios', async () => {
    await page.goto(uiUrl);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByText('Advanced').click();
    await page.getByLabel('Server address').fill(server.url);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(server.passwords.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Admin' }).click();
    await page.getByRole('tab', { name: 'Capacity' }).click();
    const summary = (await page.getByTestId('cap-summary').textContent()).trim();
    expect(/^At today's .* per complaint, 8 workers, Aduan analyses about .* a burst of 50 arriving over 60 s is analysed within/.test(summary), `summary: ${summary}`);
    const rows = await page.getByTestId('cap-scenarios').locator('tbody tr').count();
    expect(rows === 7, `scenario rows: ${rows}`);
  });

  await check('a what-if: 32 workers answer with a new sentence', async () => {
    await page.getByLabel('Worker bound').fill('32');
    await page.getByRole('button', { name: 'Recalculate' }).click();
    await page.getByTestId('cap-summary').filter({ hasText: '32 workers' }).waitFor();
    await page.getByLabel('Worker bound').fill('');
    await page.getByRole('button', { name: 'Recalculate' }).click();
    await page.getByTestId('cap-summary').filter({ hasText: '8 workers' }).waitFor();
    // Committed: the answer, the measurements and the scenarios (under ~150 KB).
    await page.screenshot({ path: join(shots, 'admin-capacity.png'), clip: { x: 0, y: 0, width: 1100, height: 880 } });
  });

  await check('no page errors', async () => expect(pageErrors.length === 0, pageErrors.join('\n')));
} finally {
  await browser?.close();
  statics?.close();
  await server?.stop();
  sim.kill('SIGTERM');
}
console.log(`e2e capacity: ${tally.passed} passed, ${tally.failed} failed`);
process.exit(tally.failed ? 1 : 0);
