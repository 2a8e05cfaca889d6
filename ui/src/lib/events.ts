/**
 * Live updates over Server-Sent Events. EventSource cannot send the bearer token, so each
 * connection first gets a one-time ticket; after an error it reconnects with a fresh
 * ticket and `last_event_id`, so the server replays what was missed.
 *
 * The kinds and their data are the server's own types (`gen/Event`). {@link READERS} has
 * one entry per {@link EventKind}: a kind added on the server does not type-check here
 * until it is read, and consumers that switch on complaint kinds end in {@link unhandled}.
 */
import { eventTicket, eventsUrl } from './api';
import type { CaseEvent } from './gen/CaseEvent';
import type { ComplaintEvent } from './gen/ComplaintEvent';
import type { Event } from './gen/Event';
import type { EventKind } from './gen/EventKind';
import type { MessageEvent as ThreadMessageEvent } from './gen/MessageEvent';
import type { ProcessingStatsEvent } from './gen/ProcessingStatsEvent';

export type { Event, EventKind };
export type ConnState = 'live' | 'reconnecting' | 'offline';

/** The data an event of kind `K` carries. */
export type EventData<K extends EventKind> = Extract<Event, { kind: K }>['data'];
/** An event about one complaint (created, status changed, enriched, corrected). */
export type ComplaintStreamEvent = Extract<Event, { data: ComplaintEvent }>;
export type ComplaintKind = ComplaintStreamEvent['kind'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function complaintData(v: unknown): ComplaintEvent | null {
  return isObj(v) && isStr(v['complaint_id']) && isStr(v['status']) ? (v as ComplaintEvent) : null;
}

function caseData(v: unknown): CaseEvent | null {
  if (!isObj(v) || !isStr(v['case_id']) || typeof v['version'] !== 'number') return null;
  return Array.isArray(v['changes']) ? (v as CaseEvent) : null;
}

function messageData(v: unknown): ThreadMessageEvent | null {
  return isObj(v) && isStr(v['complaint_id']) && isStr(v['from']) ? (v as ThreadMessageEvent) : null;
}

function statsData(v: unknown): ProcessingStatsEvent | null {
  if (!isObj(v) || !isStr(v['at']) || !isObj(v['stats'])) return null;
  const s = v['stats'];
  return isObj(s['queue']) && isObj(s['workers']) && isObj(s['latency_ms']) && isObj(s['instance_counters'])
    ? (v as ProcessingStatsEvent)
    : null;
}

/**
 * Every kind the stream sends, with the check its data must pass (a malformed event is
 * skipped). The stream listens to exactly these keys.
 */
const READERS: { [K in EventKind]: (data: unknown) => EventData<K> | null } = {
  'complaint.created': complaintData,
  'complaint.status_changed': complaintData,
  'complaint.enriched': complaintData,
  'complaint.corrected': complaintData,
  'case.updated': caseData,
  'processing.stats': statsData,
  'complaint.message': messageData,
};

export const EVENT_KINDS = Object.keys(READERS) as EventKind[];
const COMPLAINT_KINDS = new Set<EventKind>(EVENT_KINDS.filter((k) => READERS[k] === complaintData));

export const isComplaintEvent = (e: Event): e is ComplaintStreamEvent => COMPLAINT_KINDS.has(e.kind);

/** The typed event for `kind` and its raw JSON text, or null when the data is malformed. */
export function readEvent(kind: EventKind, json: string): Event | null {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  const data = READERS[kind](raw);
  // The reader for `kind` returned that kind's data, so the pair is one member of `Event`.
  return data ? ({ kind, data } as Event) : null;
}

/**
 * The end of an exhaustive `switch` on an event's kind: `e` is `never` once every kind is
 * handled, so a new kind fails the type check there. At run time it does nothing.
 */
export function unhandled(e: never): void {
  void e;
}

/** After this many failed attempts in a row the dot says offline (retries go on). */
const OFFLINE_AFTER = 3;

export class EventStream {
  private es: EventSource | null = null;
  private lastId: string | null = null;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly onEvent: (e: Event) => void,
    private readonly onState: (s: ConnState) => void,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.es?.close();
    this.es = null;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let ticket: string;
    try {
      ticket = (await eventTicket()).ticket;
    } catch {
      this.retry();
      return;
    }
    if (this.stopped) return;
    const es = new EventSource(eventsUrl(ticket, this.lastId));
    this.es = es;
    es.onopen = () => {
      this.failures = 0;
      this.onState('live');
    };
    es.onerror = () => {
      // The ticket was single-use: never let EventSource retry by itself.
      es.close();
      if (this.es === es) this.retry();
    };
    for (const kind of EVENT_KINDS) {
      es.addEventListener(kind, (m: MessageEvent<string>) => {
        if (m.lastEventId) this.lastId = m.lastEventId;
        // A malformed event is skipped; the next one still counts.
        const e = readEvent(kind, m.data);
        if (e) this.onEvent(e);
      });
    }
  }

  private retry(): void {
    if (this.stopped) return;
    this.failures += 1;
    this.onState(this.failures >= OFFLINE_AFTER ? 'offline' : 'reconnecting');
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(this.failures - 1, 5));
    this.timer = setTimeout(() => void this.connect(), delay);
  }
}

type Listener = (e: Event) => void;
const byKind = new Map<EventKind, Set<Listener>>();
const complaintListeners = new Set<(e: ComplaintStreamEvent) => void>();

function subscribe<T>(set: Set<T>, f: T): () => void {
  set.add(f);
  return () => void set.delete(f);
}

/** Listen to one kind; `f` gets that kind's typed data. Returns the unsubscribe. */
export function onEvent<K extends EventKind>(kind: K, f: (data: EventData<K>) => void): () => void {
  const set = byKind.get(kind) ?? new Set<Listener>();
  byKind.set(kind, set);
  // Only events of `kind` reach this set (see publish), so their data is `EventData<K>`.
  return subscribe(set, (e) => f(e.data as EventData<K>));
}

/** Listen to every complaint kind; returns the unsubscribe. */
export function onComplaintEvent(f: (e: ComplaintStreamEvent) => void): () => void {
  return subscribe(complaintListeners, f);
}

/** Hand an event to its listeners (the app's one {@link EventStream} calls this). */
export function publish(e: Event): void {
  for (const f of byKind.get(e.kind) ?? []) f(e);
  if (isComplaintEvent(e)) for (const f of complaintListeners) f(e);
}
