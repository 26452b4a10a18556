// Arrow-key focus inside grids (a roving focus). Moves between controls on the TV
// layout are lib/spatial-nav.ts'.

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
