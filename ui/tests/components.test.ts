import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import ComplaintDetailPane from '../src/components/ComplaintDetail.svelte';
import ProcessingBadge from '../src/components/ProcessingBadge.svelte';
import StatusChip from '../src/components/StatusChip.svelte';
import Intake from '../src/screens/Intake.svelte';
import { resetIntake } from '../src/lib/draft.svelte';
import { publish } from '../src/lib/events';
import type { ComplaintDetail } from '../src/lib/gen/ComplaintDetail';
import { intakeLimits } from '../src/lib/limits.svelte';
import { app, setLang } from '../src/lib/state.svelte';

const MIB = 1024 * 1024;

beforeEach(() => {
  setLang('en');
  resetIntake();
  intakeLimits.known = null;
});
afterEach(() => {
  vi.unstubAllGlobals();
  app.user = null;
});

describe('StatusChip', () => {
  it('says the status in words, not only in colour', () => {
    render(StatusChip, { status: 'failed' });
    const chip = screen.getByText('Failed');
    expect(chip.dataset['status']).toBe('failed');
    expect(chip.classList.contains('failed')).toBe(true);
  });
  it('follows the language', async () => {
    render(StatusChip, { status: 'needs_review' });
    expect(screen.getByText('Needs review')).toBeTruthy();
    setLang('ms');
    await tick();
    expect(screen.getByText('Perlu semakan')).toBeTruthy();
  });
});

describe('Intake form', () => {
  it('validates a field when it loses focus', async () => {
    render(Intake);
    const email = screen.getByLabelText('E-mail');
    await fireEvent.input(email, { target: { value: 'siti@' } });
    await fireEvent.blur(email);
    expect(screen.getByText('This is not an e-mail address.')).toBeTruthy();
    expect(email.getAttribute('aria-invalid')).toBe('true');
    await fireEvent.input(email, { target: { value: 'siti@example.my' } });
    await fireEvent.blur(email);
    expect(screen.queryByText('This is not an e-mail address.')).toBeNull();
  });

  it('refuses to send without a description and puts the focus there', async () => {
    render(Intake);
    await fireEvent.click(screen.getByRole('button', { name: 'Submit complaint' }));
    const description = screen.getByLabelText(/Description of the complaint/);
    expect(screen.getByText('This field is required.')).toBeTruthy();
    expect(document.activeElement).toBe(description);
  });

  it('hides the identity fields for an anonymous complainant', async () => {
    render(Intake);
    expect(screen.queryByLabelText('Name')).not.toBeNull();
    await fireEvent.click(screen.getByLabelText('Anonymous complainant'));
    expect(screen.queryByLabelText('Name')).toBeNull();
  });

  it("states the server's limits before anything is uploaded, or that they are not known", async () => {
    intakeLimits.known = null;
    render(Intake);
    const hint = screen.getByTestId('attach-limits');
    expect(hint.textContent).toMatch(/size limits are not known because the server cannot be reached/);
    intakeLimits.known = { limits: { max_file_bytes: 4 * MIB, max_request_bytes: 10 * MIB, max_files: 5 }, readAt: '', saved: false };
    await tick();
    expect(hint.textContent).toBe('Drag files anywhere onto the form, or choose them. Limits: 4 MiB per file, 10 MiB in all, 5 files.');
  });

  it('says which files were left out, and why, when more are chosen than one complaint may carry', async () => {
    intakeLimits.known = { limits: { max_file_bytes: 4 * MIB, max_request_bytes: 10 * MIB, max_files: 2 }, readAt: '', saved: false };
    const { container } = render(Intake);
    const input = container.querySelector<HTMLInputElement>('input[type=file]')!;
    const file = (name: string, size: number) => new File([new Uint8Array(size)], name, { type: 'text/plain' });
    const chosen = [file('a.txt', 10), file('huge.txt', 5 * MIB), file('b.txt', 10), file('c.txt', 10), file('d.txt', 10)];
    Object.defineProperty(input, 'files', { value: chosen, configurable: true });
    await fireEvent.change(input);
    const alerts = screen.getAllByRole('alert').map((a) => a.textContent);
    expect(alerts).toEqual([
      'huge.txt is larger than the 4 MiB allowed per file and was not attached. Attach a smaller copy (for example a lower-resolution scan).',
      'One complaint can have at most 2 attachments, so these were not attached: c.txt, d.txt. Remove files that are not needed, or combine documents into one PDF, then add them again.',
    ]);
    expect([...container.querySelectorAll('li .name')].map((n) => n.textContent)).toEqual(['a.txt', 'b.txt']);
  });
});

