/** The analytics dashboard: its call, and shaping its counts into labelled chart rows. */
import { lastWriteAt, query, request } from './api';
import { todayInMalaysia } from './format';
import type { Dashboard } from './gen/Dashboard';
import type { DayCount } from './gen/DayCount';
import type { KeyCount } from './gen/KeyCount';
import { translate, hasKey, type Lang } from './i18n';
import { categoryLabel, legalLabel, sectorLabel } from './taxonomy';

let fetchedAt = 0;

/**
 * `from`/`to` are `YYYY-MM-DD`, both inclusive (as the server takes them). The server may
 * answer up to a second behind the latest change; after one of this user's own changes it
 * is asked for the latest, so the user sees what they just did.
 */
export const getDashboard = async (from?: string, to?: string) => {
  const own = lastWriteAt() >= fetchedAt;
  fetchedAt = Date.now();
  const headers: Record<string, string> = own ? { 'Cache-Control': 'no-cache' } : {};
  return (await request<Dashboard>('GET', `/analytics/dashboard${query({ from, to })}`, undefined, headers)).data;
};

export type Dimension = 'status' | 'category' | 'sector' | 'act' | 'channel' | 'state';

/** One bar: the label shown, the code it stands for, the count and its share of the total. */
export interface Row {
  key: string;
  label: string;
  count: number;
  share: number;
}

/** Chart labels drop the taxonomy's parenthetical explanations ("Public sector (…)"). */
export const shortLabel = (s: string) => s.replace(/\s*\([^)]*\)\s*$/, '');

/** The label of one code of a dimension, in `lang`; `unknown` is said in words. */
export function keyLabel(dim: Dimension, key: string, lang: Lang): string {
  if (key === 'unknown') return translate(lang, 'dash_unknown');
  switch (dim) {
    case 'category':
      return shortLabel(categoryLabel(key, lang));
    case 'sector':
      return shortLabel(sectorLabel(key, lang));
    case 'act':
      return legalLabel(key, '').act;
    case 'status':
    case 'channel': {
      const k = `${dim === 'status' ? 'st' : 'ch'}_${key}`;
      return hasKey(k) ? translate(lang, k) : key;
    }
    default:
      return key;
  }
}

/**
 * Labelled rows, largest first as the server sent them; beyond `max` rows the rest are
 * summed into one "Other" row so long tails do not crowd the chart.
 */
export function rows(counts: KeyCount[], dim: Dimension, lang: Lang, total: number, max = 12): Row[] {
  const share = (n: number) => (total > 0 ? n / total : 0);
  const head = counts.slice(0, counts.length > max ? max - 1 : max);
  const out = head.map((c) => ({ key: c.key, label: keyLabel(dim, c.key, lang), count: c.count, share: share(c.count) }));
  const rest = counts.slice(head.length).reduce((n, c) => n + c.count, 0);
  if (counts.length > head.length) out.push({ key: '_other', label: translate(lang, 'dash_other'), count: rest, share: share(rest) });
  return out;
}

/** Indexes of the day labels to print under a day chart: about `want`, always the last. */
export function tickIndexes(n: number, want = 8): number[] {
  if (n <= 0) return [];
  const step = Math.max(1, Math.ceil(n / want));
  const out: number[] = [];
  for (let i = (n - 1) % step; i < n; i += step) out.push(i);
  return out;
}

/** A "nice" top for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (max <= 5) return Math.max(1, Math.ceil(max));
  const p = 10 ** Math.floor(Math.log10(max));
  const m = [1, 2, 5, 10].find((k) => k * p >= max) ?? 10;
  return m * p;
}

/** The last `days` days up to today in Malaysia, both inclusive. */
export function lastDays(days: number, now: Date = new Date()): { from: string; to: string } {
  const to = todayInMalaysia(now);
  const d = new Date(`${to}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - (days - 1));
  return { from: d.toISOString().slice(0, 10), to };
}

/** The biggest received count in a series (for the chart's scale). */
export const peak = (days: DayCount[]) => days.reduce((m, d) => Math.max(m, d.received), 0);
