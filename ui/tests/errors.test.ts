// Failures that used to pass without a word: removing a saved complaint, the server
// refusing one on sending, and a saved session that cannot be resumed.
import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, describeError } from '../src/lib/api';
import { rejectionError } from '../src/lib/desktop';
import { shell } from '../src/lib/shell.svelte';
import { app, setLang } from '../src/lib/state.svelte';
import OutboxPanel from '../src/components/OutboxPanel.svelte';
import App from '../src/App.svelte';

const remove = vi.hoisted(() => vi.fn());
vi.mock('../src/lib/desktop', async (original) => ({ ...(await original<typeof import('../src/lib/desktop')>()), outboxRemove: remove }));

const queued = {
  idempotency_key: 'k-1',
  queued_at: 1_790_000_000,
  complaint: { channel: 'walk_in' as const, description: 'Pegawai meminta wang tunai.', anonymous: true },
  files: [],
};

beforeEach(() => setLang('en'));
afterEach(() => {
  vi.unstubAllGlobals();
  shell.outbox = [];
  shell.rejected = {};
  shell.sendError = null;
  app.notice = null;
  sessionStorage.clear();
  localStorage.clear();
});

describe('the outbox', () => {
  it('says so when a saved complaint could not be removed, and keeps listing it', async () => {
    remove.mockRejectedValueOnce(new ApiError(0, 'outbox', 'the outbox file could not be used: permission denied'));
    shell.outbox = [queued];
    render(OutboxPanel);
    await fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(
      'That complaint was not removed. The complaints saved on this computer could not be read or changed. Try again; if it keeps happening, call the administrator.',
    );
    expect(screen.getByText('Pegawai meminta wang tunai.')).toBeTruthy();
  });

  it("shows the server's reason beside a complaint it refused, with what to do", () => {
    const body = JSON.stringify({ code: 'file_too_large', message: '"scan.pdf" is larger than the 4 MiB allowed per file.' });
    shell.outbox = [queued];
    shell.rejected = { 'k-1': rejectionError(`the server answered 413: ${body}`) };
    render(OutboxPanel);
    expect(screen.getByRole('alert').textContent).toBe(
      'Not sent — the server refused it: "scan.pdf" is larger than the 4 MiB allowed per file. To send it, enter the complaint again as a new one, then remove this copy.',
    );
  });

  it('reads the core’s rejection reasons as errors', () => {
    const e = rejectionError('the server answered 422: {"code":"validation_failed","message":"The complaint is not valid."}');
    expect([e.status, e.code, e.message]).toEqual([422, 'validation_failed', 'The complaint is not valid.']);
    expect(describeError(rejectionError('a file could not be read: /scans/a.pdf: No such file'), 'en')).toMatch(/^A file could not be read from this computer/);
  });
});

describe('resuming a saved session', () => {
  it('says why on the sign-in screen when the session has ended', async () => {
    sessionStorage.setItem('aduan.token', 'old');
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"code":"unauthorized","message":"x"}', { status: 401 })));
    render(App);
    expect((await screen.findByRole('alert')).textContent).toBe('Your session has ended. Please sign in again.');
    screen.getByRole('button', { name: 'Sign in' });
  });

  it('says why when the server fails, instead of an empty sign-in screen', async () => {
    sessionStorage.setItem('aduan.token', 'old');
    vi.stubGlobal('fetch', vi.fn(async () => new Response('oops', { status: 500 })));
    render(App);
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Something went wrong on the server\. Try again/);
  });

  it('names an unreadable keyring in words', () => {
    expect(describeError(new ApiError(0, 'keyring', 'no secret service'), 'en')).toBe(
      'The sign-in saved on this computer could not be read. Please sign in again; if this keeps happening, call the administrator.',
    );
  });
});
