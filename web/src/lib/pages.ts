// Paged lists ("Show more", infinite scroll).

/**
 * `shown` followed by the items of `next` not already in it (by `key`): items added or
 * removed meanwhile shift the pages, and an item must never be listed twice.
 */
export function appendPage<T>(shown: readonly T[], next: readonly T[], key: (item: T) => string): T[] {
  const have = new Set(shown.map(key));
  return [...shown, ...next.filter((item) => !have.has(key(item)))];
}
