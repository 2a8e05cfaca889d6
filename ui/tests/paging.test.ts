import { describe, expect, it } from 'vitest';
import type { Page } from '../src/lib/gen/Page';
import { appendPage, PagedList, Selected } from '../src/lib/paging.svelte';

type Row = { id: string; v?: number };

/** A promise the test settles by hand, to order replies. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('appendPage', () => {
  const a = { id: 'a' }, b = { id: 'b' }, c = { id: 'c' };
  it('appends a page without the rows already shown', () => {
    expect(appendPage([a, b], [b, c], false)).toEqual([a, b, c]);
  });
  it('a reset shows the page alone', () => {
    expect(appendPage([a, b], [c], true)).toEqual([c]);
  });
});

describe('PagedList', () => {
  it('pages on from the cursor, and a reply for older filters never lands', async () => {
    const asked: (string | undefined)[] = [];
    const replies: ReturnType<typeof deferred<Page<Row>>>[] = [];
    const list = new PagedList<Row>((cursor) => {
      asked.push(cursor);
      const d = deferred<Page<Row>>();
      replies.push(d);
      return d.promise;
    }, String);

    const first = list.load(true);
    replies[0]!.resolve({ items: [{ id: 'a' }], next_cursor: 'p2' });
    await first;
    expect([list.items, list.hasMore]).toEqual([[{ id: 'a' }], true]);

    const more = list.load(false);
    const reset = list.load(true); // new filters while "Load more" is on its way
    replies[2]!.resolve({ items: [{ id: 'x' }], next_cursor: null });
    await reset;
    replies[1]!.resolve({ items: [{ id: 'b' }], next_cursor: null });
    await more;
    expect(asked).toEqual([undefined, 'p2', undefined]);
    expect(list.items).toEqual([{ id: 'x' }]);
    expect([list.loading, list.hasMore]).toEqual([false, false]);
  });

  it('keeps the rows and says why when a page fails', async () => {
    let fail = false;
    const list = new PagedList<Row>(async () => {
      if (fail) throw new Error('down');
      return { items: [{ id: 'a' }], next_cursor: 'p2' };
    }, (e) => `failed: ${(e as Error).message}`);
    await list.load(true);
    fail = true;
    await list.load(false);
    expect([list.items, list.error, list.loading]).toEqual([[{ id: 'a' }], 'failed: down', false]);
  });

  it('updates a row in place, and adds a new one on top only when it belongs', async () => {
    const list = new PagedList<Row>(async () => ({ items: [{ id: 'a', v: 1 }, { id: 'b', v: 1 }], next_cursor: null }), String);
    await list.load(true);
    list.upsert({ id: 'b', v: 2 }, false);
    list.upsert({ id: 'n', v: 1 }, false);
    expect(list.items.map((r) => `${r.id}${r.v}`)).toEqual(['a1', 'b2']);
    list.upsert({ id: 'n', v: 1 }, true);
    expect(list.items.map((r) => r.id)).toEqual(['n', 'a', 'b']);
  });
});

describe('Selected', () => {
  it('drops a late reply for an earlier selection, and reports each record it shows', async () => {
    const replies = new Map<string, ReturnType<typeof deferred<Row>>>();
    const shown: string[] = [];
    const pane = new Selected<Row>(
      (id) => {
        const d = deferred<Row>();
        replies.set(id, d);
        return d.promise;
      },
      String,
      (r) => shown.push(r.id),
    );
    pane.select('a');
    pane.select('b');
    replies.get('b')!.resolve({ id: 'b' });
    replies.get('a')!.resolve({ id: 'a' });
    await Promise.all([replies.get('a')!.promise, replies.get('b')!.promise]);
    await Promise.resolve();
    expect(pane.value).toEqual({ id: 'b' });
    expect(shown).toEqual(['b']);
    pane.select(null);
    expect([pane.value, pane.id]).toEqual([null, null]);
  });
});
