/**
 * The server's intake limits (largest file, largest submission, most files), read once
 * per session so the form states them before an upload. When the server cannot be asked
 * (the desktop app offline), the copy last read from the same server is used and the form
 * says when it was read; with no copy the limits are unknown: the form says so, refuses
 * nothing itself, and the server checks when the complaint is sent.
 */
import * as api from './api';
import { formatDateTime, formatLimit } from './format';
import type { IntakeLimits } from './gen/IntakeLimits';
import { translate, type Lang } from './i18n';
import type { Attachment } from './intake';

const KEY = 'aduan.intake_limits';

/** Limits as known here: read from the server just now, or this computer's saved copy. */
export interface KnownLimits {
  limits: IntakeLimits;
  /** When the server last stated them (ISO). */
  readAt: string;
  /** True when the server could not be asked and the saved copy is used. */
  saved: boolean;
}

export const intakeLimits = $state<{ known: KnownLimits | null }>({ known: null });

interface Stored {
  server: string;
  limits: IntakeLimits;
  readAt: string;
}

/** The copy saved for `server`, if any (another server's limits say nothing about this one). */
export function savedLimits(server: string): KnownLimits | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Stored | null;
    if (!s || s.server !== server || typeof s.limits?.max_file_bytes !== 'number') return null;
    return { limits: s.limits, readAt: s.readAt, saved: true };
  } catch {
    return null;
  }
}

/** Ask the server (after sign-in, when back online, after a refusal); else use the saved copy. */
export async function loadLimits(): Promise<void> {
  const server = api.serverUrl();
  try {
    const limits = await api.intakeLimits();
    const readAt = new Date().toISOString();
    localStorage.setItem(KEY, JSON.stringify({ server, limits, readAt } satisfies Stored));
    intakeLimits.known = { limits, readAt, saved: false };
  } catch {
    intakeLimits.known = savedLimits(server);
  }
}

/** The line under "Attachments" stating the limits, or saying they are not known. */
export function limitsHint(known: KnownLimits | null, lang: Lang): string {
  if (!known) return translate(lang, 'attach_hint_unknown');
  const l = known.limits;
  const hint = translate(lang, 'attach_hint', {
    file: formatLimit(l.max_file_bytes),
    total: formatLimit(l.max_request_bytes),
    n: l.max_files,
  });
  return known.saved ? `${hint} ${translate(lang, 'attach_hint_saved', { date: formatDateTime(known.readAt, lang) })}` : hint;
}

/** Why a chosen file was not attached. */
export type Refusal =
  | { kind: 'too_big'; name: string }
  | { kind: 'over_total'; name: string }
  | { kind: 'too_many'; names: string[] };

/**
 * Which of `added` may join `current` under `limits`, in order, and why the others may
 * not. With no known limits every file is accepted (the server has the last word).
 */
export function checkFiles(
  current: readonly Attachment[],
  added: readonly Attachment[],
  limits: IntakeLimits | null,
): { accepted: Attachment[]; refused: Refusal[] } {
  if (!limits) return { accepted: [...added], refused: [] };
  const accepted: Attachment[] = [];
  const refused: Refusal[] = [];
  const over: string[] = [];
  let count = current.length;
  let total = current.reduce((a, f) => a + f.size, 0);
  for (const f of added) {
    if (f.size > limits.max_file_bytes) refused.push({ kind: 'too_big', name: f.name });
    else if (count >= limits.max_files) over.push(f.name);
    else if (total + f.size > limits.max_request_bytes) refused.push({ kind: 'over_total', name: f.name });
    else {
      accepted.push(f);
      count += 1;
      total += f.size;
    }
  }
  if (over.length) refused.push({ kind: 'too_many', names: over });
  return { accepted, refused };
}

/** A refusal as a sentence for the clerk, with what to do instead. */
export function describeRefusal(r: Refusal, limits: IntakeLimits, lang: Lang): string {
  switch (r.kind) {
    case 'too_big':
      return translate(lang, 'file_too_big', { name: r.name, max: formatLimit(limits.max_file_bytes) });
    case 'over_total':
      return translate(lang, 'file_over_total', { name: r.name, max: formatLimit(limits.max_request_bytes) });
    case 'too_many':
      return translate(lang, 'files_too_many', { n: limits.max_files, count: r.names.length, names: r.names.join(', ') });
  }
}
