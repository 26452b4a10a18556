// Paged lists ("Show more", infinite scroll).

/**
 * `shown` followed by the items of `next` not already in it (by `key`): items added or
 * removed meanwhile shift the pages, and an item must never be listed twice.
 */
export function appendPage<T>(shown: readonly T[], next: readonly T[], key: (item: T) => string): T[] {
  const have = new Set(shown.map(key));
  return [...shown, ...next.filter((item) => !have.has(key(item)))];
}

/** The keys of `items`, for `unseen` (plain data, never state); none when no items. */
export function keySet<T>(items: readonly T[] = [], key?: (item: T) => string): Set<string> {
  return new Set(key ? items.map(key) : []);
}

/**
 * The items of `next` whose keys `seen` lacks, which it then holds: a long list adds a
 * page at the cost of the page alone (a set of 50,000 keys made at each page of the
 * library's infinite scroll made it stutter).
 */
export function unseen<T>(next: readonly T[], key: (item: T) => string, seen: Set<string>): T[] {
  return next.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