describe('Complaints list, live', () => {
  const row = { id: 'c1', reference: 'ADU-2026-000001', channel: 'walk_in', status: 'queued', needs_review: false, anonymous: true, excerpt: 'Rasuah', created_at: '2026-11-01T00:00:00Z', updated_at: '2026-11-01T00:00:00Z' };
  const detail = { ...row, description: 'Rasuah', complainant: null, complainant_withheld: false, incident_date: null, location: null, subject_agency: null, created_by: null, attachments: [], history: [], last_error: null, enrichment: null, case: null };
  const news = (kind: 'complaint.status_changed' | 'complaint.enriched' | 'complaint.corrected', status: 'processing' | 'enriched') =>
    publish({ kind, data: { id: 'c1', complaint_id: 'c1', status, at: '2026-11-01T00:01:00Z' } });

  it('follows a status change in place, and re-reads the complaint after an analysis or a correction', async () => {
    const { default: Complaints } = await import('../src/screens/Complaints.svelte');
    let reviewed = false;
    const fetch = vi.fn(async (url: string) =>
      new Response(JSON.stringify(url.includes('/complaints?') ? { items: [row], next_cursor: null } : { ...detail, status: 'enriched', needs_review: reviewed })),
    );
    vi.stubGlobal('fetch', fetch);
    const { container } = render(Complaints, { selectedId: null });
    const chips = () => [...container.querySelectorAll('.row [data-status]')].map((c) => c.getAttribute('data-status'));
    await vi.waitFor(() => expect(chips()).toEqual(['queued']));

    news('complaint.status_changed', 'processing');
    await vi.waitFor(() => expect(chips()).toEqual(['processing']));
    expect(fetch).toHaveBeenCalledTimes(1);

    news('complaint.enriched', 'enriched');
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
    await vi.waitFor(() => expect(chips()).toEqual(['enriched']));

    // An officer marks it for review: the correction brings the flag without a new analysis.
    reviewed = true;
    news('complaint.corrected', 'enriched');
    await vi.waitFor(() => expect(chips()).toEqual(['enriched', 'needs_review']));
    expect(fetch).toHaveBeenCalledTimes(3);
  });
});

describe('ComplaintDetail and its case', () => {
  const complaint: ComplaintDetail = {
    id: 'c1',
    reference: 'ADU-2026-000001',
    channel: 'walk_in',
    status: 'enriched',
    needs_review: false,
    description: 'Pegawai meminta wang kopi.',
    anonymous: true,
    complainant: null,
    complainant_withheld: false,
    incident_date: null,
    location: null,
    subject_agency: null,
    created_by: null,
    created_at: '2026-11-01T00:00:00Z',
    updated_at: '2026-11-01T00:00:00Z',
    attachments: [],
    history: [],
    last_error: null,
    enrichment: null,
    case: { id: 'k7', reference: 'KES-2026-000007' },
  };

  it('links to the case instead of offering to open one, until it is unlinked', async () => {
    app.user = { id: 'u1', username: 'zul', display_name: 'Zul', role: 'officer', disabled: false, created_at: '', totp_enabled: false };
    const replies = [complaint, { ...complaint, case: null }];
    const fetch = vi.fn(async () => new Response(JSON.stringify(replies.shift())));
    vi.stubGlobal('fetch', fetch);
    render(ComplaintDetailPane, { id: 'c1', onLoaded: () => {} });
    const link = await screen.findByRole('link', { name: 'Case KES-2026-000007' });
    expect(link.getAttribute('href')).toBe('#/cases/k7');
    expect(screen.queryByRole('button', { name: 'Open case' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Reprocess' })).toBeTruthy();
    setLang('ms');
    await tick();
    expect(screen.getByRole('link', { name: 'Kes KES-2026-000007' })).toBeTruthy();
    setLang('en');

    // Another case's news leaves it alone; an unlink from its own case reloads it.
    const caseNews = (case_id: string, change: string) =>
      publish({ kind: 'case.updated', data: { id: case_id, case_id, reference: 'KES', version: 2, changes: [change], by: 'u2', at: '' } });
    caseNews('k8', 'complaint_unlinked');
    caseNews('k7', 'status');
    expect(fetch).toHaveBeenCalledTimes(1);
    caseNews('k7', 'complaint_unlinked');
    await screen.findByRole('button', { name: 'Open case' });
    expect(screen.queryByRole('link', { name: /KES-2026-000007/ })).toBeNull();
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});

describe('ProcessingBadge', () => {
  it('draws the paused sign and names it, rather than relying on a font glyph', async () => {
    const summary = { waiting: 3, in_flight: 0, paused: true, eta_s_for_new_complaint: 120 };
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(summary))));
    render(ProcessingBadge);
    const sign = await screen.findByRole('img', { name: 'Analysis paused by an administrator' });
    expect(sign.getAttribute('title')).toBe('Analysis paused by an administrator');
    expect(sign.querySelectorAll('svg rect')).toHaveLength(2);
    expect(document.body.textContent).not.toContain('\u23f8');
  });
});
