/** Keyboard use of a master list (role="listbox"): arrows move the selection, Enter opens. */

/**
 * Handle a key on row `i` of `items`: Enter selects that row; ArrowDown/ArrowUp select the
 * next/previous row and move focus to its element, `${idPrefix}${id}`.
 */
export function listboxKey(
  e: KeyboardEvent,
  items: readonly { id: string }[],
  i: number,
  onSelect: (id: string) => void,
  idPrefix: string,
): void {
  if (e.key === 'Enter') return onSelect(items[i]!.id);
  const next = items[e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : -1];
  if (!next) return;
  e.preventDefault();
  onSelect(next.id);
  document.getElementById(`${idPrefix}${next.id}`)?.focus();
}
