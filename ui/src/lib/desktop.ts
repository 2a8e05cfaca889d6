/**
 * The bridge to the desktop shell's Rust core (Tauri commands), used only when the UI runs
 * inside the Aduan desktop app. In a browser {@link isDesktop} is false and nothing here
 * is called. Command errors arrive as `{code, message, status?, details?}` and are turned
 * into {@link ApiError}s, so the UI describes them exactly as it describes HTTP errors.
 */
import { Channel, invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { getCurrentWebview } from '@tauri-apps/api/webview';
import { open } from '@tauri-apps/plugin-dialog';
import { ApiError, toApiError as httpError, type UploadProgress } from './api';
import type { ComplaintAccepted } from './gen/ComplaintAccepted';
import type { ComplaintInput } from './gen/ComplaintInput';

/** True inside the desktop app (Tauri injects its IPC object before any script runs). */
export function isDesktop(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/** A file picked or dropped in the desktop app: read from disk by the Rust core, never by the page. */
export interface LocalFile {
  path: string;
  name: string;
  size: number;
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

// ---- session in the OS keyring ---------------------------------------------------------

export const sessionLoad = () => call<{ server: string; token: string } | null>('session_load');
export const sessionSave = (server: string, token: string) => call<void>('session_save', { server, token });
export const sessionClear = () => call<void>('session_clear');

// ---- native notifications ---------------------------------------------------------------

export const watcherStart = (server: string, token: string) => call<void>('watcher_start', { server, token });
export const watcherStop = () => call<void>('watcher_stop');
export const notificationsSet = (enabled: boolean) => call<void>('notifications_set', { enabled });

/** Activating a notification: open this complaint (`null`: the list). */
export function onOpenComplaint(f: (id: string | null) => void): Promise<UnlistenFn> {
  return listen<string | null>('open-complaint', (e) => f(e.payload));
}

// ---- files and intake -----------------------------------------------------------------

export const filesStat = (paths: string[]) => call<LocalFile[]>('files_stat', { paths });

/** The OS file picker; [] when cancelled. */
export async function pickFiles(): Promise<LocalFile[]> {
  const picked = await open({ multiple: true, directory: false });
  if (!picked) return [];
  return filesStat(Array.isArray(picked) ? picked : [picked]);
}

/** Files dropped on the window (the shell receives them as paths); returns the unlisten. */
export function onFileDrop(hover: (over: boolean) => void, dropped: (files: LocalFile[]) => void): Promise<UnlistenFn> {
  return getCurrentWebview().onDragDropEvent((e) => {
    const p = e.payload;
    if (p.type === 'enter' || p.type === 'over') hover(true);
    else if (p.type === 'leave') hover(false);
    else if (p.type === 'drop') {
      hover(false);
      void filesStat(p.paths).then(dropped);
    }
  });
}

/** Send a complaint with files from disk, or keep it in the outbox when the server is away. */
export function intakeSubmit(
  server: string,
  token: string,
  complaint: ComplaintInput,
  files: LocalFile[],
  idempotencyKey: string,
  onProgress: (p: UploadProgress) => void,
): Promise<Submitted> {
  const channel = new Channel<UploadProgress>();
  channel.onmessage = onProgress;
  return call<Submitted>('intake_submit', { server, token, complaint, files, idempotencyKey, onProgress: channel });
}

// ---- the outbox ---------------------------------------------------------------------------

export const outboxList = () => call<Queued[]>('outbox_list');
export const outboxRemove = (key: string) => call<void>('outbox_remove', { key });
export const outboxFlush = (server: string, token: string) => call<FlushReport>('outbox_flush', { server, token });

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

export const updateCheck = (server: string, token: string) => call<UpdateOffer | null>('update_check', { server, token });

/** Download, check the signature and install the offered update. */
export function updateInstall(onProgress: (p: DownloadProgress) => void): Promise<Installed> {
  const channel = new Channel<DownloadProgress>();
  channel.onmessage = onProgress;
  return call<Installed>('update_install', { onProgress: channel });
}

export const appRestart = () => call<void>('app_restart');
