/**
 * What the desktop app adds to a session: the server address IT set for the computer,
 * sign-in through the Rust core (which keeps the address and token, and the session in the
 * OS keyring), its notification watcher, the user's offline outbox with its automatic
 * sending, and updates from the server. In a browser these fall back to the page's own
 * requests or do nothing, so the web UI behaves as before.
 */
import * as api from './api';
import * as desktop from './desktop';
import type { User } from './gen/User';
import type { TotpEnrolment } from './gen/TotpEnrolment';
import { startUpdateChecks, stopUpdateChecks } from './update.svelte';

const NOTIFY_KEY = 'aduan.notify';
const USER_KEY = 'aduan.user';
const NOTICE_KEY = 'aduan.notice';
/** How often to retry sending the outbox while something waits in it. */
const RETRY_MS = 20_000;

export const shell = $state({
  /** Complaints saved on this computer, oldest first. */
  outbox: [] as desktop.Queued[],
  /** The user's setting: a native notification when their complaint finishes. */
  notify: localStorage.getItem(NOTIFY_KEY) !== 'off',
  /** What the last outbox send did, for the pending list ("ADU-… sent"). */
  lastSent: [] as string[],
  /** Why the last send of the outbox failed as a whole (its file, the address), or null. */
  sendError: null as unknown,
  /** Complaints the server refused on the last send, by idempotency key: they stay queued. */
  rejected: {} as Record<string, api.ApiError>,
  /** The server address IT set for every user of this computer, if any. */
  managedServer: null as string | null,
  /** Where an older version left a plain-text outbox, unread (an administrator may inspect it). */
  legacyOutbox: null as string | null,
});

// In the desktop app every request goes through the core (see api.setTransport).
if (desktop.isDesktop()) api.setTransport(desktop.coreTransport);

let timer: ReturnType<typeof setInterval> | null = null;
/** The user the core resumed with, for a start while the server is away. */
let resumed: User | null = null;

/**
 * Desktop: have the core resume the keyring's session before the app checks it. Returns
 * whether there is a session to try; a keyring that cannot be read, or a saved address the
 * core now refuses, throws, so the sign-in screen can say why it was not resumed.
 */
export async function restoreSession(): Promise<boolean> {
  if (!desktop.isDesktop()) return api.hasToken();
  await presetServer();
  const saved = await desktop.sessionResume();
  if (!saved) return false;
  api.setServerUrl(saved.server);
  resumed = saved.user;
  return true;
}

/**
 * Sign in to `server` (the field on the sign-in screen; empty: the preset). In the desktop
 * app the core signs in and keeps the address; the page never sees the token.
 */
export async function signIn(server: string, username: string, password: string): Promise<SignedIn> {
  api.setServerUrl(server);
  if (!desktop.isDesktop()) return api.login(username, password);
  return desktop.sessionLogin(api.serverUrl(), username, password);
}

/** A completed sign-in: the user, and the recovery codes when it completed an enrolment. */
export interface SignedIn {
  user: User;
  recovery_codes?: string[];
}

/** The second step of a sign-in (`challenge` from a 401 `second_factor_required`). */
export async function signInSecondFactor(challenge: string, code: string): Promise<SignedIn> {
  if (!desktop.isDesktop()) return api.secondFactor(challenge, code);
  return desktop.sessionSecondFactor(challenge, code);
}

/** The secret to scan when the account must set up an authenticator app to sign in. */
export function enrolAtSignIn(challenge: string): Promise<TotpEnrolment> {
  return desktop.isDesktop() ? desktop.sessionEnrol(challenge) : api.enrolAtSignIn(challenge);
}

/**
 * The address used until the user enters another: the one IT set for the computer at
 * install time, else {@link api.DEFAULT_SERVER}. A settings file IT got wrong is logged and
 * passed over, so the user can still enter the address.
 */
