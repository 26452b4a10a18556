import { describe, expect, it } from 'vitest';
import { gridWindow, rowOffset, wholeGrid } from './grid-window';

describe('gridWindow', () => {
  const base = { count: 50_000, columns: 5, rowPitch: 300, viewHeight: 900, overscan: 2 };

  it('keeps the rows in view and a few around them, at the top', () => {
    const w = gridWindow({ ...base, viewTop: 0 });
    // Rows 0..2 in view, two more below.
    expect(w).toEqual({ start: 0, end: 25, padTop: 0, padBottom: (10_000 - 5) * 300 });
  });

  it('keeps a few hundred cards at the end of 50,000, the rest as padding', () => {
    const rows = 10_000;
    const w = gridWindow({ ...base, viewTop: rows * 300 - 900 });
    expect(w.end).toBe(50_000);
    expect(w.end - w.start).toBeLessThanOrEqual(5 * 7);
    expect(w.padTop).toBe((w.start / 5) * 300);
    expect(w.padBottom).toBe(0);
    // The grid keeps its whole height: padding plus the rows kept.
    expect(w.padTop + ((w.end - w.start) / 5) * 300 + w.padBottom).toBe(rows * 300);
  });

  it('counts a short last row', () => {
    const w = gridWindow({ ...base, count: 23, viewTop: 0, viewHeight: 10_000 });
    expect(w).toEqual({ start: 0, end: 23, padTop: 0, padBottom: 0 });
  });

  it('copes with a view above the grid, or far below it', () => {
    expect(gridWindow({ ...base, viewTop: -5000 }).start).toBe(0);
    const past = gridWindow({ ...base, count: 100, viewTop: 1e9 });
    expect(past.end).toBe(100);
    expect(past.start).toBeLessThan(100);
  });

  it('shows the first rows until it is measured', () => {
    expect(gridWindow({ ...base, rowPitch: 0, viewTop: 0 })).toEqual({ start: 0, end: 40, padTop: 0, padBottom: 0 });
    expect(gridWindow({ ...base, count: 0, viewTop: 0 })).toEqual(wholeGrid(0));
  });

  it('finds the row of a card to scroll to', () => {
    expect(rowOffset(0, 5, 300)).toBe(0);
    expect(rowOffset(14, 5, 300)).toBe(600);
    expect(rowOffset(14, 0, 300)).toBe(14 * 300);
  });
});
