import { describe, expect, it } from 'vitest';
import { hasKey, translate } from '../src/lib/i18n';
import { categoryLabel, legalLabel, sectorLabel } from '../src/lib/taxonomy';

describe('i18n', () => {
  it('translates with parameters', () => {
    expect(translate('en', 'err_too_many', { n: 3 })).toBe('Too many attempts. Wait 3 minutes and try again.');
    expect(translate('ms', 'err_too_many', { n: 3 })).toBe('Terlalu banyak percubaan. Tunggu 3 minit dan cuba lagi.');
  });
  it('leaves an unknown parameter visible rather than blank', () => {
    expect(translate('en', 'err_too_many')).toContain('{n}');
  });
  it('recognises its keys', () => {
    expect(hasKey('v_required')).toBe(true);
    expect(hasKey('is too long')).toBe(false);
  });
});

describe('taxonomy labels', () => {
  it('labels codes in both languages', () => {
    expect(categoryLabel('solicit_accept_bribe', 'ms')).toBe('Meminta/menerima suapan');
    expect(sectorLabel('local_authority', 'en')).not.toBe('local_authority');
  });
  it('shows unknown codes as they are', () => {
    expect(categoryLabel('made_up', 'en')).toBe('made_up');
  });
  it('labels an Act section', () => {
    const l = legalLabel('akta_694', '16(a)');
    expect(l.act).toBe('Akta SPRM 2009');
    expect(l.section).toMatch(/^s16\(a\) — Accepting gratification/);
  });
});
