/**
 * The bridge to the desktop shell's Rust core (Tauri commands), used only when the UI runs
 * inside the Aduan desktop app. In a browser {@link isDesktop} is false and nothing here
 * is called. Command errors arrive as `{code, message, status?, details?}` and are turned
 * into {@link ApiError}s, so the UI describes them exactly as it describes HTTP errors.
 *
 * The core holds what a script in this page must not choose: the server address (fixed
 * at sign-in), the token, and the files the user picked (known here only by handle).
 */
import { Channel, invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { ApiError, toApiError as httpError, type Transport, type UploadProgress } from './api';
import { readEvent, EVENT_KINDS, type ConnState, type Event, type EventKind } from './events';
import type { ComplaintAccepted } from './gen/ComplaintAccepted';
import type { ComplaintInput } from './gen/ComplaintInput';
import type { User } from './gen/User';
import type { TotpEnrolment } from './gen/TotpEnrolment';

/** True inside the desktop app (Tauri injects its IPC object before any script runs). */
export function isDesktop(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/**
 * A file picked or dropped in the desktop app, as the core hands it out: an opaque handle,
 * good only in this run and session; the core reads the file, never the page.
 */
export interface LocalFile {
  handle: string;
  name: string;
  size: number;
  /** Guessed from the name, for the icon. */
  type: string;
}

/** A complaint kept on this computer until the server can be reached. */
export interface Queued {
  idempotency_key: string;
  /** Seconds since the Unix epoch. */
  queued_at: number;
  complaint: ComplaintInput;
  files: { name: string; size: number }[];
}

export type Submitted = { outcome: 'sent'; reply: ComplaintAccepted } | { outcome: 'queued'; item: Queued };

export interface FlushReport {
  sent: [string, ComplaintAccepted][];
  rejected: [string, string][];
  remaining: number;
}

/** A command's `{code, message, status?, details?}` as an {@link ApiError} (status 0: unreachable). */
export function toApiError(e: unknown): ApiError {
  if (e && typeof e === 'object' && 'code' in e) {
    const o = e as { code: string; message?: string; status?: number; details?: Record<string, unknown> };
    return new ApiError(o.status ?? 0, o.code, o.message ?? o.code, o.details ?? {});
  }
  return new ApiError(0, 'desktop', String(e));
}

/**
 * Why the outbox could not send one complaint, as the core reports it (`the server
 * answered 422: {body}`, `a file could not be read: …`), as an {@link ApiError}.
 */
export function rejectionError(reason: string): ApiError {
  const m = /^the server answered (\d{3}): ([\s\S]*)$/.exec(reason);
  if (m) return httpError(Number(m[1]), m[2] ?? '', null);
  if (reason.startsWith('a file could not be read')) return new ApiError(0, 'file', reason);
  return new ApiError(0, 'desktop', reason);
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toApiError(e);
  }
}

// ---- the session, kept by the core ------------------------------------------------------

/** Where and who: the token stays in the core. */
export interface SessionInfo {
  server: string;
  user: User;
  /** When this sign-in completed the account's enrolment: shown once. */
  recovery_codes?: string[];
}

/**
 * Sign in; the core refuses plain http to another computer (`insecure_server`), then
 * keeps the session in the OS keyring and starts watching the server's events.
 */
export const sessionLogin = (server: string, username: string, password: string) =>
  call<SessionInfo>('session_login', { server, username, password });
/** The second step of a sign-in, sent by the core to the password step's server. */
export const sessionSecondFactor = (challenge: string, code: string) =>
  call<SessionInfo>('session_second_factor', { challenge, code });
/** The secret to scan during a sign-in whose role requires an authenticator app. */
export const sessionEnrol = (challenge: string) => call<TotpEnrolment>('session_enrol', { challenge });
/** The keyring's session, resumed by the core; null when nobody is signed in. */
export const sessionResume = () => call<SessionInfo | null>('session_resume');
/** Sign out on the server, forget the session, its address and the chosen files. */
export const sessionLogout = () => call<void>('session_logout');

/** Whether `url` is plain http to another computer, which the core refuses. */
export function insecureServer(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return false;
  }
  if (u.protocol !== 'http:') return false;
  const host = u.hostname.toLowerCase();
  return !(host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host));
}

// ---- requests, through the core -------------------------------------------------------------

/**
 * A reply as the core frames it: 4 bytes big-endian length, that many bytes of JSON
 * `{status, etag, retry_after, content_type}`, then the body as the server sent it.
 */
export function unframe(buf: ArrayBuffer): Response {
  const n = new DataView(buf).getUint32(0);
  const head = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n))) as {
    status: number;
    etag: string | null;
    retry_after: string | null;
    content_type: string | null;
  };
  const headers = new Headers();
  if (head.etag) headers.set('ETag', head.etag);
  if (head.retry_after) headers.set('Retry-After', head.retry_after);
  if (head.content_type) headers.set('Content-Type', head.content_type);
  // A 204 (or 205, 304) may not have a body, not even an empty one.
  const empty = [204, 205, 304].includes(head.status);
  return new Response(empty ? null : buf.slice(4 + n), { status: head.status, headers });
}

