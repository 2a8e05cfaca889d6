import { afterEach, describe, expect, it } from 'vitest';
import * as api from '../src/lib/api';
import { ApiError, describeError } from '../src/lib/api';
import { insecureServer, isDesktop, toApiError, unframe } from '../src/lib/desktop';
import { attachmentType, isLocalFile } from '../src/lib/intake';
import { restoreSession, resumeUser, sessionEnded, sessionStarted, shell } from '../src/lib/shell.svelte';
import { checkForUpdate, percent, putOff, update, updateVisible } from '../src/lib/update.svelte';

describe('attachments chosen in the desktop app or the browser', () => {
  // What the core hands out: a handle, never a path.
  const local = { handle: '5f0c8e6a9b1d4c2e8f7a6b5c4d3e2f1a', name: 'Scan 01.PDF', size: 1234, type: 'application/pdf' };
  const web = new File(['x'], 'photo.jpg', { type: 'image/jpeg' });

  it('tells a file chosen in the core from a browser File', () => {
    expect(isLocalFile(local)).toBe(true);
    expect(isLocalFile(web)).toBe(false);
  });
  it('shows the type the core or the browser gave', () => {
    expect(attachmentType(local)).toBe('application/pdf');
    expect(attachmentType(web)).toBe('image/jpeg');
  });
});

describe('the server address policy of the desktop app', () => {
  it('calls plain http to another computer insecure', () => {
    for (const url of ['http://10.0.0.5:8080', 'http://aduan.agency.gov.my', 'http://localhost.evil.example', 'http://[2001:db8::1]/'])
      expect(insecureServer(url), url).toBe(true);
  });
  it('allows https anywhere and http on this computer', () => {
    for (const url of ['https://aduan.agency.gov.my', 'https://10.0.0.5', 'http://127.0.0.1:8080', 'http://127.9.9.9', 'http://localhost:8080', 'http://[::1]:8080', ''])
      expect(insecureServer(url), url).toBe(false);
  });
  it('has the sign-in screen say why in both languages', () => {
    const e = toApiError({ code: 'insecure_server', message: 'the server address must use https' });
    expect(describeError(e, 'en')).toMatch(/clear text/);
    expect(describeError(e, 'ms')).toMatch(/teks biasa/);
  });
});

describe('replies relayed by the core', () => {
  const frame = (head: object, body: Uint8Array): ArrayBuffer => {
    const json = new TextEncoder().encode(JSON.stringify(head));
    const out = new Uint8Array(4 + json.length + body.length);
    new DataView(out.buffer).setUint32(0, json.length);
    out.set(json, 4);
    out.set(body, 4 + json.length);
    return out.buffer;
  };

  it('keep status, ETag, Retry-After and the body byte for byte', async () => {
    const bytes = new Uint8Array([0, 255, 10, 13]);
    const res = unframe(frame({ status: 200, etag: '"v3"', retry_after: null, content_type: 'image/png' }, bytes));
    expect([res.status, res.headers.get('ETag'), res.headers.get('Content-Type')]).toEqual([200, '"v3"', 'image/png']);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });
  it('carry an error reply as the server sent it, and a 204 without a body', async () => {
    const body = new TextEncoder().encode('{"code":"rate_limited","message":"slow down"}');
    const res = unframe(frame({ status: 429, etag: null, retry_after: '120', content_type: 'application/json' }, body));
    const err = api.toApiError(res.status, await res.text(), res.headers.get('Retry-After'));
    expect([err.code, err.retryAfterS]).toEqual(['rate_limited', 120]);
    expect(unframe(frame({ status: 204, etag: null, retry_after: null, content_type: null }, new Uint8Array())).status).toBe(204);
  });
});

describe('command errors', () => {
  it("keep the server's status, code and fields, so they read like HTTP errors", () => {
    const e = toApiError({ code: 'file_too_large', message: 'too big', status: 413, details: { limit: 1 } });
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.details]).toEqual([413, 'file_too_large', { limit: 1 }]);
    expect(describeError(e, 'en')).toMatch(/too large/i);
  });
  it('an unreachable server is status 0: the network sentence', () => {
    const e = toApiError({ code: 'unreachable', message: 'connection refused' });
    expect(e.status).toBe(0);
    expect(describeError(e, 'en')).toMatch(/cannot be reached/);
  });
  it('anything else is still an ApiError', () => {
    expect(toApiError('boom').code).toBe('desktop');
  });
});

