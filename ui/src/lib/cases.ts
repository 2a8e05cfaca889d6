/**
 * Cases: the calls (every write carries `If-Match: "<version>"`), the workflow rules the
 * screens follow, and merging related-complaint suggestions into one ranked list.
 */
import { ApiError, query, request } from './api';
import type { AssignableUser } from './gen/AssignableUser';
import type { CaseChange } from './gen/CaseChange';
import type { CaseDetail } from './gen/CaseDetail';
import type { CasePriority } from './gen/CasePriority';
import type { CaseStatus } from './gen/CaseStatus';
import type { CaseSummary } from './gen/CaseSummary';
import type { NewCase } from './gen/NewCase';
import type { Page } from './gen/Page';
import type { RelatedComplaint } from './gen/RelatedComplaint';
import type { RelatedReason } from './gen/RelatedReason';
import type { UserRef } from './gen/UserRef';

export const STATUSES: CaseStatus[] = ['evaluation', 'investigation', 'referred', 'nfa', 'closed'];
export const PRIORITIES: CasePriority[] = ['urgent', 'high', 'normal', 'low'];

/** Decisions that end or hand off the agency's work must say why (as the server checks). */
export const needsReason = (to: CaseStatus) => to === 'referred' || to === 'nfa' || to === 'closed';

/** What the list asks for; `assignee` is `me`, `none` or a user id. */
export interface CaseFilter {
  status?: string;
  priority?: string;
  assignee?: string;
  overdue?: boolean;
  /** A portal complaint's reporter wrote last and waits for an answer. */
  reporterWaiting?: boolean;
  q?: string;
}

export function casesQuery(f: CaseFilter, cursor?: string, limit = 100): string {
  return query({
    status: f.status,
    priority: f.priority,
    assignee: f.assignee,
    overdue: f.overdue ? 'true' : undefined,
    reporter_waiting: f.reporterWaiting ? 'true' : undefined,
    q: f.q?.trim(),
    cursor,
    limit: String(limit),
  });
}

const path = (id: string) => `/cases/${encodeURIComponent(id)}`;
const ifMatch = (version: number) => ({ 'If-Match': `"${version}"` });

export const listCases = async (f: CaseFilter, cursor?: string) =>
  (await request<Page<CaseSummary>>('GET', `/cases${casesQuery(f, cursor)}`)).data;
export const getCase = async (id: string) => (await request<CaseDetail>('GET', path(id))).data;
export const createCase = async (c: NewCase) => (await request<CaseDetail>('POST', '/cases', c)).data;
export const changeCase = async (id: string, version: number, c: CaseChange) =>
  (await request<CaseDetail>('PATCH', path(id), c, ifMatch(version))).data;
export const addNote = async (id: string, version: number, body: string) =>
  (await request<CaseDetail>('POST', `${path(id)}/notes`, { body }, ifMatch(version))).data;
export const linkComplaint = async (id: string, version: number, complaintId: string) =>
  (await request<CaseDetail>('PUT', `${path(id)}/complaints/${encodeURIComponent(complaintId)}`, undefined, ifMatch(version))).data;
export const unlinkComplaint = async (id: string, version: number, complaintId: string) =>
  (await request<CaseDetail>('DELETE', `${path(id)}/complaints/${encodeURIComponent(complaintId)}`, undefined, ifMatch(version))).data;
/** Whom a case may be assigned to: the active officers and admins, by name (officers may ask). */
export const assignableUsers = async () => (await request<AssignableUser[]>('GET', '/users/assignable')).data;
export const relatedTo = async (complaintId: string) =>
  (await request<RelatedComplaint[]>('GET', `/complaints/${encodeURIComponent(complaintId)}/related`)).data;

/** Someone else wrote the case since it was read (`412 version_conflict`). */
export const isConflict = (e: unknown) => e instanceof ApiError && (e.status === 412 || e.code === 'version_conflict');

/** A suggestion for a case: related to one or more of its complaints. */
export interface Suggestion extends RelatedComplaint {
  /** References of the case's complaints it is related to. */
  via: string[];
}

/**
 * One ranked list from the related lists of each linked complaint: complaints already in
 * the case are left out; one related to several linked complaints adds up its scores (it
 * ties the case together better) and keeps each distinct reason once.
 */
export function mergeRelated(lists: { reference: string; related: RelatedComplaint[] }[], linked: Set<string>): Suggestion[] {
  const byId = new Map<string, Suggestion>();
  for (const { reference, related } of lists) {
    for (const r of related) {
      if (linked.has(r.complaint.id)) continue;
      const seen = byId.get(r.complaint.id);
      if (!seen) {
        const reasons: RelatedReason[] = [];
        for (const reason of r.reasons) addReason(reasons, reason);
        byId.set(r.complaint.id, { ...r, reasons, via: [reference] });
        continue;
      }
      seen.score += r.score;
      if (!seen.via.includes(reference)) seen.via.push(reference);
      for (const reason of r.reasons) addReason(seen.reasons, reason);
    }
  }
  return [...byId.values()].sort(
    (a, b) => b.score - a.score || b.complaint.created_at.localeCompare(a.complaint.created_at),
  );
}

/**
 * Add a reason once: shared wording is one reason whose terms are the union of all
 * (each linked complaint shares a few different words); other kinds once per value.
 */
function addReason(into: RelatedReason[], r: RelatedReason): void {
  const same = into.find((x) => x.kind === r.kind && (r.kind === 'text' || x.value === r.value));
  if (!same) {
    into.push({ ...r });
  } else if (r.kind === 'text') {
    const terms = new Set([...same.value.split(', '), ...r.value.split(', ')].filter(Boolean));
    same.value = [...terms].join(', ');
    same.weight = Math.max(same.weight, r.weight);
  }
}

/** Board columns: the cases of each status, in workflow order. */
export function byStatus(cases: CaseSummary[]): Record<CaseStatus, CaseSummary[]> {
  const out = Object.fromEntries(STATUSES.map((s) => [s, [] as CaseSummary[]])) as Record<CaseStatus, CaseSummary[]>;
  for (const c of cases) out[c.status].push(c);
  return out;
}

/** One entry of the assignee picker. */
export interface AssigneeChoice {
  id: string;
  label: string;
}

/**
 * The assignee picker's entries: the assignable people in the server's order (by name),
 * a display name two people share told apart by the username, and the current assignee
 * kept (first) when no longer assignable (a disabled account) so the picker still shows
 * who has the case.
 */
export function assigneeChoices(users: AssignableUser[], current: UserRef | null): AssigneeChoice[] {
  const uses = new Map<string, number>();
  for (const u of users) uses.set(u.display_name, (uses.get(u.display_name) ?? 0) + 1);
  const out = users.map((u) => ({
    id: u.id,
    label: (uses.get(u.display_name) ?? 0) > 1 ? `${u.display_name} (${u.username})` : u.display_name,
  }));
  if (current && !out.some((c) => c.id === current.id)) out.unshift({ id: current.id, label: current.name });
  return out;
}
