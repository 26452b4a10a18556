import { describe, expect, it } from 'vitest';
import {
  defaultOrder,
  isFiltered,
  libraryQueryString,
  listParams,
  parseLibraryQuery,
  parseShowsQuery,
  seriesParams,
  showsQueryString,
} from './library-query';
import { isPublic, isServerPath, matchRoute, safeNext } from './routes';

describe('matchRoute', () => {
  it('matches every page', () => {
    expect(matchRoute('/')).toEqual({ name: 'home', params: {} });
    expect(matchRoute('/login')).toEqual({ name: 'login', params: {} });
    expect(matchRoute('/library/')).toEqual({ name: 'library', params: {} });
    expect(matchRoute('/videos/abc-1')).toEqual({ name: 'video', params: { id: 'abc-1' } });
    expect(matchRoute('/watch/x%20y')).toEqual({ name: 'watch', params: { id: 'x y' } });
    expect(matchRoute('/playlists')).toEqual({ name: 'playlists', params: {} });
    expect(matchRoute('/playlists/p1')).toEqual({ name: 'playlist', params: { id: 'p1' } });
    expect(matchRoute('/me')).toEqual({ name: 'me', params: {} });
    expect(matchRoute('/admin')).toEqual({ name: 'admin', params: {} });
    expect(matchRoute('/guest')).toEqual({ name: 'guest', params: {} });
    expect(matchRoute('/shows')).toEqual({ name: 'shows', params: {} });
    expect(matchRoute('/films')).toEqual({ name: 'films', params: {} });
    expect(matchRoute('/series/s%201')).toEqual({ name: 'series', params: { id: 's 1' } });
  });

  it('lets only sign-in and guest links through signed out', () => {
    expect(isPublic('login')).toBe(true);
    expect(isPublic('guest')).toBe(true);
    expect(isPublic('home')).toBe(false);
    expect(isPublic('admin')).toBe(false);
  });

  it('finds nothing for other paths', () => {
    expect(matchRoute('/videos').name).toBe('notfound');
    expect(matchRoute('/videos/a/b').name).toBe('notfound');
    expect(matchRoute('/watch/%E0%A4%A').name).toBe('notfound');
    expect(matchRoute('/nope').name).toBe('notfound');
  });
});

describe('safeNext', () => {
  it('keeps paths of the app', () => {
    expect(safeNext('/library?q=cat')).toBe('/library?q=cat');
    expect(safeNext('/watch/1?t=5')).toBe('/watch/1?t=5');
  });

  it('refuses other origins, the API and the login page', () => {
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext('/api/videos')).toBe('/');
    expect(safeNext('/login?next=/x')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });

  it('knows the server paths', () => {
    expect(isServerPath('/api/videos')).toBe(true);
    expect(isServerPath('/health')).toBe(true);
    expect(isServerPath('/docs/')).toBe(true);
    expect(isServerPath('/apiary')).toBe(false);
    expect(isServerPath('/library')).toBe(false);
  });
});

describe('library query', () => {
  it('round-trips through the URL, leaving defaults out', () => {
    const q = parseLibraryQuery(new URLSearchParams('q=cat&codec=hevc&min_height=720&sort=title&order=desc'));
    expect(q).toEqual({ q: 'cat', library: '', genre: '', year: 0, codec: 'hevc', minHeight: 720, sort: 'title', order: 'desc' });
    expect(libraryQueryString(q)).toBe('?q=cat&codec=hevc&min_height=720&sort=title&order=desc');
    expect(libraryQueryString({ ...q, q: '', codec: '', minHeight: 0, sort: 'added', order: 'desc' })).toBe('');
  });

  it('ignores bad values', () => {
    const q = parseLibraryQuery(new URLSearchParams('sort=size&order=up&min_height=-4'));
    expect(q.sort).toBe('added');
    expect(q.order).toBeNull();
    expect(q.minHeight).toBe(0);
  });

  it('makes the listVideos query of a page', () => {
    const q = parseLibraryQuery(new URLSearchParams('q=%20cat%20&library=Movies'));
    expect(listParams(q, 120)).toEqual({
      q: 'cat',
      library: 'Movies',
      sort: 'added',
      order: 'desc',
      limit: 60,
      offset: 120,
      count: false,
    });
    expect(defaultOrder('title')).toBe('asc');
  });

  it('filters by genre and year, and asks for one kind', () => {
    const q = parseLibraryQuery(new URLSearchParams('genre=Science%20Fiction&year=1979'));
    expect(q.genre).toBe('Science Fiction');
    expect(q.year).toBe(1979);
    expect(isFiltered(q)).toBe(true);
    expect(libraryQueryString(q)).toBe('?genre=Science+Fiction&year=1979');
    expect(listParams(q, 0, 60, 'film')).toEqual({
      genre: 'Science Fiction',
      year: 1979,
      kind: 'film',
      sort: 'added',
      order: 'desc',
      limit: 60,
      offset: 0,
    });
    expect(isFiltered(parseLibraryQuery(new URLSearchParams('sort=title')))).toBe(false);
  });

  it('takes only years the server takes', () => {
    for (const year of ['12', '1799', '2201', '1979.5', 'abc', '']) {
      expect(parseLibraryQuery(new URLSearchParams(`year=${year}`)).year).toBe(0);
    }
    expect(parseLibraryQuery(new URLSearchParams('year=2200')).year).toBe(2200);
  });
});

describe('shows query', () => {
  it('round-trips through the URL, leaving defaults out', () => {
    const q = parseShowsQuery(new URLSearchParams('q=office&genre=Comedy&year=2005&sort=added'));
    expect(q).toEqual({ q: 'office', genre: 'Comedy', year: 2005, sort: 'added' });
    expect(showsQueryString(q)).toBe('?q=office&genre=Comedy&year=2005&sort=added');
    expect(showsQueryString({ q: ' ', genre: '', year: 0, sort: 'title' })).toBe('');
    expect(parseShowsQuery(new URLSearchParams('sort=duration')).sort).toBe('title');
  });

  it('makes the listSeries query of a page', () => {
    expect(seriesParams(parseShowsQuery(new URLSearchParams('q=%20the%20office%20')), 60)).toEqual({
      q: 'the office',
      sort: 'title',
      limit: 60,
      offset: 60,
    });
  });
});
