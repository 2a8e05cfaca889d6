/** Admin calls (accounts, audit log, processing) and the checks the forms run before them. */
import { getComplaint, listComplaints, query, request } from './api';
import type { AuditAction } from './gen/AuditAction';
import type { AuditEntry } from './gen/AuditEntry';
import type { ComplaintDetail } from './gen/ComplaintDetail';
import type { InstanceCounters } from './gen/InstanceCounters';
import type { NewUser } from './gen/NewUser';
import type { Page } from './gen/Page';
import type { ProcessingChange } from './gen/ProcessingChange';
import type { ProcessingStatus } from './gen/ProcessingStatus';
import type { SignInPolicy } from './gen/SignInPolicy';
import type { User } from './gen/User';
import type { UserChange } from './gen/UserChange';
import { formatDuration, nextDay } from './format';
import type { Key } from './i18n';

/** The server's minimum (`auth::MIN_PASSWORD_CHARS`). */
export const MIN_PASSWORD = 10;

export const listUsers = async () => (await request<User[]>('GET', '/admin/users')).data;
export const createUser = async (u: NewUser) => (await request<User>('POST', '/admin/users', u)).data;
export const changeUser = async (id: string, c: UserChange) =>
  (await request<User>('PATCH', `/admin/users/${encodeURIComponent(id)}`, c)).data;
/** Remove a user's authenticator app and recovery codes (a lost phone). */
export const resetTotp = async (id: string) => {
  await request<null>('DELETE', `/admin/users/${encodeURIComponent(id)}/totp`);
};
export const signInPolicy = async () => (await request<SignInPolicy>('GET', '/admin/sign-in-policy')).data;
export const setSignInPolicy = async (p: SignInPolicy) =>
  (await request<SignInPolicy>('PUT', '/admin/sign-in-policy', p)).data;

/** What `GET /admin/audit` filters on; dates are `YYYY-MM-DD`, both inclusive here. */
export interface AuditFilter {
  actor_id?: string;
  action?: AuditAction | '';
  target_type?: string;
  target_id?: string;
  from?: string;
  to?: string;
}

/** The query string for an audit page: the inclusive "to" day becomes the server's exclusive bound. */
export function auditQuery(f: AuditFilter, cursor?: string, limit = 50): string {
  return query({ ...f, to: f.to ? nextDay(f.to) : undefined, cursor, limit: String(limit) });
}

export const listAudit = async (f: AuditFilter, cursor?: string) =>
  (await request<Page<AuditEntry>>('GET', `/admin/audit${auditQuery(f, cursor)}`)).data;

/**
 * Every action the server writes to the audit log, named for people. Keyed by the
 * generated `AuditAction`, so the filter offers exactly what the server accepts.
 */
export const AUDIT_ACTION_LABELS: Record<AuditAction, Key> = {
  'login.success': 'aud_a_login_success',
  'login.failure': 'aud_a_login_failure',
  logout: 'aud_a_logout',
  'user.create': 'aud_a_user_create',
  'user.update': 'aud_a_user_update',
  'complaint.create': 'aud_a_complaint_create',
  'complaint.view': 'aud_a_complaint_view',
  'complaint.list': 'aud_a_complaint_list',
  'complaint.related': 'aud_a_complaint_related',
  'complaint.export': 'aud_a_complaint_export',
  'dashboard.export': 'aud_a_dashboard_export',
  'complainant.reveal': 'aud_a_complainant_reveal',
  'complaint.reprocess': 'aud_a_complaint_reprocess',
  'enrichment.correct': 'aud_a_enrichment_correct',
  'attachment.add': 'aud_a_attachment_add',
  'attachment.download': 'aud_a_attachment_download',
  'attachment.preview': 'aud_a_attachment_preview',
  'processing.update': 'aud_a_processing_update',
  'case.create': 'aud_a_case_create',
  'case.view': 'aud_a_case_view',
  'case.list': 'aud_a_case_list',
  'case.update': 'aud_a_case_update',
  'case.note': 'aud_a_case_note',
  'case.link': 'aud_a_case_link',
  'case.unlink': 'aud_a_case_unlink',
  'desktop.publish': 'aud_a_desktop_publish',
  'backup.create': 'aud_a_backup_create',
  'backup.restore': 'aud_a_backup_restore',
  'storage.sweep': 'aud_a_storage_sweep',
  'totp.enrol': 'aud_a_totp_enrol',
  'totp.reset': 'aud_a_totp_reset',
  'sign_in_policy.update': 'aud_a_sign_in_policy_update',
  'message.send': 'aud_a_message_send',
  'message.receive': 'aud_a_message_receive',
  'message.view': 'aud_a_message_view',
  'attachment.original': 'aud_a_attachment_original',
};
export const AUDIT_ACTIONS = Object.keys(AUDIT_ACTION_LABELS) as AuditAction[];

/** This instance's counters since start, in the order an admin reads them. */
const COUNTER_LABELS: Record<keyof InstanceCounters, Key> = {
  succeeded: 'proc_c_succeeded',
  failed: 'proc_c_failed',
  retries: 'proc_c_retries',
  rate_limited: 'proc_c_rate_limited',
  timeouts: 'proc_c_timeouts',
};
export const COUNTERS = Object.entries(COUNTER_LABELS) as [keyof InstanceCounters, Key][];

export const processingStatus = async () => (await request<ProcessingStatus>('GET', '/admin/processing')).data;
export const changeProcessing = async (c: ProcessingChange) =>
  (await request<ProcessingStatus>('PATCH', '/admin/processing', c)).data;

/** Failed complaints with their last error (the list row lacks it, so each is read). */
export async function failedComplaints(limit = 50): Promise<ComplaintDetail[]> {
  const page = await listComplaints({ status: 'failed' }, undefined, limit);
  return Promise.all(page.items.map((c) => getComplaint(c.id)));
}

/** Field errors of the new-user form (empty when it may be sent). */
export function checkNewUser(u: NewUser): Partial<Record<keyof NewUser, 'v_required' | 'v_username' | 'v_password_short'>> {
  const e: Partial<Record<keyof NewUser, 'v_required' | 'v_username' | 'v_password_short'>> = {};
  if (!u.display_name.trim()) e.display_name = 'v_required';
  const name = u.username.trim().toLowerCase();
  if (!name) e.username = 'v_required';
  else if (!/^[a-z0-9._-]{2,64}$/.test(name)) e.username = 'v_username';
  if (!u.password) e.password = 'v_required';
  else if ([...u.password].length < MIN_PASSWORD) e.password = 'v_password_short';
  return e;
}

/** A latency: `820 ms` under a second, else as a duration (`3 s`, `2 min`). */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : formatDuration(ms / 1000);
}
