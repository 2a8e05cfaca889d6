import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/lib/api';
import { assigneeChoices, byStatus, casesQuery, changeCase, isConflict, mergeRelated, needsReason } from '../src/lib/cases';
import { app, setLang } from '../src/lib/state.svelte';
import AssigneePicker from '../src/components/AssigneePicker.svelte';
import CasePane from '../src/components/CasePane.svelte';
import ReasonDialog from '../src/components/ReasonDialog.svelte';
import type { AssignableUser } from '../src/lib/gen/AssignableUser';
import type { CaseDetail } from '../src/lib/gen/CaseDetail';
import type { CaseSummary } from '../src/lib/gen/CaseSummary';
import type { ComplaintSummary } from '../src/lib/gen/ComplaintSummary';
import type { RelatedComplaint } from '../src/lib/gen/RelatedComplaint';

const complaint = (id: string, reference: string, created_at = '2026-11-01T00:00:00Z'): ComplaintSummary => ({
  id,
  reference,
  channel: 'walk_in',
  status: 'enriched',
  needs_review: false,
  excerpt: `complaint ${reference}`,
  anonymous: false,
  created_at,
  updated_at: created_at,
});

const summary: CaseSummary = {
  id: 'k1',
  reference: 'KES-2026-000001',
  title: 'JPJ Shah Alam — cash for licences',
  status: 'evaluation',
  priority: 'normal',
  assignee: null,
  complaint_count: 1,
  created_at: '2026-11-01T00:00:00Z',
  updated_at: '2026-11-01T00:00:00Z',
  last_action_at: '2026-11-01T00:00:00Z',
  received_at: '2026-11-01T00:00:00Z',
  age_days: 3,
  idle_days: 1,
  overdue: false,
  reporter_waiting: false,
  reporter_unanswered: false,
  version: 4,
};
const detail: CaseDetail = {
  ...summary,
  complaints: [complaint('c1', 'ADU-2026-1')],
  notes: [],
  timeline: [{ id: 1, at: '2026-11-01T00:00:00Z', who: { id: 'u1', name: 'Aminah' }, what: { kind: 'created', title: 'x', priority: 'normal' } }],
  allowed_transitions: ['investigation', 'referred', 'nfa'],
};

afterEach(() => vi.unstubAllGlobals());
beforeEach(() => setLang('en'));

describe('workflow rules', () => {
  it('asks a reason for referral, NFA and closing only', () => {
    expect(['evaluation', 'investigation', 'referred', 'nfa', 'closed'].filter((s) => needsReason(s as never))).toEqual(['referred', 'nfa', 'closed']);
  });
  it('recognises a version conflict', () => {
    expect(isConflict(new ApiError(412, 'version_conflict', 'stale'))).toBe(true);
    expect(isConflict(new ApiError(409, 'invalid_transition', 'no'))).toBe(false);
  });
  it('puts cases in board columns by status', () => {
    const cols = byStatus([summary, { ...summary, id: 'k2', status: 'closed' }]);
    expect(cols.evaluation.map((c) => c.id)).toEqual(['k1']);
    expect(cols.closed.map((c) => c.id)).toEqual(['k2']);
    expect(cols.investigation).toEqual([]);
  });
  it('builds the list query from the filters', () => {
    expect(casesQuery({ assignee: 'me', overdue: true, status: '', q: ' jpj ' })).toBe('?assignee=me&overdue=true&q=jpj&limit=100');
  });
  it('offers the assignable people in order, tells a shared name apart and keeps the current one', () => {
    const users: AssignableUser[] = [
      { id: '1', display_name: 'Aminah', username: 'aminah', role: 'officer' },
      { id: '2', display_name: 'Siti', username: 'siti.a', role: 'admin' },
      { id: '3', display_name: 'Siti', username: 'siti.b', role: 'officer' },
    ];
    expect(assigneeChoices(users, { id: '2', name: 'Siti' }).map((c) => c.label)).toEqual(['Aminah', 'Siti (siti.a)', 'Siti (siti.b)']);
    // A disabled account still holding the case is shown, first.
    expect(assigneeChoices(users.slice(0, 1), { id: '9', name: 'Zul' })).toEqual([
      { id: '9', label: 'Zul' },
      { id: '1', label: 'Aminah' },
    ]);
    expect(assigneeChoices([], null)).toEqual([]);
  });
});

