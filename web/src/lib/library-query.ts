// The library's search, filters and order, kept in the URL query so a reload keeps them.
import type { Order, Sort } from './types';

export interface LibraryQuery {
  q: string;
  library: string;
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
  codec: '',
  minHeight: 0,
  sort: 'added',
  order: null,
};

export function defaultOrder(sort: Sort): Order {
  return sort === 'title' ? 'asc' : 'desc';
}

export function parseLibraryQuery(params: URLSearchParams): LibraryQuery {
  const sort = params.get('sort');
  const order = params.get('order');
  const height = Number(params.get('min_height') ?? '0');
  return {
    q: (params.get('q') ?? '').slice(0, 200),
    library: params.get('library') ?? '',
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
  if (query.codec) p.set('codec', query.codec);
  if (query.minHeight > 0) p.set('min_height', String(query.minHeight));
  if (query.sort !== 'added') p.set('sort', query.sort);
  if (query.order && query.order !== defaultOrder(query.sort)) p.set('order', query.order);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The `GET /api/videos` query for one page. */
export function listParams(query: LibraryQuery, offset: number, limit: number = PAGE_SIZE) {
  return {
    ...(query.q.trim() ? { q: query.q.trim() } : {}),
    ...(query.library ? { library: query.library } : {}),
    ...(query.codec ? { codec: query.codec } : {}),
    ...(query.minHeight > 0 ? { min_height: query.minHeight } : {}),
    sort: query.sort,
    order: query.order ?? defaultOrder(query.sort),
    limit,
    offset,
  };
}
