import { describe, expect, it, vi } from 'vitest';
import { listboxKey } from '../src/lib/listbox';

const items = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
const key = (k: string) => new KeyboardEvent('keydown', { key: k, cancelable: true });

describe('listboxKey', () => {
  it('Enter selects the row itself', () => {
    const onSelect = vi.fn();
    listboxKey(key('Enter'), items, 1, onSelect, 'row-');
    expect(onSelect).toHaveBeenCalledWith('b');
  });
  it('arrows select and focus the neighbour, and stop at the ends', () => {
    document.body.innerHTML = '<div id="row-c" tabindex="-1"></div>';
    const onSelect = vi.fn();
    const down = key('ArrowDown');
    listboxKey(down, items, 1, onSelect, 'row-');
    expect(onSelect).toHaveBeenCalledWith('c');
    expect(down.defaultPrevented).toBe(true);
    expect(document.activeElement?.id).toBe('row-c');
    listboxKey(key('ArrowDown'), items, 2, onSelect, 'row-');
    listboxKey(key('ArrowUp'), items, 0, onSelect, 'row-');
    listboxKey(key('x'), items, 1, onSelect, 'row-');
    expect(onSelect).toHaveBeenCalledTimes(1);
  });
});
