import { fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Intake from '../src/screens/Intake.svelte';
import { intake, resetIntake } from '../src/lib/draft.svelte';
import { setLang } from '../src/lib/state.svelte';

/** Records what the form sends and answers like the server would. */
class FakeXhr {
  static last: FakeXhr | null = null;
  static reply = { status: 202, body: '' };
  headers: Record<string, string> = {};
  upload = { onprogress: null as ((e: ProgressEvent) => void) | null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  status = 0;
  responseText = '';
  method = '';
  url = '';
  body: FormData | null = null;
  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(k: string, v: string): void {
    this.headers[k] = v;
  }
  getResponseHeader(): string | null {
    return null;
  }
  send(body: FormData): void {
    this.body = body;
    FakeXhr.last = this;
    queueMicrotask(() => {
      this.status = FakeXhr.reply.status;
      this.responseText = FakeXhr.reply.body;
      this.onload?.();
    });
  }
}

beforeEach(() => {
  setLang('en');
  resetIntake();
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
});
afterEach(() => vi.unstubAllGlobals());

/** jsdom's Blob has no `text()`. */
function readText(b: Blob): Promise<string> {
  return new Promise((resolve) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.readAsText(b);
  });
}

async function fillAndSend(): Promise<void> {
  render(Intake);
  await fireEvent.input(screen.getByLabelText(/Description of the complaint/), { target: { value: 'Rasuah di pejabat tanah.' } });
  await fireEvent.click(screen.getByRole('button', { name: 'Submit complaint' }));
  await vi.waitFor(() => expect(FakeXhr.last).not.toBeNull());
}

describe('submitting a complaint', () => {
  it('sends one multipart request with an Idempotency-Key, then shows the slip', async () => {
    FakeXhr.reply = {
      status: 202,
      body: JSON.stringify({ id: 'c1', reference: 'ADU-2026-000042', status: 'queued', created_at: '2026-05-01T02:00:00Z' }),
    };
    const key = intake.key;
    await fillAndSend();
    const xhr = FakeXhr.last!;
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/api/v1/complaints');
    expect(xhr.headers['Idempotency-Key']).toBe(key);
    const part = xhr.body!.get('complaint') as Blob;
    expect(JSON.parse(await readText(part))).toMatchObject({ channel: 'walk_in', description: 'Rasuah di pejabat tanah.' });
    expect(await screen.findByText('ADU-2026-000042')).toBeTruthy();
  });

  it("puts the server's 422 field messages beside the fields and keeps the key for a retry", async () => {
    FakeXhr.reply = {
      status: 422,
      body: JSON.stringify({
        code: 'validation_failed',
        message: 'The complaint is not valid: location is too long.',
        details: { fields: { location: 'is too long' } },
      }),
    };
    const key = intake.key;
    await fillAndSend();
    expect(await screen.findByText('is too long')).toBeTruthy();
    expect(screen.getByLabelText('Location').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Please correct the marked fields.')).toBeTruthy();
    expect(intake.key).toBe(key);
  });
});
