/** The intake form's draft, its client-side validation (mirroring the server's) and its JSON. */
import type { Channel } from './gen/Channel';
import type { Complainant } from './gen/Complainant';
import type { ComplaintInput } from './gen/ComplaintInput';
import type { LocalFile } from './desktop';
import type { Key } from './i18n';

export const CHANNELS: Channel[] = ['walk_in', 'phone', 'email', 'letter', 'web', 'other'];
const MAX_SHORT = 500;

export interface Draft {
  channel: Channel;
  anonymous: boolean;
  name: string;
  id_number: string;
  phone: string;
  email: string;
  address: string;
  description: string;
  incident_date: string;
  location: string;
  subject_agency: string;
}

export type FieldName = Exclude<keyof Draft, 'channel' | 'anonymous'>;

export function emptyDraft(): Draft {
  return {
    channel: 'walk_in',
    anonymous: false,
    name: '',
    id_number: '',
    phone: '',
    email: '',
    address: '',
    description: '',
    incident_date: '',
    location: '',
    subject_agency: '',
  };
}

const IDENTITY = ['name', 'id_number', 'phone', 'email', 'address'] as const;
const isIdentity = (f: FieldName): boolean => (IDENTITY as readonly string[]).includes(f);

/** The problem with one field (an i18n key), or null. `today` is `YYYY-MM-DD` in Malaysia. */
export function validateField(d: Draft, field: FieldName, today: string): Key | null {
  const v = d[field].trim();
  if (d.anonymous && isIdentity(field)) return null;
  if (field === 'description') return v ? null : 'v_required';
  if (v.length > MAX_SHORT) return 'v_too_long';
  if (field === 'email' && v && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)) return 'v_email';
  if (field === 'phone' && v && !/^[0-9 +\-()]+$/.test(v)) return 'v_phone';
  if (field === 'incident_date' && v && v > today) return 'v_future';
  return null;
}

export function validateAll(d: Draft, today: string): Partial<Record<FieldName, Key>> {
  const out: Partial<Record<FieldName, Key>> = {};
  for (const f of Object.keys(d) as (keyof Draft)[]) {
    if (f === 'channel' || f === 'anonymous') continue;
    const e = validateField(d, f, today);
    if (e) out[f] = e;
  }
  return out;
}

/** Server field paths (`complainant.email`) to this form's field names. */
export function formField(serverField: string): FieldName | null {
  const f = serverField.replace(/^complainant\./, '');
  const names: string[] = [...IDENTITY, 'description', 'incident_date', 'location', 'subject_agency'];
  return names.includes(f) ? (f as FieldName) : null;
}

const opt = (s: string) => (s.trim() ? s.trim() : undefined);

/** The `ComplaintInput` for the draft; an anonymous complaint carries no identity fields. */
export function toInput(d: Draft): ComplaintInput {
  const input: ComplaintInput = { channel: d.channel, description: d.description.trim(), anonymous: d.anonymous };
  if (!d.anonymous) {
    const c: Complainant = {};
    for (const f of IDENTITY) {
      const v = opt(d[f]);
      if (v) c[f] = v;
    }
    if (Object.keys(c).length) input.complainant = c;
  }
  const date = opt(d.incident_date);
  if (date) input.incident_date = date;
  const loc = opt(d.location);
  if (loc) input.location = loc;
  const agency = opt(d.subject_agency);
  if (agency) input.subject_agency = agency;
  return input;
}

/** Bytes of each file already sent, derived from the one request's overall progress. */
export function perFileProgress(sizes: number[], loaded: number, total: number): number[] {
  // The JSON part and multipart framing come first and are small: spread the overhead.
  const overhead = Math.max(0, total - sizes.reduce((a, b) => a + b, 0));
  let left = Math.max(0, loaded - overhead);
  return sizes.map((s) => {
    const sent = Math.min(s, left);
    left -= sent;
    return sent;
  });
}

/** A UUID v4; `crypto.randomUUID` exists only in secure contexts (not plain http on a LAN). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A chosen attachment: a browser `File`, or in the desktop app a file on disk that the
 * Rust core reads and uploads itself (so large files never pass through the page).
 */
export type Attachment = File | LocalFile;

export const isLocalFile = (a: Attachment): a is LocalFile => !(a instanceof Blob) && typeof a.handle === 'string';

/** The content type to show an icon for (the server sniffs the real one). */
export function attachmentType(a: Attachment): string {
  return a.type;
}
