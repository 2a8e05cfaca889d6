/**
 * Live updates over Server-Sent Events. EventSource cannot send the bearer token, so each
 * connection first gets a one-time ticket; after an error it reconnects with a fresh
 * ticket and `last_event_id`, so the server replays what was missed.
 */
import { eventTicket, eventsUrl } from './api';

export type ConnState = 'live' | 'reconnecting' | 'offline';

/** The JSON of a complaint event (`complaint.created`, `.status_changed`, `.enriched`). */
export interface ComplaintEvent {
  kind: string;
  id: string;
  complaint_id?: string;
  reference?: string;
  status?: string;
  detail?: string | null;
  at?: string;
}

const KINDS = ['complaint.created', 'complaint.status_changed', 'complaint.enriched'];
/** Events that are not about one complaint; they go to {@link onStreamEvent} listeners. */
const OTHER_KINDS = ['case.updated', 'processing.stats'] as const;
export type OtherKind = (typeof OTHER_KINDS)[number];
/** After this many failed attempts in a row the dot says offline (retries go on). */
const OFFLINE_AFTER = 3;

export class EventStream {
  private es: EventSource | null = null;
  private lastId: string | null = null;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(
    private readonly onEvent: (e: ComplaintEvent) => void,
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
    for (const kind of OTHER_KINDS) {
      es.addEventListener(kind, (m: MessageEvent<string>) => {
        if (m.lastEventId) this.lastId = m.lastEventId;
        try {
          publishOther(kind, JSON.parse(m.data) as Record<string, unknown>);
        } catch {
          // As below: skip a malformed event.
        }
      });
    }
    for (const kind of KINDS) {
      es.addEventListener(kind, (m: MessageEvent<string>) => {
        if (m.lastEventId) this.lastId = m.lastEventId;
        try {
          const data = JSON.parse(m.data) as Omit<ComplaintEvent, 'kind'>;
          this.onEvent({ ...data, kind });
        } catch {
          // A malformed event is skipped; the next one still counts.
        }
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

type Listener = (e: ComplaintEvent) => void;
const listeners = new Set<Listener>();

/** Listen to complaint events; returns the unsubscribe function. */
export function onComplaintEvent(f: Listener): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** Hand an event to every listener (the app's one {@link EventStream} calls this). */
export function publish(e: ComplaintEvent): void {
  for (const f of listeners) f(e);
}

type OtherListener = (data: Record<string, unknown>) => void;
const others = new Map<OtherKind, Set<OtherListener>>();

/** Listen to `case.updated` or `processing.stats` (admins only); returns the unsubscribe. */
export function onStreamEvent(kind: OtherKind, f: OtherListener): () => void {
  const set = others.get(kind) ?? new Set();
  others.set(kind, set);
  set.add(f);
  return () => set.delete(f);
}

/** Hand a non-complaint event to its listeners. */
export function publishOther(kind: OtherKind, data: Record<string, unknown>): void {
  for (const f of others.get(kind) ?? []) f(data);
}