describe('the shell in a browser', () => {
  afterEach(() => {
    localStorage.clear();
    sessionStorage.clear();
  });

  it('is not the desktop app, and restores only a token the page already has', async () => {
    expect(isDesktop()).toBe(false);
    expect(await restoreSession()).toBe(false);
    sessionStorage.setItem('aduan.token', 't');
    expect(await restoreSession()).toBe(true);
  });
  it('remembers the signed-in user for an offline start, and forgets it at logout', async () => {
    const user = { id: 'u1', username: 'kaunter', display_name: 'Kaunter', role: 'intake' as const, active: true };
    await sessionStarted(user as never);
    expect(JSON.parse(localStorage.getItem('aduan.user')!)).toEqual(user);
    await sessionEnded();
    expect(localStorage.getItem('aduan.user')).toBeNull();
    expect(shell.outbox).toEqual([]);
  });
  it('resumes with the remembered user only when the server cannot be reached', async () => {
    localStorage.setItem('aduan.server', 'http://127.0.0.1:1');
    localStorage.setItem('aduan.user', JSON.stringify({ id: 'u1', display_name: 'Kaunter' }));
    await expect(resumeUser()).resolves.toMatchObject({ id: 'u1' });
    localStorage.removeItem('aduan.user');
    await expect(resumeUser()).rejects.toBeInstanceOf(ApiError);
  });
});

describe('the server address', () => {
  afterEach(() => {
    localStorage.clear();
    api.setPresetServer('');
  });

  it('is the preset (set by IT, or the default) until the user enters another', () => {
    api.setPresetServer('https://aduan.agency.gov.my/');
    expect(api.serverUrl()).toBe('https://aduan.agency.gov.my');
    api.setServerUrl('https://aduan.agency.gov.my');
    expect(localStorage.getItem('aduan.server')).toBeNull();
    api.setServerUrl('http://10.0.0.5:8080/');
    expect(api.serverUrl()).toBe('http://10.0.0.5:8080');
    api.setPresetServer('https://aduan2.agency.gov.my');
    expect(api.serverUrl()).toBe('http://10.0.0.5:8080');
  });
  it('follows a changed preset when the user only ever had the old one', () => {
    api.setPresetServer('https://old.agency.gov.my');
    api.setServerUrl('https://old.agency.gov.my');
    api.setPresetServer('https://new.agency.gov.my');
    expect(api.serverUrl()).toBe('https://new.agency.gov.my');
    api.setServerUrl('');
    expect(api.serverUrl()).toBe('https://new.agency.gov.my');
  });
});

describe('update offers', () => {
  const offer = { version: '0.2.0', current_version: '0.1.0', notes: 'Fixes', date: null };
  afterEach(() => {
    update.offer = null;
    update.phase = 'offered';
    update.dismissed = null;
  });

  it('show until put off, and a newer version shows again', () => {
    update.offer = offer;
    expect(updateVisible()).toBe(true);
    putOff();
    expect(updateVisible()).toBe(false);
    update.offer = { ...offer, version: '0.3.0' };
    expect(updateVisible()).toBe(true);
  });
  it('keep showing the download while it runs', () => {
    update.offer = offer;
    update.dismissed = '0.2.0';
    update.phase = 'downloading';
    expect(updateVisible()).toBe(true);
  });
  it('report the downloaded share only when the size is known', () => {
    expect(percent({ downloaded: 512, total: 1024 })).toBe(50);
    expect(percent({ downloaded: 512, total: null })).toBeNull();
    expect(percent(null)).toBeNull();
  });
  it('are not looked for in a browser', async () => {
    sessionStorage.setItem('aduan.token', 't');
    await checkForUpdate();
    expect(update.offer).toBeNull();
    sessionStorage.clear();
  });
});
