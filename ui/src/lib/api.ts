/**
 * The ONLY module that talks HTTP to the Aduan server: base URL, bearer token, and errors
 * turned into {@link ApiError} (`{status, code, message, details}`), which
 * {@link describeError} makes into a sentence a counter clerk understands. In the desktop
 * app the requests go through its core instead ({@link setTransport}): the core holds the
 * server address and the token, and the web view may not connect anywhere itself.
 */
import type { ComplaintMessage } from './gen/ComplaintMessage';
import type { MessageInput } from './gen/MessageInput';
import type { MessageThread } from './gen/MessageThread';
import type { Complainant } from './gen/Complainant';
import type { IdentityReveal } from './gen/IdentityReveal';
import type { ComplaintAccepted } from './gen/ComplaintAccepted';
import type { ComplaintDetail } from './gen/ComplaintDetail';
import type { DashboardTable } from './gen/DashboardTable';
import type { ComplaintInput } from './gen/ComplaintInput';
import type { ComplaintSummary } from './gen/ComplaintSummary';
import type { EventTicket } from './gen/EventTicket';
import type { IntakeLimits } from './gen/IntakeLimits';
import type { LoginResponse } from './gen/LoginResponse';
import type { Page } from './gen/Page';
import type { ProcessingSummary } from './gen/ProcessingSummary';
import type { EnrolRequest } from './gen/EnrolRequest';
import type { RecoveryCodes } from './gen/RecoveryCodes';
import type { SecondFactorChallenge } from './gen/SecondFactorChallenge';
import type { SecondFactorRequest } from './gen/SecondFactorRequest';
import type { TotpConfirm } from './gen/TotpConfirm';
import type { TotpEnrolment } from './gen/TotpEnrolment';
import { translate, type Key, type Lang } from './i18n';

const SERVER_KEY = 'aduan.server';
const TOKEN_KEY = 'aduan.token';

/** A failed call. `status` 0 means the server could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }

  /** `details.fields` of a 422: field path (`complainant.email`) → server message. */
  get fieldErrors(): Record<string, string> {
    const f = this.details['fields'];
    if (!f || typeof f !== 'object') return {};
    return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, String(v)]));
  }
}

/** Build an {@link ApiError} from a reply's status, body text and `Retry-After`. */
export function toApiError(status: number, body: string, retryAfter: string | null): ApiError {
  let code = `http_${status}`;
  let message = '';
  let details: Record<string, unknown> = {};
  try {
    const j: unknown = JSON.parse(body);
    if (j && typeof j === 'object') {
      const o = j as Record<string, unknown>;
      if (typeof o['code'] === 'string') code = o['code'];
      if (typeof o['message'] === 'string') message = o['message'];
      if (o['details'] && typeof o['details'] === 'object') details = o['details'] as Record<string, unknown>;
    }
  } catch {
    // A proxy's HTML error page: keep the status-derived code.
  }
  const secs = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : null;
  return new ApiError(status, code, message || `HTTP ${status}`, details, secs);
}

export const networkError = () => new ApiError(0, 'network', 'network error');

/** Which limit a 413 hit, by the server's code. */
const TOO_LARGE: Partial<Record<string, Key>> = {
  file_too_large: 'err_file_too_large',
  too_many_files: 'err_too_many_files',
  request_too_large: 'err_request_too_large',
};

/** Failures on this computer (desktop commands) that are not about the network. */
const LOCAL_ERRORS: Partial<Record<string, Key>> = {
  outbox: 'err_outbox',
  keyring: 'err_keyring',
  file: 'err_file',
  not_a_file: 'err_file',
  unknown_file: 'err_unknown_file',
  update_install: 'err_update_install',
  insecure_server: 'err_insecure_server',
  invalid_url: 'err_invalid_server',
};

/** A sentence for the user, in their language, saying what happened and what to do. */
export function describeError(e: unknown, lang: Lang): string {
  if (!(e instanceof ApiError)) return translate(lang, 'err_server');
  if (e.status === 0) return translate(lang, LOCAL_ERRORS[e.code] ?? 'err_network');
  if (e.code === 'invalid_credentials') return translate(lang, 'err_credentials');
  if (e.code === 'invalid_code') return translate(lang, 'err_code');
  if (e.code === 'challenge_expired') return translate(lang, 'err_challenge_expired');
  if (e.status === 429) {
    const mins = Math.max(1, Math.ceil((e.retryAfterS ?? 60) / 60));
    return translate(lang, 'err_too_many', { n: mins });
  }
  if (e.status === 401) return translate(lang, 'err_session');
  if (e.status === 403) return translate(lang, 'err_forbidden');
  if (e.status === 404) return translate(lang, 'err_not_found');
  if (e.status === 413) return translate(lang, TOO_LARGE[e.code] ?? 'err_too_large');
  if (e.status === 415) return translate(lang, 'err_unsupported');
  if (e.status === 422) return translate(lang, 'err_validation');
  if (e.status === 503) return translate(lang, 'err_unavailable');
  if (e.status >= 500) return translate(lang, 'err_server');
  // 400/409: the server's own message is specific and already human.
  return e.message;
}

