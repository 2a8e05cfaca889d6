/** Formatting for display: money, Malaysian dates, relative times, byte sizes. */

/** Malaysia does not observe daylight saving: UTC+8 all year. */
export const MY_TZ = 'Asia/Kuala_Lumpur';

const money = new Intl.NumberFormat('en-MY', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** `RM 5,000.00`; other currencies keep their ISO code as the prefix. */
export function formatAmount(value: number, currency = 'MYR'): string {
  const prefix = currency === 'MYR' ? 'RM' : currency;
  const sign = value < 0 ? '-' : '';
  return `${sign}${prefix} ${money.format(Math.abs(value))}`;
}

/** Absolute date and time in Malaysia, e.g. `29/11/2026, 14:05`. */
export function formatDateTime(iso: string, lang: 'ms' | 'en' = 'en'): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang === 'ms' ? 'ms-MY' : 'en-GB', {
    timeZone: MY_TZ,
    day: '2-digit',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d) + ' MYT';
}

/** A calendar date (`YYYY-MM-DD`, no time) shown as `12 Jan 2025`. */
export function formatDay(day: string, lang: 'ms' | 'en' = 'en'): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return day;
  return new Intl.DateTimeFormat(lang === 'ms' ? 'ms-MY' : 'en-GB', {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  }).format(d);
}

/** Today's date in Malaysia as `YYYY-MM-DD` (for the incident date's `max`). */
export function todayInMalaysia(now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: MY_TZ }).format(now);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

/** "3 min ago" / "3 min lalu"; under a minute is "just now". */
export function relativeTime(iso: string, lang: 'ms' | 'en' = 'en', now: number = Date.now()): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const secs = Math.round((t - now) / 1000);
  const abs = Math.abs(secs);
  if (abs < 45) return lang === 'ms' ? 'baru sahaja' : 'just now';
  const rtf = new Intl.RelativeTimeFormat(lang === 'ms' ? 'ms' : 'en', { numeric: 'auto', style: 'short' });
  for (const [unit, size] of UNITS) {
    if (abs >= size || unit === 'minute') return rtf.format(Math.round(secs / size), unit);
  }
  return rtf.format(secs, 'second');
}

const KIB = 1024;
const MIB = KIB * KIB;

/** `12 B`, `820 KiB`, `1.5 MiB`: binary units, the ones the size limits are set in. */
export function formatBytes(n: number): string {
  if (n < KIB) return `${n} B`;
  const [v, unit] = n < MIB ? [n / KIB, 'KiB'] : n < MIB * KIB ? [n / MIB, 'MiB'] : [n / (MIB * KIB), 'GiB'];
  return `${v.toFixed(v < 10 ? 1 : 0)} ${unit}`;
}

/** A size limit in MiB as the server words it (`100 MiB`, `4.5 MiB`); under 0.1 MiB in KiB. */
export function formatLimit(bytes: number): string {
  const m = bytes / MIB;
  if (m < 0.1) return `${Math.floor(bytes / KIB)} KiB`;
  return Number.isInteger(m) ? `${m} MiB` : `${m.toFixed(1)} MiB`;
}

/** Seconds as a short duration: `45 s`, `3 min`, `1 h 5 min`. */
export function formatDuration(s: number): string {
  if (s < 60) return `${Math.max(0, Math.round(s))} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** The day after `YYYY-MM-DD` (an inclusive "to" date becomes the server's exclusive bound). */
export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return day;
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
