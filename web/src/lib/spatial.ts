// Arrow-key focus: a roving focus inside grids, and nearest-neighbour moves between
// controls for the TV layout.

/** Items in the first row of a wrapped grid, from their offsets from the top. */
export function columnsOf(tops: readonly number[]): number {
  if (tops.length === 0) return 1;
  const first = tops[0] as number;
  let n = 0;
  for (const t of tops) {
    if (Math.abs(t - first) > 2) break;
    n += 1;
  }
  return Math.max(1, n);
}

/** The index focus moves to in a grid of `count` items in rows of `columns`. */
export function gridMove(index: number, key: string, columns: number, count: number, pageRows = 3): number {
  if (count <= 0) return -1;
  const cols = Math.max(1, columns);
  const clamp = (i: number) => Math.max(0, Math.min(count - 1, i));
  switch (key) {
    case 'ArrowRight':
      return clamp(index + 1);
    case 'ArrowLeft':
      return clamp(index - 1);
    case 'ArrowDown':
      return index + cols < count ? index + cols : index;
    case 'ArrowUp':
      return index - cols >= 0 ? index - cols : index;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    case 'PageDown':
      return clamp(index + cols * pageRows);
    case 'PageUp':
      return clamp(index - cols * pageRows);
    default:
      return index;
  }
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export type Direction = 'left' | 'right' | 'up' | 'down';

/**
 * The candidate nearest to `from` in `dir`: only boxes wholly past its edge in that
 * direction count, the distance along the direction weighs less than the sideways one
 * (a control straight below beats a closer one off to the side). -1: none.
 */
export function nearestInDirection(from: Box, candidates: readonly Box[], dir: Direction): number {
  const cx = from.left + from.width / 2;
  const cy = from.top + from.height / 2;
  let best = -1;
  let bestScore = Infinity;
  candidates.forEach((c, i) => {
    const ccx = c.left + c.width / 2;
    const ccy = c.top + c.height / 2;
    let along: number;
    let side: number;
    switch (dir) {
      case 'right':
        if (c.left < from.left + from.width - 1) return;
        along = c.left - (from.left + from.width);
        side = Math.abs(ccy - cy);
        break;
      case 'left':
        if (c.left + c.width > from.left + 1) return;
        along = from.left - (c.left + c.width);
        side = Math.abs(ccy - cy);
        break;
      case 'down':
        if (c.top < from.top + from.height - 1) return;
        along = c.top - (from.top + from.height);
        side = Math.abs(ccx - cx);
        break;
      case 'up':
        if (c.top + c.height > from.top + 1) return;
        along = from.top - (c.top + c.height);
        side = Math.abs(ccx - cx);
        break;
    }
    const score = Math.max(0, along) + side * 2;
    if (score < bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best;
}