describe('related suggestions', () => {
  const rel = (id: string, score: number, kind: 'person' | 'amount', value: string): RelatedComplaint => ({
    complaint: complaint(id, `ADU-${id}`),
    score,
    reasons: [{ kind, value, weight: score }],
    case: null,
  });
  it('merges the lists, adds up scores, keeps reasons once and leaves out linked complaints', () => {
    const merged = mergeRelated(
      [
        { reference: 'ADU-a', related: [rel('x', 1, 'person', 'ahmad'), rel('y', 2.5, 'amount', 'MYR 5000'), rel('b', 9, 'person', 'p')] },
        { reference: 'ADU-b', related: [rel('x', 2, 'person', 'ahmad'), rel('x', 0, 'amount', 'MYR 10')] },
      ],
      new Set(['a', 'b']),
    );
    expect(merged.map((s) => [s.complaint.id, s.score])).toEqual([
      ['x', 3],
      ['y', 2.5],
    ]);
    expect(merged[0]!.via).toEqual(['ADU-a', 'ADU-b']);
    expect(merged[0]!.reasons.map((r) => r.value)).toEqual(['ahmad', 'MYR 10']);
  });
  it('shows shared wording as one reason with the union of the terms', () => {
    const text = (value: string): RelatedComplaint => ({
      complaint: complaint('x', 'ADU-x'),
      score: 1,
      reasons: [{ kind: 'text', value, weight: 1 }],
      case: null,
    });
    const merged = mergeRelated(
      [
        { reference: 'ADU-a', related: [text('permit, klang')] },
        { reference: 'ADU-b', related: [text('klang, tunai')] },
      ],
      new Set(),
    );
    expect(merged[0]!.reasons).toEqual([{ kind: 'text', value: 'permit, klang, tunai', weight: 1 }]);
  });
});

describe('changeCase', () => {
  it('sends the version it read as If-Match', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify(detail), { headers: { ETag: '"5"' } }));
    vi.stubGlobal('fetch', fetch);
    await changeCase('k1', 4, { status: 'investigation' });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/cases/k1');
    expect(init.method).toBe('PATCH');
    expect((init.headers as Record<string, string>)['If-Match']).toBe('"4"');
  });
});

describe('ReasonDialog', () => {
  it('refuses an empty reason for NFA and sends a given one', async () => {
    const submitted: (string | null)[] = [];
    render(ReasonDialog, { to: 'nfa', busy: false, onSubmit: (r: string | null) => submitted.push(r), onCancel: () => {} });
    await fireEvent.click(screen.getByRole('button', { name: 'Move to No further action' }));
    expect(screen.getByText('This field is required.')).toBeTruthy();
    expect(submitted).toEqual([]);
    await fireEvent.input(screen.getByLabelText(/Reason/), { target: { value: ' no evidence ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Move to No further action' }));
    expect(submitted).toEqual(['no evidence']);
  });
  it('Esc cancels', async () => {
    let cancelled = false;
    render(ReasonDialog, { to: 'closed', busy: false, onSubmit: () => {}, onCancel: () => (cancelled = true) });
    await fireEvent.keyDown(screen.getByLabelText(/Reason/), { key: 'Escape' });
    expect(cancelled).toBe(true);
  });
});

describe('CasePane', () => {
  it('on a version conflict reloads the case and says so', async () => {
    app.user = { id: 'u1', username: 'aminah', display_name: 'Aminah', role: 'officer', disabled: false, created_at: '', totp_enabled: false };
    let reads = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        if (url.includes('/related') || url.endsWith('/users/assignable')) return new Response('[]');
        if (init.method === 'PATCH') {
          return new Response(JSON.stringify({ code: 'version_conflict', message: 'stale' }), { status: 412 });
        }
        reads++;
        const v = reads === 1 ? detail : { ...detail, version: 5, status: 'investigation', allowed_transitions: ['referred', 'nfa', 'closed'] };
        return new Response(JSON.stringify(v));
      }),
    );
    render(CasePane, { id: 'k1', onLoaded: () => {} });
    await fireEvent.click(await screen.findByRole('button', { name: 'Investigation' }));
    await screen.findByText('Someone else changed this case — reloaded. Check it and try again.');
    expect(reads).toBe(2);
    expect(document.querySelector('[data-version]')?.getAttribute('data-version')).toBe('5');
    app.user = null;
  });
});

