import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, apiUrl, describeError, eventsUrl, listComplaints, login, setServerUrl, toApiError } from '../src/lib/api';

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
  sessionStorage.clear();
});

describe('toApiError', () => {
  it('reads code, message and field details from the error body', () => {
    const body = JSON.stringify({
      code: 'validation_failed',
      message: 'The complaint is not valid: complainant.email is not an e-mail address.',
      details: { fields: { 'complainant.email': 'is not an e-mail address' } },
    });
    const e = toApiError(422, body, null);
    expect(e.code).toBe('validation_failed');
    expect(e.fieldErrors).toEqual({ 'complainant.email': 'is not an e-mail address' });
  });
  it('survives a non-JSON body (a proxy page)', () => {
    const e = toApiError(502, '<html>Bad gateway</html>', null);
    expect(e.code).toBe('http_502');
    expect(e.fieldErrors).toEqual({});
  });
  it('keeps Retry-After seconds', () => {
    expect(toApiError(429, '{}', '600').retryAfterS).toBe(600);
    expect(toApiError(429, '{}', 'Wed, 21 Oct 2026 07:28:00 GMT').retryAfterS).toBeNull();
  });
});

describe('describeError', () => {
  it('speaks to the clerk, in their language', () => {
    expect(describeError(new ApiError(401, 'invalid_credentials', 'x'), 'en')).toBe('Wrong username or password.');
    expect(describeError(new ApiError(0, 'network', 'x'), 'en')).toMatch(/^The server cannot be reached/);
    expect(describeError(new ApiError(0, 'network', 'x'), 'ms')).toMatch(/^Pelayan tidak dapat dihubungi/);
    expect(describeError(new ApiError(503, 'database_unavailable', 'x'), 'en')).toMatch(/Nothing was saved/);
    expect(describeError(new Error('boom'), 'en')).toMatch(/^Something went wrong/);
  });
  it('rounds the login lock-out up to whole minutes', () => {
    const e = toApiError(429, '{"code":"too_many_attempts","message":"…"}', '61');
    expect(describeError(e, 'en')).toBe('Too many attempts. Wait 2 minutes and try again.');
  });
  it('passes a specific 409/400 message through', () => {
    expect(describeError(new ApiError(409, 'conflict', 'Already linked to a case.'), 'en')).toBe('Already linked to a case.');
  });
});

describe('requests', () => {
  it('uses the configured server and sends the bearer token', async () => {
    setServerUrl('http://aduan.test:8080/');
    expect(apiUrl('/me')).toBe('http://aduan.test:8080/api/v1/me');
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (url.endsWith('/auth/login')) {
        return new Response(JSON.stringify({ token: 'tok', expires_at: '', user: {} }), { status: 200 });
      }
      expect((init?.headers as Record<string, string>)['Authorization']).toBe('Bearer tok');
      return new Response(JSON.stringify({ items: [], next_cursor: null }), { status: 200 });
    });
    vi.stubGlobal('fetch', fetchMock);
    await login('intake', 'pw');
    await listComplaints({ status: 'queued', q: 'rasuah', channel: '' }, 'abc');
    const url = new URL(fetchMock.mock.calls[1]![0]);
    expect(url.pathname).toBe('/api/v1/complaints');
    expect(Object.fromEntries(url.searchParams)).toEqual({ status: 'queued', q: 'rasuah', cursor: 'abc', limit: '50' });
  });
  it('turns a refused connection into a network error', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(listComplaints({})).rejects.toMatchObject({ status: 0, code: 'network' });
  });
  it('builds the event stream URL with the ticket and the last seen id', () => {
    expect(eventsUrl('t1', '42')).toBe('/api/v1/events?ticket=t1&last_event_id=42');
    expect(eventsUrl('t1', null)).toBe('/api/v1/events?ticket=t1');
  });
});
