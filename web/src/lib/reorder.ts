// Playlist reordering: the new order, and the position `movePlaylistVideo` is given.

/** `list` with the item at `from` moved so that it ends up at index `to`. */
export function moveItem<T>(list: readonly T[], from: number, to: number): T[] {
  const out = list.slice();
  if (from < 0 || from >= out.length) return out;
  const target = Math.max(0, Math.min(out.length - 1, to));
  if (target === from) return out;
  const [item] = out.splice(from, 1);
  out.splice(target, 0, item as T);
  return out;
}

/**
 * The final index of an item dragged from `from` and dropped on the item at `over`,
 * before it (`after` false, the upper half) or after it (`after` true). The index is
 * what the item gets once removed from its old place, which is also the `position`
 * `PUT /api/playlists/{id}/videos/{video_id}` takes. `null`: nothing moves.
 */
export function dropPosition(from: number, over: number, after: boolean): number | null {
  if (from < 0 || over < 0) return null;
  let to = after ? over + 1 : over;
  if (to > from) to -= 1;
  return to === from ? null : to;
}

/** Keyboard moves: one up (-1) or down (+1), `null` at either end. */
export function stepPosition(from: number, delta: -1 | 1, count: number): number | null {
  const to = from + delta;
  return to < 0 || to >= count ? null : to;
}
