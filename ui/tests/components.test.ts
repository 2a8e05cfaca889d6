import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import StatusChip from '../src/components/StatusChip.svelte';
import Intake from '../src/screens/Intake.svelte';
import { resetIntake } from '../src/lib/draft.svelte';
import { setLang } from '../src/lib/state.svelte';

beforeEach(() => {
  setLang('en');
  resetIntake();
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
