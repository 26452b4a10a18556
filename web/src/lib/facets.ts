// The genres and years to filter the catalog by (`GET /api/library/facets`).
import { api, call } from './api';
import type { Facets } from './types';

export const NO_FACETS: Facets = { genres: [], years: [] };

export function fetchFacets(): Promise<Facets> {
  return call(api.GET('/api/library/facets'));
}

/**
 * The choices of a filter: what the server offers, and the value in use even when it
 * offers it no more (a link kept from before), so the field shows what filters.
 */
export function withCurrent<T>(offered: readonly T[], current: T, none: T): T[] {
  return current === none || offered.includes(current) ? [...offered] : [...offered, current];
}
