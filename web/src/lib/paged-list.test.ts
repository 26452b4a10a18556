import { describe, expect, it, vi } from 'vitest';
import { PagedList, type Page } from './paged-list.svelte';

type Item = { id: string };
const items = (...ids: string[]) => ids.map((id) => ({ id }));

/** A server whose answers the test sends when it likes. */
function server() {
  const pending: { offset: number; answer: (p: Page<Item>) => void; fail: (e: unknown) => void }[] = [];
  const fetchPage = vi.fn(
    (offset: number) =>
      new Promise<Page<Item>>((answer, fail) => {
        pending.push({ offset, answer, fail });
      }),
  );
  const list = new PagedList<Item>(fetchPage, (i) => i.id);
  return { list, fetchPage, pending };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('PagedList', () => {
  it('keeps the first page total when later pages are not counted, and stops when none follow', async () => {
    const { list, pending } = server();
    const first = list.load(true);
    pending[0]?.answer({ items: items('a', 'b'), total: 3, has_more: true });
    await first;
    const second = list.load(false);
    pending[1]?.answer({ items: items('c'), total: null, has_more: false });
    await second;
    expect(list.total).toBe(3);
    expect(list.items.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(list.more).toBe(false);
  });

  it('follows has_more over the total (new files shift the pages)', async () => {
    const { list, pending } = server();
    const first = list.load(true);
    pending[0]?.answer({ items: items('a', 'b'), total: 2, has_more: true });
    await first;
    expect(list.more).toBe(true);
  });

  it('loads the first page, then the next from where it is, until the total', async () => {
    const { list, pending } = server();
    const first = list.load(true);
    expect(list.loading).toBe(true);
    pending[0]?.answer({ items: items('a', 'b'), total: 3 });
    await first;
    expect(list.items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(list.more).toBe(true);
    const second = list.load(false);
    expect(pending[1]?.offset).toBe(2);
    pending[1]?.answer({ items: items('c'), total: 3 });
    await second;
    expect(list.items.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(list.more).toBe(false);
    expect(list.loaded).toBe(2);
    await list.load(false);
    expect(pending).toHaveLength(2);
  });

  it('asks for one more page at a time', async () => {
    const { list, pending } = server();
    const first = list.load(true);
    pending[0]?.answer({ items: items('a'), total: 5 });
    await first;
    void list.load(false);
    void list.load(false);
    expect(pending).toHaveLength(2);
  });

  it('lets the newest query win over an answer still on its way', async () => {
    const { list, pending } = server();
    const old = list.load(true);
    const fresh = list.load(true);
    pending[1]?.answer({ items: items('new'), total: 1 });
    await fresh;
    pending[0]?.answer({ items: items('old'), total: 9 });
    await old;
    expect(list.items.map((i) => i.id)).toEqual(['new']);
    expect(list.total).toBe(1);
    expect(list.loading).toBe(false);
  });

  it('never lists an item twice when pages shift', async () => {
    const { list, pending } = server();
    const first = list.load(true);
    pending[0]?.answer({ items: items('a', 'b'), total: 4 });
    await first;
    const next = list.load(false);
    pending[1]?.answer({ items: items('b', 'c'), total: 4 });
    await next;
    expect(list.items.map((i) => i.id)).toEqual(['a', 'b', 'c']);
  });

  it('forgets the items of an older query, and knows those of a kept list', async () => {
    const { list, pending } = server();
    const first = list.load(true);
    pending[0]?.answer({ items: items('a', 'b'), total: 4, has_more: true });
    await first;
    const again = list.load(true);
    pending[1]?.answer({ items: items('b', 'a'), total: 2, has_more: false });
    await again;
    expect(list.items.map((i) => i.id)).toEqual(['b', 'a']);
    list.restore(items('x', 'y'), 3);
    const next = list.load(false);
    pending[2]?.answer({ items: items('y', 'z'), total: null, has_more: false });
    await next;
    expect(list.items.map((i) => i.id)).toEqual(['x', 'y', 'z']);
  });

  it('says when the server stopped counting a search', async () => {
    const { list, pending } = server();
    const first = list.load(true);
    pending[0]?.answer({ items: items('a'), total: 1000, total_capped: true, has_more: true });
    await first;
    expect([list.total, list.capped, list.more]).toEqual([1000, true, true]);
    const again = list.load(true);
    pending[1]?.answer({ items: items('a'), total: 1, total_capped: false, has_more: false });
    await again;
    expect([list.total, list.capped]).toEqual([1, false]);
    list.restore(items('k'), 1000, true);
    expect(list.capped).toBe(true);
  });

  it('keeps the error of a failed page, and clears it with a new query', async () => {
    const { list, pending } = server();
    const first = list.load(true);
    pending[0]?.fail(new Error('offline'));
    await first;
    expect(list.error).toBeInstanceOf(Error);
    expect(list.loading).toBe(false);
    void list.load(true);
    expect(list.error).toBeNull();
    await flush();
  });

  it('shows a kept list without asking, dropping answers on their way', async () => {
    const { list, pending } = server();
    const first = list.load(true);
    list.restore(items('x', 'y'), 10);
    pending[0]?.answer({ items: items('a'), total: 1 });
    await first;
    expect(list.items.map((i) => i.id)).toEqual(['x', 'y']);
    expect(list.total).toBe(10);
    expect(list.more).toBe(true);
  });
});
