import { describe, expect, it } from 'vitest';
import { appendPage } from '../src/lib/paging';

describe('appendPage', () => {
  const a = { id: 'a' }, b = { id: 'b' }, c = { id: 'c' };
  it('appends a page without the rows already shown', () => {
    expect(appendPage([a, b], [b, c], false)).toEqual([a, b, c]);
  });
  it('a reset shows the page alone', () => {
    expect(appendPage([a, b], [c], true)).toEqual([c]);
  });
});
