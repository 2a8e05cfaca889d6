/**
 * Master–detail loading shared by the screens: a keyset-paged list ("Load more") and the
 * one record its detail pane shows. Both drop a reply that arrives after the user moved on
 * (new filters, another selection), so a slow old answer never replaces a newer one.
 */
import type { Page } from './gen/Page';

/**
 * The list after `page` arrives: the page alone when `reset` (new filters), else appended
 * to `items` without the rows already shown (a row can move into a later page while the
 * list changes live).
 */
export function appendPage<T extends { id: string | number }>(items: readonly T[], page: readonly T[], reset: boolean): T[] {
  if (reset) return [...page];
  const seen = new Set(items.map((c) => c.id));
  return [...items, ...page.filter((c) => !seen.has(c.id))];
}

/** A paged list one screen owns; `fetchPage` reads the current filters itself. */
export class PagedList<T extends { id: string | number }> {
  items = $state<T[]>([]);
  cursor = $state<string | null>(null);
  loading = $state(false);
  /** The last failure as a sentence for the user; '' when the last load worked. */
  error = $state('');
  /** Bumped by each reset so a page asked for under older filters is dropped. */
  #generation = 0;

  constructor(
    private readonly fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
    private readonly describe: (e: unknown) => string,
  ) {}

  get hasMore(): boolean {
    return this.cursor !== null;
  }

  /** Replace the row with the same id in place, or put it on top when `addIfNew` (it belongs in the list). */
  upsert(row: T, addIfNew: boolean): void {
    const i = this.items.findIndex((c) => c.id === row.id);
    if (i >= 0) this.items[i] = row;
    else if (addIfNew) this.items = [row, ...this.items];
  }

  /** The first page again (`reset`: new filters, outside changes) or the next one. */
  async load(reset: boolean): Promise<void> {
    if (this.loading && !reset) return;
    const gen = reset ? ++this.#generation : this.#generation;
    this.loading = true;
    this.error = '';
    try {
      const page = await this.fetchPage(reset ? undefined : (this.cursor ?? undefined));
      if (gen !== this.#generation) return;
      this.items = appendPage(this.items, page.items, reset);
      this.cursor = page.next_cursor;
    } catch (e) {
      if (gen === this.#generation) this.error = this.describe(e);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }
}

/** The record a detail pane shows for the selected id, re-read when news about it arrives. */
export class Selected<T> {
  value = $state<T | null>(null);
  error = $state('');
  #id: string | null = null;

  constructor(
    private readonly get: (id: string) => Promise<T>,
    private readonly describe: (e: unknown) => string,
    private readonly onLoaded: (value: T) => void = () => {},
  ) {}

  get id(): string | null {
    return this.#id;
  }

  /** Show another record (or none): the old one goes at once, the new one is read. */
  select(id: string | null): void {
    this.#id = id;
    this.value = null;
    this.error = '';
    if (id) void this.reload();
  }

  /** Read the selected record again; a reply for an earlier selection is dropped. */
  async reload(): Promise<void> {
    const which = this.#id;
    if (!which) return;
    try {
      const v = await this.get(which);
      if (which !== this.#id) return;
      this.value = v;
      this.error = '';
      this.onLoaded(v);
    } catch (e) {
      if (which === this.#id) this.error = this.describe(e);
    }
  }

  /** Take a newer copy that a write returned, as if it had been read. */
  set(v: T): void {
    this.value = v;
    this.onLoaded(v);
  }
}
