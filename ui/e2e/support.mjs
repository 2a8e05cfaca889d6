// Helpers for the e2e scripts: named checks, free ports, the real server and a signed-in
// API client for it, a static server for ui/dist, and small test files (a PNG and a PDF)
// made on the fly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import zlib from 'node:zlib';

/** Named checks that go on after a failure; `tally` counts them for the summary line. */
export function checker() {
  const tally = { passed: 0, failed: 0 };
  async function check(name, f) {
    try {
      await f();
      tally.passed++;
      console.log(`ok   ${name}`);
    } catch (e) {
      tally.failed++;
      console.log(`FAIL ${name}\n     ${String(e?.message ?? e).split('\n').slice(0, 4).join('\n     ')}`);
    }
  }
  return { check, tally };
}

export function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}

/**
 * Wait for a condition outside the page (the server's state): ask `cond` again every
 * `every` ms until it holds, failing with `what` after `timeout` ms.
 */
export async function waitUntil(cond, what, { timeout = 60_000, every = 300 } = {}) {
  const deadline = Date.now() + timeout;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A signed-in API client for one demo user: `(method, path, body?, headers?)` → parsed JSON; a non-2xx reply throws. */
export async function apiClient(server, username) {
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: server.passwords[username] }),
  }).then((r) => r.json());
  return async (method, path, body, headers = {}) => {
    const r = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${login.token}`, 'Content-Type': 'application/json', ...headers },
      body: body && JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Start `aduan-server serve --demo` (target/debug, or `ADUAN_SERVER_BIN`) on a temp data
 * dir; resolves with its demo passwords.
 * `env` adds settings (e.g. `ADUAN_MAX_FILES`).
 */
export async function startServer(repo, port, corsOrigin, env = {}) {
  // ADUAN_SERVER_BIN: a server built elsewhere (e.g. copied out of a shared target dir).
  const bin = process.env.ADUAN_SERVER_BIN ?? join(repo, 'target/debug/aduan-server');
  if (!existsSync(bin)) {
    console.log('building aduan-server (first run)…');
    const r = spawnSync('cargo', ['build', '-p', 'aduan-server'], { cwd: repo, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('cargo build failed');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'aduan-e2e-'));
  const proc = spawn(bin, ['serve', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--demo'], {
    env: { ...process.env, ADUAN_CORS_ORIGINS: corsOrigin, ADUAN_LOG_FORMAT: 'json', RUST_LOG: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const passwords = {};
  let log = '';
  proc.stdout.on('data', (b) => {
    log += b;
    for (const m of String(b).matchAll(/demo user created: (\w+) \/ (\S+) \((\w+)\)/g)) passwords[m[1]] = m[2];
  });
  proc.stderr.on('data', (b) => (log += b));
  const url = `http://127.0.0.1:${port}`;
  const ready = async () => {
    if (proc.exitCode !== null) throw new Error(`server exited early:\n${log}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    return ok && passwords.intake && passwords.admin;
  };
  await waitUntil(ready, 'the server is ready', { timeout: 120_000 }).catch((e) => {
    throw new Error(`${e.message}\n${log}`);
  });
  const stop = () =>
    new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.exitCode === null && proc.kill('SIGKILL'), 15_000);
    });
  return { url, passwords, dataDir, stop, log: () => log };
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

/** Serve `dir` (ui/dist) on `port`; unknown paths get index.html. */
export function startStatic(dir, port) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    let file = join(dir, path);
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(dir, 'index.html');
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A small RGB PNG: a blue square with a red diagonal (so a preview is recognisable). */
export function makePng(size = 96) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = [0];
    for (let x = 0; x < size; x++) row.push(...(Math.abs(x - y) < 4 ? [200, 30, 30] : [30, 90, 170]));
    rows.push(Buffer.from(row));
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A tiny valid one-page PDF: a blue box with a line of text, so a rendering can be checked;
 * with `author`, an information dictionary naming it.
 */
export function makePdf({ author } = {}) {
  const content = '0.1 0.3 0.7 rg 20 20 160 40 re f 0 0 0 rg BT /F1 12 Tf 24 70 Td (Surat aduan) Tj ET';
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  if (author) objs.push(`<< /Author (${author}) /Creator (Aduan e2e) >>`);
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  const info = author ? ` /Info ${objs.length} 0 R` : '';
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R${info} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out);
}
