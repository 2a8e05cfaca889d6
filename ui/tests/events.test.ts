import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventStream, type ComplaintEvent, type ConnState } from '../src/lib/events';

/** A stand-in for the browser's EventSource that the test drives by hand. */
class FakeSource {
  static all: FakeSource[] = [];
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  listeners = new Map<string, (m: MessageEvent<string>) => void>();
  constructor(readonly url: string) {
    FakeSource.all.push(this);
  }
  addEventListener(kind: string, f: (m: MessageEvent<string>) => void): void {
    this.listeners.set(kind, f);
  }
  close(): void {
    this.closed = true;
  }
  emit(kind: string, id: string, data: object): void {
    this.listeners.get(kind)?.(new MessageEvent(kind, { data: JSON.stringify(data), lastEventId: id }));
  }
}

let tickets = 0;
beforeEach(() => {
  vi.useFakeTimers();
  FakeSource.all = [];
  tickets = 0;
  vi.stubGlobal('EventSource', FakeSource);
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(JSON.stringify({ ticket: `t${++tickets}`, expires_at: '' }), { status: 200 })),
  );
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('EventStream', () => {
  it('delivers events, then reconnects with a fresh ticket and the last seen id', async () => {
    const events: ComplaintEvent[] = [];
    const states: ConnState[] = [];
    const s = new EventStream((e) => events.push(e), (st) => states.push(st));
    s.start();
    await vi.waitFor(() => expect(FakeSource.all).toHaveLength(1));
    const first = FakeSource.all[0]!;
    expect(first.url).toBe('/api/v1/events?ticket=t1');
    first.onopen?.();
    first.emit('complaint.status_changed', '41', { id: 'c1', complaint_id: 'c1', status: 'processing' });
    expect(events).toEqual([{ kind: 'complaint.status_changed', id: 'c1', complaint_id: 'c1', status: 'processing' }]);

    first.onerror?.();
    expect(first.closed).toBe(true);
    expect(states).toEqual(['live', 'reconnecting']);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(FakeSource.all).toHaveLength(2));
    expect(FakeSource.all[1]!.url).toBe('/api/v1/events?ticket=t2&last_event_id=41');
    s.stop();
  });

  it('says offline after repeated failures but keeps trying', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('down'))));
    const states: ConnState[] = [];
    const s = new EventStream(() => {}, (st) => states.push(st));
    s.start();
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000);
    expect(states.slice(0, 3)).toEqual(['reconnecting', 'reconnecting', 'offline']);
    s.stop();
  });
});