describe('AssigneePicker', () => {
  const people: AssignableUser[] = [
    { id: 'u2', display_name: 'Aminah', username: 'aminah', role: 'admin' },
    { id: 'u1', display_name: 'Zul', username: 'zul', role: 'officer' },
  ];
  const optionTexts = () => Array.from(document.querySelectorAll('#assignee option')).map((o) => o.textContent);

  it('offers the assignable officers and admins to an officer, and snaps back when refused', async () => {
    app.user = { id: 'u1', username: 'zul', display_name: 'Zul', role: 'officer', disabled: false, created_at: '', totp_enabled: false };
    const fetch = vi.fn(async () => new Response(JSON.stringify(people)));
    vi.stubGlobal('fetch', fetch);
    const picks: (string | null)[] = [];
    let reply = 'refused';
    render(AssigneePicker, {
      current: { id: 'u9', name: 'Bakar' },
      disabled: false,
      onPick: async (id: string | null) => (picks.push(id), reply),
    });
    await vi.waitFor(() => expect(optionTexts()).toEqual(['Unassigned', 'Bakar', 'Aminah', 'Zul']));
    expect((fetch.mock.calls[0] as unknown as [string])[0]).toBe('/api/v1/users/assignable');
    const select = screen.getByRole('combobox') as HTMLSelectElement;
    expect(select.value).toBe('u9');
    expect(screen.queryByText(/user id/i)).toBeNull();
    await fireEvent.change(select, { target: { value: 'u2' } });
    await vi.waitFor(() => expect(select.value).toBe('u9'));
    reply = '';
    await fireEvent.change(select, { target: { value: '' } });
    expect(picks).toEqual(['u2', null]);
    app.user = null;
  });

  it('says so when the list cannot be loaded, and still shows the assignee', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ code: 'unavailable', message: 'x' }), { status: 503 })));
    render(AssigneePicker, { current: { id: 'u1', name: 'Zul' }, disabled: false, onPick: async () => '' });
    await screen.findByText(/The list of officers could not be loaded/);
    expect(optionTexts()).toEqual(['Unassigned', 'Zul']);
    expect((screen.getByRole('combobox') as HTMLSelectElement).value).toBe('u1');
  });
});

describe('CaseTitle', () => {
  it('renames in place, refuses an empty title and keeps editing when the save fails', async () => {
    const { default: CaseTitle } = await import('../src/components/CaseTitle.svelte');
    const sent: string[] = [];
    let reply = 'Someone else changed this case';
    render(CaseTitle, { title: 'Old', editable: true, busy: false, onRename: async (t: string) => (sent.push(t), reply) });
    await fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    const input = screen.getByLabelText('Title');
    await fireEvent.input(input, { target: { value: '  ' } });
    expect(screen.getByText('This field is required.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(input, { target: { value: 'New title ' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(sent).toEqual(['New title']);
    expect(screen.getByLabelText('Title')).toBeTruthy();
    reply = '';
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await vi.waitFor(() => expect(screen.queryByLabelText('Title')).toBeNull());
  });
});

describe('choosing complaints for a case', () => {
  it('ticking a row does not open it, and only officers get the boxes', async () => {
    const { default: ComplaintList } = await import('../src/components/ComplaintList.svelte');
    const ticked: string[] = [];
    const opened: string[] = [];
    const props = {
      items: [complaint('c1', 'ADU-2026-1')],
      selectedId: null,
      loading: false,
      hasMore: false,
      filtered: false,
      onSelect: (id: string) => opened.push(id),
      onMore: () => {},
    };
    const { unmount } = render(ComplaintList, { ...props, checked: new Set<string>(), onCheck: (id: string) => ticked.push(id) });
    await fireEvent.click(screen.getByRole('checkbox', { name: 'Select ADU-2026-1' }));
    expect(ticked).toEqual(['c1']);
    expect(opened).toEqual([]);
    unmount();
    render(ComplaintList, props);
    expect(screen.queryByRole('checkbox')).toBeNull();
  });
});
