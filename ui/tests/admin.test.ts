import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUDIT_ACTION_LABELS, AUDIT_ACTIONS, auditQuery, checkNewUser } from '../src/lib/admin';
import { EventStream, onComplaintEvent, onEvent, publish, type ComplaintStreamEvent } from '../src/lib/events';
import type { AuditAction } from '../src/lib/gen/AuditAction';
import type { CaseEvent } from '../src/lib/gen/CaseEvent';
import { translate } from '../src/lib/i18n';
import { parseRoute, screensFor, setLang } from '../src/lib/state.svelte';
import ProcessingPanel from '../src/components/ProcessingPanel.svelte';
import type { ProcessingStatus } from '../src/lib/gen/ProcessingStatus';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('new user form checks', () => {
  const ok = { display_name: 'Siti Ahmad', username: 'siti.ahmad', role: 'officer' as const, password: 'a-long-password' };
  it('accepts a complete user', () => expect(checkNewUser(ok)).toEqual({}));
  it('names each missing or bad field', () => {
    expect(checkNewUser({ ...ok, display_name: ' ', username: 'Siti Ahmad!', password: 'short' })).toEqual({
      display_name: 'v_required',
      username: 'v_username',
      password: 'v_password_short',
    });
    expect(checkNewUser({ ...ok, username: '', password: '' })).toEqual({ username: 'v_required', password: 'v_required' });
  });
  it('lowercases the username as the server does', () => expect(checkNewUser({ ...ok, username: 'Siti.Ahmad' })).toEqual({}));
});

describe('audit query', () => {
  it('makes the inclusive last day the exclusive bound and drops empty filters', () => {
    expect(auditQuery({ action: 'user.create', from: '2026-11-01', to: '2026-11-29', target_id: '' }, 'c9')).toBe(
      '?action=user.create&from=2026-11-01&to=2026-11-30&cursor=c9&limit=50',
    );
  });
});

const stats: ProcessingStatus = {
  queue: { queued: 7, running: 2, retrying: 1, failed: 3, oldest_queued_age_s: 40 },
  workers: { limit: 16, adaptive_limit: 12, in_flight: 2, paused: false, provider: 'builtin' },
  throughput_per_min: 30,
  latency_ms: { p50: 800, p95: 2500 },
  eta_s_for_new_complaint: 20,
  instance_counters: { succeeded: 5, failed: 0, retries: 2, rate_limited: 1, timeouts: 0 },
};

describe('audit actions', () => {
  it('offers every action the server writes, each with a name in both languages', () => {
    // The server's list as of this UI; the Record in admin.ts keeps the two in step at compile time.
    const server: AuditAction[] = [
      'login.success', 'login.failure', 'logout', 'user.create', 'user.update', 'complaint.create',
      'complaint.view', 'complaint.list', 'complaint.related', 'complaint.export', 'dashboard.export', 'complainant.reveal', 'complaint.reprocess', 'enrichment.correct',
      'attachment.add', 'attachment.download', 'attachment.preview', 'processing.update', 'case.create',
      'case.view', 'case.list', 'case.update', 'case.note', 'case.link', 'case.unlink', 'desktop.publish', 'backup.create', 'backup.restore', 'storage.sweep',
      'totp.enrol', 'totp.reset', 'sign_in_policy.update',
      'message.send', 'message.receive', 'message.view', 'attachment.original',
    ];
    expect([...AUDIT_ACTIONS].sort()).toEqual([...server].sort());
    for (const a of AUDIT_ACTIONS) {
      expect(translate('en', AUDIT_ACTION_LABELS[a])).not.toBe(translate('ms', AUDIT_ACTION_LABELS[a]));
    }
    expect(translate('en', AUDIT_ACTION_LABELS['case.view'])).toBe('Case viewed');
  });
});

class FakeSource {
  static all: FakeSource[] = [];
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  listeners = new Map<string, (m: MessageEvent<string>) => void>();
  constructor(readonly url: string) {
    FakeSource.all.push(this);
  }
  addEventListener(kind: string, f: (m: MessageEvent<string>) => void): void {
    this.listeners.set(kind, f);
  }
  close(): void {}
  emit(kind: string, id: string, data: object): void {
    this.listeners.get(kind)?.(new MessageEvent(kind, { data: JSON.stringify(data), lastEventId: id }));
  }
}

function stubStream(): void {
  FakeSource.all = [];
  vi.stubGlobal('EventSource', FakeSource);
  vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ ticket: 't', expires_at: '' }))));
}

