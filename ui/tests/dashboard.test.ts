import { fireEvent, render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fileName } from '../src/lib/download';
import { keyLabel, lastDays, niceMax, rows, shortLabel, tickIndexes } from '../src/lib/dashboard';
import { setLang } from '../src/lib/state.svelte';
import BarChart from '../src/components/BarChart.svelte';
import DayChart from '../src/components/DayChart.svelte';

beforeEach(() => setLang('en'));

describe('chart data', () => {
  it('labels codes from the taxonomy in either language, and unknown in words', () => {
    expect(keyLabel('category', 'solicit_accept_bribe', 'ms')).toBe('Meminta/menerima suapan');
    expect(keyLabel('sector', 'public', 'en')).toBe('Public sector');
    expect(keyLabel('status', 'failed', 'en')).toBe('Failed');
    expect(keyLabel('channel', 'walk_in', 'ms')).toBe('Hadir sendiri');
    expect(keyLabel('act', 'akta_694', 'en')).not.toBe('akta_694');
    expect(keyLabel('state', 'Selangor', 'en')).toBe('Selangor');
    expect(keyLabel('state', 'unknown', 'ms')).toBe('Tidak diketahui');
  });
  it('drops a trailing explanation in brackets', () => expect(shortLabel('Public sector (ministries)')).toBe('Public sector'));
  it('keeps the largest rows and sums the tail into Other', () => {
    const counts = ['a', 'b', 'c', 'd'].map((key, i) => ({ key, count: 10 - i }));
    const r = rows(counts, 'state', 'en', 34, 3);
    expect(r.map((x) => [x.label, x.count])).toEqual([
      ['a', 10],
      ['b', 9],
      ['Other', 15],
    ]);
    expect(r[0]!.share).toBeCloseTo(10 / 34);
    expect(rows(counts, 'state', 'en', 34, 4)).toHaveLength(4);
  });
  it('picks day ticks that always include the last day', () => {
    expect(tickIndexes(30, 8)).toEqual([1, 5, 9, 13, 17, 21, 25, 29]);
    expect(tickIndexes(3, 8)).toEqual([0, 1, 2]);
    expect(tickIndexes(0)).toEqual([]);
  });
  it('rounds an axis up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 3, 7, 13, 48, 120, 501].map(niceMax)).toEqual([1, 3, 10, 20, 50, 200, 1000]);
  });
  it('counts back whole days in Malaysian time', () => {
    // 20:00 UTC on 1 Dec is already 2 Dec in Malaysia.
    expect(lastDays(7, new Date('2026-12-01T20:00:00Z'))).toEqual({ from: '2026-11-26', to: '2026-12-02' });
  });
});

describe('charts have a table fallback', () => {
  it('BarChart switches to a table with the same figures', async () => {
    render(BarChart, { id: 'c', title: 'By state', rows: [{ key: 'Johor', label: 'Johor', count: 4, share: 0.5 }] });
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe('By state: Johor 4');
    await fireEvent.click(screen.getByRole('button', { name: 'Show table' }));
    const row = screen.getByRole('row', { name: /Johor/ });
    expect(row.textContent).toContain('4');
    expect(row.textContent).toContain('50%');
  });
  it('DayChart draws one column group per day and tabulates them', async () => {
    const days = [
      { day: '2026-11-01', received: 3, enriched: 2, failed: 1 },
      { day: '2026-11-02', received: 0, enriched: 0, failed: 0 },
    ];
    const { container } = render(DayChart, { days });
    expect(container.querySelectorAll('svg g')).toHaveLength(2);
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe('3 complaints over 2 days');
    await fireEvent.click(screen.getByRole('button', { name: 'Show table' }));
    expect(screen.getAllByRole('row')).toHaveLength(3);
  });
});

describe('tables export as CSV', () => {
  it('a chart offers its export only when given one, and asks for it on click', async () => {
    const row = { key: 'Johor', label: 'Johor', count: 4, share: 0.5 };
    const { unmount } = render(BarChart, { id: 'a', title: 'By state', rows: [row] });
    expect(screen.queryByRole('button', { name: 'Export CSV' })).toBeNull();
    unmount();
    const onExport = vi.fn();
    render(BarChart, { id: 'b', title: 'By state', rows: [row], onExport });
    await fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(onExport).toHaveBeenCalledOnce();
  });
  it('the per-day chart too', async () => {
    const onExport = vi.fn();
    render(DayChart, { days: [{ day: '2026-11-01', received: 1, enriched: 1, failed: 0 }], onExport });
    await fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(onExport).toHaveBeenCalledOnce();
  });
  it('saves under the name the server gives', () => {
    expect(fileName('attachment; filename="aduan-dashboard-state-2026-11-05-2026-12-04.csv"')).toBe(
      'aduan-dashboard-state-2026-11-05-2026-12-04.csv',
    );
    expect(fileName('attachment')).toBeNull();
    expect(fileName(null)).toBeNull();
  });
});

describe('string tables of Cases, Dashboard and Admin', () => {
  it('do not share keys (a later table would silently win) and say everything in both languages', async () => {
    const { ADMIN_STRINGS } = await import('../src/lib/strings/admin');
    const { CASE_STRINGS } = await import('../src/lib/strings/cases');
    const { DASHBOARD_STRINGS } = await import('../src/lib/strings/dashboard');
    const tables = [ADMIN_STRINGS, CASE_STRINGS, DASHBOARD_STRINGS].map((t) => Object.entries(t));
    const keys = tables.flat().map(([k]) => k);
    expect(new Set(keys).size).toBe(keys.length);
    for (const [k, [ms, en]] of tables.flat()) expect(ms && en, k).toBeTruthy();
  });
});

describe('coalesce', () => {
  it('runs once per burst and is not postponed by a steady stream', async () => {
    const { vi } = await import('vitest');
    const { coalesce } = await import('../src/lib/coalesce');
    vi.useFakeTimers();
    let runs = 0;
    const c = coalesce(() => runs++, 1000);
    for (let i = 0; i < 25; i++) {
      c.trigger();
      vi.advanceTimersByTime(100);
    }
    expect(runs).toBe(2);
    c.trigger();
    c.cancel();
    vi.advanceTimersByTime(5000);
    expect(runs).toBe(2);
    vi.useRealTimers();
  });
});
