import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EVENT_KINDS,
  EventStream,
  onComplaintEvent,
  onEvent,
  publish,
  readEvent,
  type ConnState,
  type Event,
  type EventKind,
} from '../src/lib/events';
import type { ProcessingStatus } from '../src/lib/gen/ProcessingStatus';

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

const AT = '2026-11-01T00:00:00Z';
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
    const events: Event[] = [];
    const states: ConnState[] = [];
    const s = new EventStream((e) => events.push(e), (st) => states.push(st));
    s.start();
    await vi.waitFor(() => expect(FakeSource.all).toHaveLength(1));
    const first = FakeSource.all[0]!;
    expect(first.url).toBe('/api/v1/events?ticket=t1');
    first.onopen?.();
    const data = { id: 'c1', complaint_id: 'c1', status: 'processing', at: AT };
    first.emit('complaint.status_changed', '41', data);
    expect(events).toEqual([{ kind: 'complaint.status_changed', data }]);

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

const complaintData = (status: 'queued' | 'enriched' = 'enriched') => ({ id: 'c1', complaint_id: 'c1', status, at: AT });
const caseData = { id: 'k1', case_id: 'k1', reference: 'KES-2026-000001', version: 3, changes: ['status'], by: 'u1', at: AT };
const stats: ProcessingStatus = {
  queue: { queued: 7, running: 2, retrying: 1, failed: 3, oldest_queued_age_s: 40 },
  workers: { limit: 16, adaptive_limit: 12, in_flight: 2, paused: false, provider: 'builtin' },
  throughput_per_min: 30,
  latency_ms: { p50: 800, p95: 2500 },
  eta_s_for_new_complaint: 20,
  instance_counters: { succeeded: 5, failed: 1, retries: 0, rate_limited: 0, timeouts: 0 },
};

describe('event kinds', () => {
  it('the stream listens to every kind the server sends, and to no other', async () => {
    // A Record over the generated union: this list is complete or the file does not compile.
    const all: Record<EventKind, true> = {
      'complaint.created': true,
      'complaint.status_changed': true,
      'complaint.enriched': true,
      'complaint.corrected': true,
      'case.updated': true,
      'processing.stats': true,
      'complaint.message': true,
    };
    expect([...EVENT_KINDS].sort()).toEqual(Object.keys(all).sort());
    const s = new EventStream(() => {}, () => {});
    s.start();
    await vi.waitFor(() => expect(FakeSource.all).toHaveLength(1));
    expect([...FakeSource.all[0]!.listeners.keys()].sort()).toEqual(Object.keys(all).sort());
    s.stop();
  });

  it('an officer correction arrives as its own kind, not as a new analysis', async () => {
    const events: Event[] = [];
    const s = new EventStream((e) => events.push(e), () => {});
    s.start();
    await vi.waitFor(() => expect(FakeSource.all).toHaveLength(1));
    FakeSource.all[0]!.emit('complaint.corrected', '9', complaintData());
    expect(events.map((e) => e.kind)).toEqual(['complaint.corrected']);
    s.stop();
  });

  it('skips an event whose data does not fit its kind', async () => {
    const events: Event[] = [];
    const s = new EventStream((e) => events.push(e), () => {});
    s.start();
    await vi.waitFor(() => expect(FakeSource.all).toHaveLength(1));
    const src = FakeSource.all[0]!;
    src.emit('case.updated', '1', { id: 'k1' });
    src.emit('processing.stats', '2', { at: AT });
    src.emit('complaint.enriched', '3', { id: 'c1' });
    src.emit('complaint.enriched', '4', complaintData());
    expect(events.map((e) => e.kind)).toEqual(['complaint.enriched']);
    s.stop();
  });

  it('reads processing stats out of the event and refuses junk', () => {
    expect(readEvent('processing.stats', JSON.stringify({ at: AT, stats }))).toEqual({ kind: 'processing.stats', data: { at: AT, stats } });
    expect(readEvent('processing.stats', JSON.stringify({ at: AT, stats: { queue: 1 } }))).toBeNull();
    expect(readEvent('processing.stats', 'not json')).toBeNull();
  });
});

describe('dispatch by kind', () => {
  it('hands each event to the listeners of its kind, and complaint kinds to complaint listeners', () => {
    const heard: string[] = [];
    const offs = [
      onEvent('case.updated', (d) => heard.push(`case ${d.case_id} v${d.version}`)),
      onEvent('processing.stats', (d) => heard.push(`stats ${d.stats.queue.queued}`)),
      onEvent('complaint.corrected', (d) => heard.push(`corrected ${d.complaint_id}`)),
      onComplaintEvent((e) => heard.push(`complaint ${e.kind}`)),
    ];
    publish({ kind: 'complaint.created', data: complaintData('queued') });
    publish({ kind: 'complaint.enriched', data: complaintData() });
    publish({ kind: 'complaint.corrected', data: complaintData() });
    publish({ kind: 'case.updated', data: caseData });
    publish({ kind: 'processing.stats', data: { at: AT, stats } });
    expect(heard).toEqual([
      'complaint complaint.created',
      'complaint complaint.enriched',
      'corrected c1',
      'complaint complaint.corrected',
      'case k1 v3',
      'stats 7',
    ]);
    offs.forEach((off) => off());
    publish({ kind: 'case.updated', data: caseData });
    expect(heard).toHaveLength(6);
  });
});