async function presetServer(): Promise<void> {
  const managed = await desktop.managedConfig().catch((e: unknown) => {
    console.warn('managed settings', e);
    return { server: null };
  });
  shell.managedServer = managed.server;
  api.setPresetServer(managed.server ?? api.DEFAULT_SERVER);
}

/**
 * The signed-in user for a restored session: asked of the server, or, when the server
 * cannot be reached, the user remembered at sign-in, so intake keeps working offline.
 */
export async function resumeUser(): Promise<User> {
  try {
    return await api.me();
  } catch (e) {
    const cached = localStorage.getItem(USER_KEY);
    const known = resumed ?? (cached ? (JSON.parse(cached) as User) : null);
    if (e instanceof api.ApiError && e.status === 0 && known) return known;
    // The core resumed a session the server no longer accepts: end it there too.
    if (desktop.isDesktop()) {
      keepNotice(e);
      await sessionEnded();
    }
    throw e;
  }
}

/**
 * Keep why the session ended for the sign-in screen: in the desktop app signing out
 * reloads the page (so no script in it outlives the session), and this survives that.
 */
export function keepNotice(e: unknown): void {
  if (desktop.isDesktop() && e instanceof api.ApiError) sessionStorage.setItem(NOTICE_KEY, JSON.stringify([e.status, e.code, e.message]));
}

/** The notice kept by {@link keepNotice}, once. */
export function takeNotice(): api.ApiError | null {
  const kept = sessionStorage.getItem(NOTICE_KEY);
  sessionStorage.removeItem(NOTICE_KEY);
  if (!kept) return null;
  const [status, code, message] = JSON.parse(kept) as [number, string, string];
  return new api.ApiError(status, code, message);
}

/** A session has begun (sign-in or resume). */
export async function sessionStarted(user: User): Promise<void> {
  localStorage.setItem(USER_KEY, JSON.stringify(user));
  if (!desktop.isDesktop()) return;
  await desktop.notificationsSet(shell.notify).catch(() => {});
  shell.legacyOutbox = await desktop.outboxLegacy().catch(() => null);
  await refreshOutbox();
  timer ??= setInterval(() => void flushOutbox(), RETRY_MS);
  startUpdateChecks();
}

/** The session has ended (logout or expiry): forget it everywhere. */
export async function sessionEnded(): Promise<void> {
  localStorage.removeItem(USER_KEY);
  resumed = null;
  // The next user at this computer must not see this one's pending complaints.
  shell.outbox = [];
  shell.lastSent = [];
  shell.rejected = {};
  shell.sendError = null;
  shell.legacyOutbox = null;
  if (!desktop.isDesktop()) return;
  if (timer) clearInterval(timer);
  timer = null;
  stopUpdateChecks();
  await desktop.sessionLogout().catch((e) => console.warn('logout', e));
}

export async function refreshOutbox(): Promise<void> {
  if (!desktop.isDesktop()) return;
  shell.outbox = await desktop.outboxList().catch(() => shell.outbox);
  const keys = new Set(shell.outbox.map((q) => q.idempotency_key));
  shell.rejected = Object.fromEntries(Object.entries(shell.rejected).filter(([k]) => keys.has(k)));
}

let flushing = false;

/** Send what waits in the outbox (each with its own idempotency key). */
export async function flushOutbox(): Promise<void> {
  if (!desktop.isDesktop() || flushing || !shell.outbox.length) return;
  flushing = true;
  try {
    const report = await desktop.outboxFlush();
    if (report.sent.length) shell.lastSent = report.sent.map(([, reply]) => reply.reference);
    shell.rejected = Object.fromEntries(report.rejected.map(([key, why]) => [key, desktop.rejectionError(why)]));
    shell.sendError = null;
  } catch (e) {
    shell.sendError = e;
  } finally {
    flushing = false;
    await refreshOutbox();
  }
}

export async function setNotify(on: boolean): Promise<void> {
  shell.notify = on;
  localStorage.setItem(NOTIFY_KEY, on ? 'on' : 'off');
  if (desktop.isDesktop()) await desktop.notificationsSet(on).catch(() => {});
}
