/** Keyset-paged lists ("Load more"): one page appended to what is shown. */

/**
 * The list after `page` arrives: the page alone when `reset` (new filters), else appended
 * to `items` without the rows already shown (a row can move into a later page while the
 * list changes live).
 */
export function appendPage<T extends { id: string }>(items: readonly T[], page: readonly T[], reset: boolean): T[] {
  if (reset) return [...page];
  const seen = new Set(items.map((c) => c.id));
  return [...items, ...page.filter((c) => !seen.has(c.id))];
}
