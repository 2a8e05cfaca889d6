/** The capacity planner's call, and how its figures are said. */
import { query, request } from './api';
import type { CapacityQuery } from './gen/CapacityQuery';
import type { CapacityReport } from './gen/CapacityReport';

/** `GET /admin/capacity`; fields left out mean "as today". */
export async function getCapacity(q: CapacityQuery): Promise<CapacityReport> {
  const params: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(q)) params[k] = v === undefined || v === null ? undefined : String(v);
  return (await request<CapacityReport>('GET', `/admin/capacity${query(params)}`)).data;
}

/** A duration as a person says it: `0.4 s`, `12 s`, `4 min`, `2.5 h`, `3 days`. */
export function sayDuration(s: number): string {
  if (s < 10) return `${(Math.round(s * 10) / 10).toString()} s`;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${(Math.round((s / 3600) * 10) / 10).toString()} h`;
  return `${(Math.round((s / 86_400) * 10) / 10).toString()} days`;
}

/** A rate or count with the digits worth reading: `340`, `12,000`, `2.5`, `0.07`. */
export function sayAmount(x: number): string {
  if (x >= 100) {
    const unit = 10 ** (Math.floor(Math.log10(x)) - 1);
    return (Math.round(x / unit) * unit).toLocaleString('en-MY');
  }
  if (x >= 10) return Math.round(x).toString();
  if (x >= 1) return (Math.round(x * 10) / 10).toString();
  return (Math.round(x * 100) / 100).toString();
}

/** A number field's value as an optional number: empty → undefined, junk → NaN. */
export function optionalNumber(v: number | string | null | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return v;
  return v.trim() === '' ? undefined : Number(v);
}
