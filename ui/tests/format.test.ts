import { describe, expect, it } from 'vitest';
import { formatAmount, formatBytes, formatDateTime, formatDuration, nextDay, relativeTime, todayInMalaysia } from '../src/lib/format';

describe('formatAmount', () => {
  it('writes ringgit with two decimals and thousands separators', () => {
    expect(formatAmount(5000)).toBe('RM 5,000.00');
    expect(formatAmount(2_000_000, 'MYR')).toBe('RM 2,000,000.00');
    expect(formatAmount(0.5)).toBe('RM 0.50');
    expect(formatAmount(-12.345)).toBe('-RM 12.35');
  });
  it('keeps other currencies as their ISO code', () => {
    expect(formatAmount(100, 'USD')).toBe('USD 100.00');
  });
});

describe('Malaysian time', () => {
  it('shows instants in UTC+8', () => {
    // 16:30 UTC is 00:30 the next day in Kuala Lumpur.
    expect(formatDateTime('2026-01-31T16:30:00Z', 'en')).toMatch(/01 Feb 2026.*00:30 MYT/);
  });
  it('knows the Malaysian date near midnight UTC', () => {
    expect(todayInMalaysia(new Date('2026-03-01T17:00:00Z'))).toBe('2026-03-02');
  });
  it('turns an inclusive "to" day into the next day', () => {
    expect(nextDay('2026-02-28')).toBe('2026-03-01');
    expect(nextDay('2024-12-31')).toBe('2025-01-01');
  });
});

describe('relativeTime', () => {
  const now = Date.parse('2026-05-01T12:00:00Z');
  it('says just now under a minute', () => {
    expect(relativeTime('2026-05-01T11:59:40Z', 'en', now)).toBe('just now');
    expect(relativeTime('2026-05-01T11:59:40Z', 'ms', now)).toBe('baru sahaja');
  });
  it('uses minutes, hours and days', () => {
    expect(relativeTime('2026-05-01T11:57:00Z', 'en', now)).toBe('3 min. ago');
    expect(relativeTime('2026-05-01T09:00:00Z', 'en', now)).toBe('3 hr. ago');
    expect(relativeTime('2026-04-29T12:00:00Z', 'en', now)).toBe('2 days ago');
  });
  it('returns unparsable input unchanged', () => {
    expect(relativeTime('not a date', 'en', now)).toBe('not a date');
  });
});

describe('sizes and durations', () => {
  it('formats bytes in binary units, the ones the limits are stated in', () => {
    expect(formatBytes(12)).toBe('12 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(100 * 1024 * 1024)).toBe('100 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
  it('formats durations', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(180)).toBe('3 min');
    expect(formatDuration(3900)).toBe('1 h 5 min');
  });
});
