import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import ComplaintDetailPane from '../src/components/ComplaintDetail.svelte';
import ProcessingBadge from '../src/components/ProcessingBadge.svelte';
import StatusChip from '../src/components/StatusChip.svelte';
import Intake from '../src/screens/Intake.svelte';
import { resetIntake } from '../src/lib/draft.svelte';
import { publishOther } from '../src/lib/events';
import type { ComplaintDetail } from '../src/lib/gen/ComplaintDetail';
import { app, setLang } from '../src/lib/state.svelte';

beforeEach(() => {
  setLang('en');
  resetIntake();
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

  it('states the size limit before anything is uploaded', () => {
    render(Intake);
    expect(screen.getByText(/Limit 100 MB per file/)).toBeTruthy();
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
    app.user = { id: 'u1', username: 'zul', display_name: 'Zul', role: 'officer', disabled: false, created_at: '' };
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
    publishOther('case.updated', { case_id: 'k8', changes: ['complaint_unlinked'] });
    publishOther('case.updated', { case_id: 'k7', changes: ['status'] });
    expect(fetch).toHaveBeenCalledTimes(1);
    publishOther('case.updated', { case_id: 'k7', changes: ['complaint_unlinked'] });
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