/** {@link api.Transport} through the core: it adds the signed-in server and the token. */
export const coreTransport: Transport = async (method, path, headers, body) => {
  const request = { method, path, headers: Object.entries(headers), body: body ?? null };
  return unframe(await call<ArrayBuffer>('api_request', { request }));
};

// ---- the event stream, read by the core ----------------------------------------------------

type Forwarded = { type: 'event'; kind: string; data: string; id: string | null } | { type: 'state'; state: ConnState };

/** The server's events as the core's watcher forwards them; the same interface as `EventStream`. */
export class CoreEventStream {
  private unlisten: Promise<UnlistenFn> | null = null;

  constructor(
    private readonly onEvent: (e: Event) => void,
    private readonly onState: (s: ConnState) => void,
  ) {}

  start(): void {
    this.unlisten = listen<Forwarded>('server-event', ({ payload: f }) => {
      if (f.type === 'state') this.onState(f.state);
      else if ((EVENT_KINDS as string[]).includes(f.kind)) {
        const e = readEvent(f.kind as EventKind, f.data);
        if (e) this.onEvent(e);
      }
    });
    // The link may have come up before this page listened.
    void this.unlisten.then(() => call<ConnState>('connection_state')).then(this.onState, () => {});
  }

  stop(): void {
    void this.unlisten?.then((f) => f());
    this.unlisten = null;
  }
}

// ---- native notifications ---------------------------------------------------------------

export const notificationsSet = (enabled: boolean) => call<void>('notifications_set', { enabled });

/** Activating a notification: open this complaint (`null`: the list). */
export function onOpenComplaint(f: (id: string | null) => void): Promise<UnlistenFn> {
  return listen<string | null>('open-complaint', (e) => f(e.payload));
}

// ---- files and intake -----------------------------------------------------------------

/** The OS file picker, run by the core; [] when cancelled. */
export const pickFiles = () => call<LocalFile[]>('files_pick');

/**
 * Files dropped on the window: the core gives out their handles; the page's own drag
 * events only light up the drop zone. Returns the unlisten.
 */
export async function onFileDrop(hover: (over: boolean) => void, dropped: (files: LocalFile[]) => void): Promise<UnlistenFn> {
  const stopHover = await getCurrentWebview().onDragDropEvent((e) => hover(e.payload.type === 'enter' || e.payload.type === 'over'));
  const stopDrop = await listen<LocalFile[]>('files-dropped', (e) => dropped(e.payload));
  return () => {
    stopHover();
    stopDrop();
  };
}

/** Send a complaint with chosen files, or keep it in the user's outbox when the server is away. */
export function intakeSubmit(
  complaint: ComplaintInput,
  files: LocalFile[],
  idempotencyKey: string,
  onProgress: (p: UploadProgress) => void,
): Promise<Submitted> {
  const channel = new Channel<UploadProgress>();
  channel.onmessage = onProgress;
  const handles = files.map((f) => f.handle);
  return call<Submitted>('intake_submit', { complaint, files: handles, idempotencyKey, onProgress: channel });
}

// ---- the outbox ---------------------------------------------------------------------------

export const outboxList = () => call<Queued[]>('outbox_list');
export const outboxRemove = (key: string) => call<void>('outbox_remove', { key });
export const outboxFlush = () => call<FlushReport>('outbox_flush');
/** Where an older version's plain-text outbox lies, unread; null when there is none. */
export const outboxLegacy = () => call<string | null>('outbox_legacy');

// ---- managed settings and updates ------------------------------------------------------

/** What IT set for every user of this computer at install time. */
export interface Managed {
  server: string | null;
}
export const managedConfig = () => call<Managed>('managed_config');

/** A newer build the agency's server offers ("Update available: 0.2.0"). */
export interface UpdateOffer {
  version: string;
  current_version: string;
  notes: string;
  date: string | null;
}

/** How an installation ended (a refused signature is an error, `update_refused`). */
export type Installed =
  | { outcome: 'installed'; version: string }
  | { outcome: 'not_packaged'; version: string };

export interface DownloadProgress {
  downloaded: number;
  total: number | null;
}

export const updateCheck = () => call<UpdateOffer | null>('update_check');

/** Download, check the signature and install the offered update. */
export function updateInstall(onProgress: (p: DownloadProgress) => void): Promise<Installed> {
  const channel = new Channel<DownloadProgress>();
  channel.onmessage = onProgress;
  return call<Installed>('update_install', { onProgress: channel });
}

export const appRestart = () => call<void>('app_restart');