// ---- configuration -------------------------------------------------------------------

/** The address used when the user has not entered one: see {@link setPresetServer}. */
let preset = '';

/**
 * The server's base URL without a trailing slash: the one the user entered, else the
 * preset; '' means this page's own origin.
 */
export function serverUrl(): string {
  return (localStorage.getItem(SERVER_KEY) ?? preset).replace(/\/+$/, '');
}

/**
 * The address to use when the user has entered none: in the desktop app, the one IT set
 * for the computer, else {@link DEFAULT_SERVER}. Only what differs from it is kept as the
 * user's own, so a later change of the preset reaches everyone who did not choose another.
 */
export function setPresetServer(url: string): void {
  preset = url.trim().replace(/\/+$/, '');
  if (localStorage.getItem(SERVER_KEY) === preset) localStorage.removeItem(SERVER_KEY);
}

/** The user's choice of server; '' (or the preset itself) returns to the preset. */
export function setServerUrl(url: string): void {
  const clean = url.trim().replace(/\/+$/, '');
  if (clean && clean !== preset) localStorage.setItem(SERVER_KEY, clean);
  else localStorage.removeItem(SERVER_KEY);
}

export function apiUrl(path: string): string {
  return `${serverUrl()}/api/v1${path}`;
}

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}


/** Where the desktop app connects when nobody has chosen a server yet. */
export const DEFAULT_SERVER = 'http://127.0.0.1:8080';

/** Called with every 401 outside login, so the app can return to the sign-in screen. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

// ---- requests ------------------------------------------------------------------------

/**
 * How a request for `path` (under `/api/v1`) reaches the server: the page's own `fetch`,
 * or in the desktop app its core, which adds the address and token it holds. It rejects
 * only when no reply came; an {@link ApiError} it rejects with is passed on as it is.
 */
export type Transport = (method: string, path: string, headers: Record<string, string>, body?: string) => Promise<Response>;

const fetchTransport: Transport = (method, path, headers, body) => fetch(apiUrl(path), { method, headers, body });
let transport: Transport = fetchTransport;

/** Send every request through `t` (the desktop app's core). */
export function setTransport(t: Transport): void {
  transport = t;
}

/** When this client last changed something on the server (ms since the epoch). */
let lastWrite = 0;
export const lastWriteAt = () => lastWrite;
const noteWrite = (method: string) => {
  if (method !== 'GET' && method !== 'HEAD') lastWrite = Date.now();
};

async function send(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { ...extra };
  const t = token();
  if (t) headers['Authorization'] = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await transport(method, path, headers, body === undefined ? undefined : JSON.stringify(body));
  } catch (e) {
    throw e instanceof ApiError ? e : networkError();
  }
  if (!res.ok) {
    const err = toApiError(res.status, await res.text().catch(() => ''), res.headers.get('Retry-After'));
    // A wrong password, or logging out of an already expired session, is not a lost session.
    if (res.status === 401 && !path.startsWith('/auth/')) onUnauthorized();
    throw err;
  }
  noteWrite(method);
  return res;
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await (await send(method, path, body)).json()) as T;
}

export interface ComplaintFilter {
  status?: string;
  channel?: string;
  from?: string;
  to?: string;
  q?: string;
}

/** `?a=1&b=2` from the non-empty params; '' when there are none. */
export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export async function login(username: string, password: string): Promise<LoginResponse> {
  const r = await json<LoginResponse>('POST', '/auth/login', { username, password });
  sessionStorage.setItem(TOKEN_KEY, r.token);
  return r;
}

/** The second step of a sign-in (`challenge` from a 401 `second_factor_required`). */
export async function secondFactor(challenge: string, code: string): Promise<LoginResponse> {
  const r = await json<LoginResponse>('POST', '/auth/second-factor', { challenge, code } satisfies SecondFactorRequest);
  sessionStorage.setItem(TOKEN_KEY, r.token);
  return r;
}

/** The challenge of a sign-in that needs a second factor, if `e` is that answer. */
export function secondFactorChallenge(e: unknown): SecondFactorChallenge | null {
  if (!(e instanceof ApiError) || e.code !== 'second_factor_required') return null;
  const d = e.details as Partial<SecondFactorChallenge>;
  return typeof d.challenge === 'string' ? (d as SecondFactorChallenge) : null;
}

/** A secret to scan during a sign-in whose role requires a second factor. */
export const enrolAtSignIn = (challenge: string) =>
  json<TotpEnrolment>('POST', '/auth/second-factor/enrol', { challenge } satisfies EnrolRequest);
/** Set up an authenticator app for the signed-in account. */
export const beginTotp = () => json<TotpEnrolment>('POST', '/me/totp');
export const confirmTotp = (code: string) => json<RecoveryCodes>('POST', '/me/totp/confirm', { code } satisfies TotpConfirm);

