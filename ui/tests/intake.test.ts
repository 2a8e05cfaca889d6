import { describe, expect, it } from 'vitest';
import { emptyDraft, formField, newIdempotencyKey, perFileProgress, toInput, validateAll, validateField } from '../src/lib/intake';

const today = '2026-05-01';

describe('intake validation', () => {
  it('requires a description', () => {
    expect(validateAll(emptyDraft(), today)).toEqual({ description: 'v_required' });
    expect(validateField({ ...emptyDraft(), description: '   ' }, 'description', today)).toBe('v_required');
  });
  it('checks e-mail, phone and the incident date like the server does', () => {
    const d = { ...emptyDraft(), description: 'x', email: 'a@b', phone: '012-345 6789', incident_date: '2026-05-02' };
    expect(validateAll(d, today)).toEqual({ email: 'v_email', incident_date: 'v_future' });
    expect(validateField({ ...d, phone: '012 abc' }, 'phone', today)).toBe('v_phone');
  });
  it('ignores identity fields of an anonymous complaint', () => {
    const d = { ...emptyDraft(), anonymous: true, description: 'x', email: 'nonsense' };
    expect(validateAll(d, today)).toEqual({});
  });
  it('maps server field paths to form fields', () => {
    expect(formField('complainant.email')).toBe('email');
    expect(formField('description')).toBe('description');
    expect(formField('body')).toBeNull();
  });
});

describe('toInput', () => {
  it('trims, drops empty fields and sends no identity when anonymous', () => {
    const d = { ...emptyDraft(), description: ' Rasuah ', name: ' Ali ', location: '  ', anonymous: false };
    expect(toInput(d)).toEqual({ channel: 'walk_in', description: 'Rasuah', anonymous: false, complainant: { name: 'Ali' } });
    expect(toInput({ ...d, anonymous: true })).toEqual({ channel: 'walk_in', description: 'Rasuah', anonymous: true });
  });
});

describe('upload progress', () => {
  it('splits the request progress over the files in order', () => {
    // 100 bytes of JSON and framing, then files of 1000 and 500 bytes.
    expect(perFileProgress([1000, 500], 0, 1600)).toEqual([0, 0]);
    expect(perFileProgress([1000, 500], 700, 1600)).toEqual([600, 0]);
    expect(perFileProgress([1000, 500], 1600, 1600)).toEqual([1000, 500]);
  });
  it('makes distinct v4 idempotency keys', () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newIdempotencyKey()).not.toBe(a);
  });
});
