// The library's search, filters and order, kept in the URL query so a reload keeps them.
import type { Order, SeriesSort, Sort, VideoKind } from './types';

export interface LibraryQuery {
  q: string;
  library: string;
  /** From the `.nfo` files (`/api/library/facets`); '' for any. */
  genre: string;
  /** 0 for any. */
  year: number;
  codec: string;
  /** `min_height`: 0 for any. */
  minHeight: number;
  sort: Sort;
  /** `null`: the server's default for the sort (asc for title, desc otherwise). */
  order: Order | null;
}

export const PAGE_SIZE = 60;

export const SORTS: { value: Sort; label: string }[] = [
  { value: 'added', label: 'Date added' },
  { value: 'title', label: 'Title' },
  { value: 'duration', label: 'Length' },
];

export const CODECS: { value: string; label: string }[] = [
  { value: '', label: 'Any codec' },
  { value: 'h264', label: 'H.264' },
  { value: 'hevc', label: 'HEVC' },
  { value: 'av1', label: 'AV1' },
  { value: 'vp9', label: 'VP9' },
  { value: 'mpeg4', label: 'MPEG-4' },
];

export const HEIGHTS: { value: number; label: string }[] = [
  { value: 0, label: 'Any resolution' },
  { value: 480, label: '480p and up' },
  { value: 720, label: '720p and up' },
  { value: 1080, label: '1080p and up' },
  { value: 2160, label: '4K' },
];

export const DEFAULT_QUERY: LibraryQuery = {
  q: '',
  library: '',
  genre: '',
  year: 0,
  codec: '',
  minHeight: 0,
  sort: 'added',
  order: null,
};

export function defaultOrder(sort: Sort): Order {
  return sort === 'title' ? 'asc' : 'desc';
}

/** A `year=` of the URL: a year the server takes, else 0 (any). */
export function parseYear(value: string | null): number {
  const year = Number(value ?? '0');
  return Number.isInteger(year) && year >= 1800 && year <= 2200 ? year : 0;
}

export function parseLibraryQuery(params: URLSearchParams): LibraryQuery {
  const sort = params.get('sort');
  const order = params.get('order');
  const height = Number(params.get('min_height') ?? '0');
  return {
    q: (params.get('q') ?? '').slice(0, 200),
    library: params.get('library') ?? '',
    genre: (params.get('genre') ?? '').slice(0, 100),
    year: parseYear(params.get('year')),
    codec: params.get('codec') ?? '',
    minHeight: Number.isInteger(height) && height > 0 ? height : 0,
    sort: sort === 'title' || sort === 'duration' || sort === 'added' ? sort : 'added',
    order: order === 'asc' || order === 'desc' ? order : null,
  };
}

/** The query string for the URL: only what differs from the defaults. */
export function libraryQueryString(query: LibraryQuery): string {
  const p = new URLSearchParams();
  if (query.q.trim()) p.set('q', query.q);
  if (query.library) p.set('library', query.library);
  if (query.genre) p.set('genre', query.genre);
  if (query.year > 0) p.set('year', String(query.year));
  if (query.codec) p.set('codec', query.codec);
  if (query.minHeight > 0) p.set('min_height', String(query.minHeight));
  if (query.sort !== 'added') p.set('sort', query.sort);
  if (query.order && query.order !== defaultOrder(query.sort)) p.set('order', query.order);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The `GET /api/videos` query for one page (of one kind: films, episodes). */
export function listParams(query: LibraryQuery, offset: number, limit: number = PAGE_SIZE, kind?: VideoKind) {
  return {
    ...(query.q.trim() ? { q: query.q.trim() } : {}),
    ...(query.library ? { library: query.library } : {}),
    ...(query.genre ? { genre: query.genre } : {}),
    ...(query.year > 0 ? { year: query.year } : {}),
    ...(kind ? { kind } : {}),
    ...(query.codec ? { codec: query.codec } : {}),
    ...(query.minHeight > 0 ? { min_height: query.minHeight } : {}),
    sort: query.sort,
    order: query.order ?? defaultOrder(query.sort),
    limit,
    offset,
    // Later pages keep the first page's total: counting every match again is the
    // costliest part of a deep page.
    ...(offset > 0 ? { count: false } : {}),
  };
}

/** Whether anything narrows the list (search or a filter). */
export function isFiltered(query: LibraryQuery): boolean {
  return query.q !== '' || query.library !== '' || query.codec !== '' || query.minHeight > 0 || query.genre !== '' || query.year > 0;
}

/** The series list's search, filters and order (`/shows`). */
export interface ShowsQuery {
  q: string;
  genre: string;
  year: number;
  sort: SeriesSort;
}

export const SHOW_SORTS: { value: SeriesSort; label: string }[] = [
  { value: 'title', label: 'Title' },
  { value: 'added', label: 'Latest episode' },
];

export function parseShowsQuery(params: URLSearchParams): ShowsQuery {
  return {
    q: (params.get('q') ?? '').slice(0, 200),
    genre: (params.get('genre') ?? '').slice(0, 100),
    year: parseYear(params.get('year')),
    sort: params.get('sort') === 'added' ? 'added' : 'title',
  };
}

/** The query string for the URL: only what differs from the defaults. */
export function showsQueryString(query: ShowsQuery): string {
  const p = new URLSearchParams();
  if (query.q.trim()) p.set('q', query.q);
  if (query.genre) p.set('genre', query.genre);
  if (query.year > 0) p.set('year', String(query.year));
  if (query.sort !== 'title') p.set('sort', query.sort);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The `GET /api/series` query for one page. */
export function seriesParams(query: ShowsQuery, offset: number, limit: number = PAGE_SIZE) {
  return {
    ...(query.q.trim() ? { q: query.q.trim() } : {}),
    ...(query.genre ? { genre: query.genre } : {}),
    ...(query.year > 0 ? { year: query.year } : {}),
    sort: query.sort,
    limit,
    offset,
  };
}