/** End the session on the server (best effort) and forget the token here. */
export async function logout(): Promise<void> {
  try {
    if (token()) await send('POST', '/auth/logout');
  } finally {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

export const hasToken = () => token() !== null;
export const me = () => json<LoginResponse['user']>('GET', '/me');

export const listComplaints = (f: ComplaintFilter, cursor?: string, limit = 50) =>
  json<Page<ComplaintSummary>>('GET', `/complaints${query({ ...f, cursor, limit: String(limit) })}`);

export const getComplaint = (id: string) => json<ComplaintDetail>('GET', `/complaints/${encodeURIComponent(id)}`);

/** Reveal a withheld complainant identity, saying why (the server audits it). */
export const revealIdentity = (id: string, reason: string) =>
  json<Complainant>('POST', `/complaints/${encodeURIComponent(id)}/identity`, { reason } satisfies IdentityReveal);

export const reprocess = (id: string) => send('POST', `/complaints/${encodeURIComponent(id)}/reprocess`).then(() => {});

/** Queue depth and expected wait, for every signed-in user. */
export const processingSummary = () => json<ProcessingSummary>('GET', '/processing/summary');

/** What one submission may carry (file size, total size, file count). */
export const intakeLimits = () => json<IntakeLimits>('GET', '/intake/limits');

export const eventTicket = () => json<EventTicket>('POST', '/events/ticket');

/** The event stream's URL for a ticket, resuming after `lastEventId` if given. */
export function eventsUrl(ticket: string, lastEventId: string | null): string {
  return apiUrl(`/events${query({ ticket, last_event_id: lastEventId ?? undefined })}`);
}

/** The complaint list with these filters as CSV (every match; the server audits it). */
export const exportComplaints = (f: ComplaintFilter) => send('GET', `/complaints/export${query({ ...f })}`);

/** One dashboard table over a range as CSV (the server audits it). */
export const exportDashboardTable = (table: DashboardTable, from?: string, to?: string) =>
  send('GET', `/analytics/dashboard/export${query({ table, from, to })}`);

/** An attachment's bytes (with the bearer token, which an `<img src>` cannot send). */
export async function attachmentBlob(id: string): Promise<Blob> {
  return (await send('GET', `/attachments/${encodeURIComponent(id)}`)).blob();
}

/** The original of a reporter's file (with its metadata), for a reason the server audits. */
export async function originalBlob(copyId: string, reason: string): Promise<Blob> {
  return (await send('GET', `/attachments/${encodeURIComponent(copyId)}/original${query({ reason })}`)).blob();
}

/** The thread with a portal complaint's reporter (the case's officer and admins). */
export const complaintMessages = (id: string) =>
  json<MessageThread>('GET', `/complaints/${encodeURIComponent(id)}/messages`);

/** Write to a portal complaint's reporter. */
export const sendComplaintMessage = (id: string, text: string) =>
  json<ComplaintMessage>('POST', `/complaints/${encodeURIComponent(id)}/messages`, { text } satisfies MessageInput);

/** A safe preview: images downscaled by the server, text as UTF-8 text. */
export async function attachmentPreview(id: string): Promise<Blob> {
  return (await send('GET', `/attachments/${encodeURIComponent(id)}/preview`)).blob();
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

/**
 * Submit a complaint with files as ONE multipart request (XHR, for upload progress).
 * The same `idempotencyKey` on a retry returns the first result instead of a duplicate.
 */
export function submitComplaint(
  input: ComplaintInput,
  files: File[],
  idempotencyKey: string,
  onProgress: (p: UploadProgress) => void = () => {},
): Promise<ComplaintAccepted> {
  const form = new FormData();
  form.append('complaint', new Blob([JSON.stringify(input)], { type: 'application/json' }));
  for (const f of files) form.append('file', f, f.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl('/complaints'));
    const t = token();
    if (t) xhr.setRequestHeader('Authorization', `Bearer ${t}`);
    xhr.setRequestHeader('Idempotency-Key', idempotencyKey);
    xhr.upload.onprogress = (e) => onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : 0 });
    xhr.onerror = () => reject(networkError());
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        noteWrite('POST');
        resolve(JSON.parse(xhr.responseText) as ComplaintAccepted);
        return;
      }
      if (xhr.status === 401) onUnauthorized();
      reject(toApiError(xhr.status, xhr.responseText, xhr.getResponseHeader('Retry-After')));
    };
    xhr.send(form);
  });
}

/**
 * A JSON call for the feature modules (admin, cases, analytics): extra headers in
 * (`If-Match`), the body and the `ETag` out. An empty reply (204, 202) gives `null`.
 */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ data: T; etag: string | null }> {
  const res = await send(method, path, body, headers);
  const text = await res.text();
  const data = (text ? JSON.parse(text) : null) as T;
  return { data, etag: res.headers.get('ETag') };
}
