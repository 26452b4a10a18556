import { describe, expect, it } from 'vitest';
import { dropPosition, moveItem, stepPosition } from './reorder';

describe('moveItem', () => {
  it('moves an item down and up', () => {
    expect(moveItem(['a', 'b', 'c', 'd'], 0, 2)).toEqual(['b', 'c', 'a', 'd']);
    expect(moveItem(['a', 'b', 'c', 'd'], 3, 0)).toEqual(['d', 'a', 'b', 'c']);
    expect(moveItem(['a', 'b', 'c', 'd'], 1, 2)).toEqual(['a', 'c', 'b', 'd']);
  });

  it('clamps past the end and ignores bad indexes', () => {
    expect(moveItem(['a', 'b', 'c'], 0, 99)).toEqual(['b', 'c', 'a']);
    expect(moveItem(['a', 'b', 'c'], 5, 0)).toEqual(['a', 'b', 'c']);
  });

  it('leaves the input alone', () => {
    const list = ['a', 'b'];
    moveItem(list, 0, 1);
    expect(list).toEqual(['a', 'b']);
  });
});

describe('dropPosition', () => {
  // The position sent to movePlaylistVideo is the index the item ends up at.
  it('drops before and after items above', () => {
    expect(dropPosition(3, 1, false)).toBe(1);
    expect(dropPosition(3, 1, true)).toBe(2);
    expect(dropPosition(3, 0, false)).toBe(0);
  });

  it('drops before and after items below (the removal shifts them up)', () => {
    expect(dropPosition(0, 2, false)).toBe(1);
    expect(dropPosition(0, 2, true)).toBe(2);
    expect(dropPosition(0, 3, true)).toBe(3);
  });

  it('is null when nothing moves', () => {
    expect(dropPosition(2, 2, false)).toBeNull();
    expect(dropPosition(2, 2, true)).toBeNull();
    expect(dropPosition(2, 1, true)).toBeNull();
    expect(dropPosition(2, 3, false)).toBeNull();
  });

  it('agrees with moveItem', () => {
    const list = ['a', 'b', 'c', 'd', 'e'];
    for (let from = 0; from < list.length; from++) {
      for (let over = 0; over < list.length; over++) {
        for (const after of [false, true]) {
          const to = dropPosition(from, over, after);
          if (to === null) continue;
          const moved = moveItem(list, from, to);
          const target = list[over];
          const i = moved.indexOf(list[from] as string);
          const j = moved.indexOf(target as string);
          expect(after ? i === j + 1 : i === j - 1).toBe(true);
        }
      }
    }
  });
});

describe('stepPosition', () => {
  it('moves one place, not past either end', () => {
    expect(stepPosition(1, -1, 3)).toBe(0);
    expect(stepPosition(1, 1, 3)).toBe(2);
    expect(stepPosition(0, -1, 3)).toBeNull();
    expect(stepPosition(2, 1, 3)).toBeNull();
  });
});
