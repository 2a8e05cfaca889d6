/**
 * Updates of the desktop app from the agency's own server: looked for when a session
 * starts and every few hours, offered with their notes, installed only when the user says
 * so. The Rust core checks the bundle's signature against the key built into the app; a
 * bundle that does not match is refused and the user told. In a browser nothing here runs.
 */
import * as api from './api';
import * as desktop from './desktop';

const EVERY_MS = 6 * 60 * 60 * 1000;

/**
 * Where the offered update is: `offered` (waiting for the user), `downloading`, then
 * `installed` (restart to use it), `not_packaged` (verified, but this copy cannot replace
 * itself), `refused` (its signature does not match) or `failed` (network, installer).
 */
export type UpdatePhase = 'offered' | 'downloading' | 'installed' | 'not_packaged' | 'refused' | 'failed';

export const update = $state({
  offer: null as desktop.UpdateOffer | null,
  phase: 'offered' as UpdatePhase,
  progress: null as desktop.DownloadProgress | null,
  error: null as api.ApiError | null,
  /** The version the user put off with "Later": not shown again until a newer one comes. */
  dismissed: null as string | null,
});

let timer: ReturnType<typeof setInterval> | null = null;

/** Ask the server for a newer build. Quiet when there is none or the server is away. */
export async function checkForUpdate(): Promise<void> {
  if (!desktop.isDesktop() || update.phase === 'downloading') return;
  let offer: desktop.UpdateOffer | null;
  try {
    offer = await desktop.updateCheck();
  } catch (e) {
    // A build without an update key, or the server away: nothing to offer the user.
    console.warn('update check', e);
    return;
  }
  // The same version again (say, installed and waiting for a restart) keeps its state.
  if (offer && offer.version === update.offer?.version) return;
  update.offer = offer;
  update.phase = 'offered';
  update.progress = null;
  update.error = null;
}

/** A session has started: look now and every few hours. */
export function startUpdateChecks(): void {
  if (!desktop.isDesktop()) return;
  void checkForUpdate();
  timer ??= setInterval(() => void checkForUpdate(), EVERY_MS);
}

/** The session has ended: the next user's session looks again. */
export function stopUpdateChecks(): void {
  if (timer) clearInterval(timer);
  timer = null;
  update.offer = null;
  update.phase = 'offered';
  update.error = null;
}

/** The user confirmed: download, check the signature, install. */
export async function installUpdate(): Promise<void> {
  update.phase = 'downloading';
  update.progress = null;
  update.error = null;
  try {
    const done = await desktop.updateInstall((p) => (update.progress = p));
    update.phase = done.outcome;
  } catch (e) {
    const err = e instanceof api.ApiError ? e : desktop.toApiError(e);
    update.error = err;
    update.phase = err.code === 'update_refused' ? 'refused' : 'failed';
  }
}

/** "Later": hide this version until a newer one is offered. */
export function putOff(): void {
  update.dismissed = update.offer?.version ?? null;
}

/** Whether the banner shows: an offer (or its outcome) the user has not closed. */
export function updateVisible(): boolean {
  if (!update.offer) return false;
  return update.phase === 'downloading' || update.dismissed !== update.offer.version;
}

/** Downloaded share, 0–100, when the size is known. */
export function percent(p: desktop.DownloadProgress | null): number | null {
  if (!p || !p.total) return null;
  return Math.min(100, Math.round((p.downloaded / p.total) * 100));
}