describe('event stream routing', () => {
  beforeEach(stubStream);
  it('sends case and processing events to their own listeners, not to complaint listeners', async () => {
    const complaintEvents: ComplaintStreamEvent[] = [];
    const cases: CaseEvent[] = [];
    const off = onEvent('case.updated', (d) => cases.push(d));
    const offComplaints = onComplaintEvent((e) => complaintEvents.push(e));
    const s = new EventStream(publish, () => {});
    s.start();
    await vi.waitFor(() => expect(FakeSource.all).toHaveLength(1));
    const kase = { id: 'k1', case_id: 'k1', reference: 'KES-2026-000001', version: 3, changes: ['status'], by: 'u1', at: 'x' };
    FakeSource.all[0]!.emit('case.updated', '7', kase);
    FakeSource.all[0]!.emit('processing.stats', '', { at: 'x', stats });
    expect(cases).toEqual([kase]);
    expect(complaintEvents).toEqual([]);
    off();
    FakeSource.all[0]!.emit('case.updated', '8', { ...kase, version: 4 });
    expect(cases).toHaveLength(1);
    offComplaints();
    s.stop();
  });
});

describe('routes and roles', () => {
  it('parses every screen with its id or section', () => {
    expect(parseRoute('#/cases/abc')).toEqual({ screen: 'cases', id: 'abc' });
    expect(parseRoute('#/admin/audit')).toEqual({ screen: 'admin', id: 'audit' });
    expect(parseRoute('#/dashboard')).toEqual({ screen: 'dashboard', id: null });
    expect(parseRoute('#/nowhere')).toEqual({ screen: 'intake', id: null });
  });
  it('shows each role only what it may use', () => {
    expect(screensFor('intake')).toEqual(['intake', 'complaints']);
    expect(screensFor('officer')).not.toContain('admin');
    expect(screensFor('officer')).toContain('cases');
    expect(screensFor('admin')).toContain('admin');
  });
});

describe('ProcessingPanel', () => {
  beforeEach(() => {
    setLang('en');
    stubStream();
  });
  it('shows the figures, follows live stats and sends a new bound', async () => {
    const calls: { method: string; body: unknown }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) => {
        calls.push({ method: init.method ?? 'GET', body: init.body ? JSON.parse(String(init.body)) : null });
        const body = init.method === 'PATCH' ? { ...stats, workers: { ...stats.workers, limit: 4 } } : stats;
        return new Response(JSON.stringify(body));
      }),
    );
    render(ProcessingPanel);
    await screen.findByText('Processing');
    expect((await screen.findByTestId('w-bound')).textContent).toBe('16');
    expect(screen.getByTestId('q-queued').textContent).toBe('7');
    publish({ kind: 'processing.stats', data: { at: new Date().toISOString(), stats: { ...stats, queue: { ...stats.queue, queued: 9 } } } });
    await vi.waitFor(() => expect(screen.getByTestId('q-queued').textContent).toBe('9'));
    const input = screen.getByLabelText('Concurrent worker bound (all servers)');
    await fireEvent.input(input, { target: { value: '4' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await vi.waitFor(() => expect(screen.getByTestId('w-bound').textContent).toBe('4'));
    expect(calls.at(-1)).toEqual({ method: 'PATCH', body: { concurrency: 4 } });
    await screen.findByText('Processing settings updated.');
  });
});

describe('UsersPanel', () => {
  beforeEach(() => setLang('en'));
  it('lists accounts, shows a refused change in words and puts the list back', async () => {
    const { default: UsersPanel } = await import('../src/components/UsersPanel.svelte');
    const users = [
      { id: 'a', username: 'admin', display_name: 'Pentadbir', role: 'admin', disabled: false, created_at: '2026-11-01T00:00:00Z' },
      { id: 'o', username: 'officer', display_name: 'Pegawai', role: 'officer', disabled: false, created_at: '2026-11-01T00:00:00Z' },
    ];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) =>
        init.method === 'PATCH'
          ? new Response(JSON.stringify({ code: 'conflict', message: 'That change is not allowed now.' }), { status: 409 })
          : new Response(JSON.stringify(users)),
      ),
    );
    render(UsersPanel);
    const row = (await screen.findByText('officer')).closest('tr')!;
    await fireEvent.click(row.querySelector('button')!);
    await screen.findByText('That change is not allowed now.');
    expect(row.textContent).toContain('Active');
  });
});
