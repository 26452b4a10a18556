// Which cards of a long grid are in the document: the rows in view and a few around
// them, with the space of the others kept as padding, so a library of 50,000 videos
// scrolled to its end holds a few hundred cards, not 50,000.

/** Grids this long or shorter keep every card (no measuring, nothing to skip). */
export const WINDOW_FROM = 180;

export interface GridGeometry {
  count: number;
  columns: number;
  /** From one row's top to the next one's (card and gap), px; 0 before it is measured. */
  rowPitch: number;
  /** The viewport's top as seen from the grid's top, px (negative above the grid). */
  viewTop: number;
  viewHeight: number;
  /** Rows kept beyond each edge of the view. */
  overscan?: number;
}

export interface GridWindow {
  /** The first card in the document, and one past the last. */
  start: number;
  end: number;
  /** The space of the rows before and after them, px. */
  padTop: number;
  padBottom: number;
}

/** Every card, no padding. */
export function wholeGrid(count: number): GridWindow {
  return { start: 0, end: Math.max(0, count), padTop: 0, padBottom: 0 };
}

/** The cards to keep for a view of the grid. */
export function gridWindow(g: GridGeometry): GridWindow {
  const count = Math.max(0, Math.floor(g.count));
  const columns = Math.max(1, Math.floor(g.columns));
  if (count === 0) return wholeGrid(0);
  if (!(g.rowPitch > 0) || !Number.isFinite(g.viewTop) || !(g.viewHeight > 0)) {
    // Not measured yet: the first rows only (enough to fill a screen and measure).
    return { start: 0, end: Math.min(count, columns * 8), padTop: 0, padBottom: 0 };
  }
  const overscan = Math.max(0, Math.floor(g.overscan ?? 3));
  const rows = Math.ceil(count / columns);
  const top = Math.floor(g.viewTop / g.rowPitch);
  const bottom = Math.ceil((g.viewTop + g.viewHeight) / g.rowPitch) - 1;
  const first = Math.min(rows - 1, Math.max(0, top - overscan));
  const last = Math.max(first, Math.min(rows - 1, bottom + overscan));
  return {
    start: first * columns,
    end: Math.min(count, (last + 1) * columns),
    padTop: first * g.rowPitch,
    padBottom: (rows - 1 - last) * g.rowPitch,
  };
}

/** The scroll offset from the grid's top that brings card `index`'s row into view. */
export function rowOffset(index: number, columns: number, rowPitch: number): number {
  return Math.floor(Math.max(0, index) / Math.max(1, columns)) * Math.max(0, rowPitch);
}
