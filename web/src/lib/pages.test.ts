import { describe, expect, it } from 'vitest';
import { appendPage } from './pages';

describe('appendPage', () => {
  const id = (x: { id: string }) => x.id;

  it('appends the next page', () => {
    expect(appendPage([{ id: 'a' }], [{ id: 'b' }, { id: 'c' }], id)).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
  });

  it('skips what a shifted page repeats, keeping the order', () => {
    expect(appendPage([{ id: 'a' }, { id: 'b' }], [{ id: 'b' }, { id: 'c' }], id).map(id)).toEqual(['a', 'b', 'c']);
  });

  it('leaves the list it was given as it was', () => {
    const shown = [{ id: 'a' }];
    appendPage(shown, [{ id: 'b' }], id);
    expect(shown).toEqual([{ id: 'a' }]);
  });
});
