import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, describeError, setServerUrl } from '../src/lib/api';
import { formatLimit } from '../src/lib/format';
import type { IntakeLimits } from '../src/lib/gen/IntakeLimits';
import { checkFiles, describeRefusal, intakeLimits, limitsHint, loadLimits, savedLimits } from '../src/lib/limits.svelte';

const MIB = 1024 * 1024;
const limits: IntakeLimits = { max_file_bytes: 4 * MIB, max_request_bytes: 10 * MIB, max_files: 3 };
const file = (name: string, size: number) => ({ handle: `h-${name}`, name, size, type: 'application/pdf' });

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
  intakeLimits.known = null;
});

describe('limits in words', () => {
  it('states sizes in MiB as the server does', () => {
    expect(formatLimit(100 * MIB)).toBe('100 MiB');
    expect(formatLimit(4.5 * MIB)).toBe('4.5 MiB');
    expect(formatLimit(1.25 * MIB)).toBe('1.3 MiB');
    expect(formatLimit(20 * 1024)).toBe('20 KiB');
  });

  it('states what the server said, says when a saved copy is used, and says when nothing is known', () => {
    const fresh = { limits, readAt: '2026-11-01T02:00:00Z', saved: false };
    expect(limitsHint(fresh, 'en')).toBe('Drag files anywhere onto the form, or choose them. Limits: 4 MiB per file, 10 MiB in all, 3 files.');
    expect(limitsHint(fresh, 'ms')).toBe('Seret fail ke mana-mana pada borang, atau pilih. Had: 4 MiB setiap fail, 10 MiB semuanya, 3 fail.');
    expect(limitsHint({ ...fresh, saved: true }, 'en')).toMatch(
      /Limits: 4 MiB per file, 10 MiB in all, 3 files\. \(Limits as the server stated them on 01 Nov 2026, 10:00 MYT; the server cannot be reached now\.\)$/,
    );
    expect(limitsHint(null, 'en')).toMatch(/size limits are not known because the server cannot be reached; the server checks them when the complaint is sent\.$/);
  });
});

describe('the file-limit check', () => {
  it('refuses a file over the per-file limit and says which, with the limit', () => {
    const r = checkFiles([], [file('small.pdf', MIB), file('video.mp4', 5 * MIB)], limits);
    expect(r.accepted.map((f) => f.name)).toEqual(['small.pdf']);
    expect(r.refused).toEqual([{ kind: 'too_big', name: 'video.mp4' }]);
    expect(describeRefusal(r.refused[0]!, limits, 'en')).toBe(
      'video.mp4 is larger than the 4 MiB allowed per file and was not attached. Attach a smaller copy (for example a lower-resolution scan).',
    );
  });

  it('names every file beyond the count instead of dropping them without a word', () => {
    const r = checkFiles([file('a', 1)], [file('b', 1), file('c', 1), file('d', 1), file('e', 1)], limits);
    expect(r.accepted.map((f) => f.name)).toEqual(['b', 'c']);
    expect(r.refused).toEqual([{ kind: 'too_many', names: ['d', 'e'] }]);
    expect(describeRefusal(r.refused[0]!, limits, 'en')).toBe(
      'One complaint can have at most 3 attachments, so these were not attached: d, e. Remove files that are not needed, or combine documents into one PDF, then add them again.',
    );
    expect(describeRefusal(r.refused[0]!, limits, 'ms')).toMatch(/^Satu aduan boleh mempunyai 3 lampiran sahaja, jadi fail ini tidak dilampirkan: d, e\./);
  });

  it('refuses a file that would take the submission over its total', () => {
    const r = checkFiles([file('a', 4 * MIB), file('b', 4 * MIB)], [file('c', 3 * MIB), file('d', MIB)], limits);
    // c would make 11 MiB of 10; d still fits (9 MiB, the third file).
    expect(r.accepted.map((f) => f.name)).toEqual(['d']);
    expect(r.refused).toEqual([{ kind: 'over_total', name: 'c' }]);
    expect(describeRefusal(r.refused[0]!, limits, 'en')).toMatch(/^c was not attached: together the files would be more than the 10 MiB allowed for one complaint\./);
  });

  it('accepts everything while the limits are unknown (the server checks on sending)', () => {
    expect(checkFiles([], [file('a', 500 * MIB)], null)).toEqual({ accepted: [file('a', 500 * MIB)], refused: [] });
  });

  it("describes the server's refusals by the limit they hit", () => {
    expect(describeError(new ApiError(413, 'too_many_files', 'At most 5 files'), 'en')).toMatch(/^There are more attachments than the server accepts/);
    expect(describeError(new ApiError(413, 'request_too_large', 'x'), 'en')).toMatch(/^The attachments together are too large/);
    expect(describeError(new ApiError(413, 'file_too_large', 'x'), 'en')).toMatch(/^A file is too large for the server/);
  });
});

describe('reading the limits', () => {
  it('asks the server once and keeps a copy for when it cannot be reached', async () => {
    setServerUrl('http://aduan.test');
    const fetchMock = vi.fn(async (_url: string) => new Response(JSON.stringify(limits)));
    vi.stubGlobal('fetch', fetchMock);
    await loadLimits();
    expect(fetchMock.mock.calls[0]![0]).toBe('http://aduan.test/api/v1/intake/limits');
    expect(intakeLimits.known).toMatchObject({ limits, saved: false });

    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('offline'))));
    intakeLimits.known = null;
    await loadLimits();
    expect(intakeLimits.known).toMatchObject({ limits, saved: true });
  });

  it("uses no other server's copy: with none for this server the limits are unknown", async () => {
    setServerUrl('http://aduan.test');
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(limits))));
    await loadLimits();
    setServerUrl('http://other.test');
    expect(savedLimits('http://other.test')).toBeNull();
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('offline'))));
    await loadLimits();
    expect(intakeLimits.known).toBeNull();
  });
});
