// The app's URLs and what they show: matched without a library.

export type RouteName =
  | 'home'
  | 'login'
  | 'guest'
  | 'library'
  | 'shows'
  | 'films'
  | 'series'
  | 'video'
  | 'watch'
  | 'playlists'
  | 'playlist'
  | 'me'
  | 'admin'
  | 'notfound';

export interface RouteMatch {
  name: RouteName;
  params: Record<string, string>;
}

const TABLE: [string, RouteName][] = [
  ['/', 'home'],
  ['/login', 'login'],
  ['/guest', 'guest'],
  ['/library', 'library'],
  ['/shows', 'shows'],
  ['/films', 'films'],
  ['/series/:id', 'series'],
  ['/videos/:id', 'video'],
  ['/watch/:id', 'watch'],
  ['/playlists', 'playlists'],
  ['/playlists/:id', 'playlist'],
  ['/me', 'me'],
  ['/admin', 'admin'],
];

function segments(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

export function matchRoute(pathname: string): RouteMatch {
  const parts = segments(pathname);
  for (const [pattern, name] of TABLE) {
    const want = segments(pattern);
    if (want.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < want.length; i++) {
      const w = want[i] as string;
      const p = parts[i] as string;
      if (w.startsWith(':')) {
        let value: string;
        try {
          value = decodeURIComponent(p);
        } catch {
          ok = false;
          break;
        }
        params[w.slice(1)] = value;
      } else if (w !== p) {
        ok = false;
        break;
      }
    }
    if (ok) return { name, params };
  }
  return { name: 'notfound', params: {} };
}

/** Pages anyone may open without signing in. */
export function isPublic(name: RouteName): boolean {
  return name === 'login' || name === 'guest';
}

/**
 * A `next=` target after sign-in, only when it is a path of this app (never another
 * origin, `//host`, the API or the login page itself).
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (/^\/(api|docs|health|ready|metrics)(\/|$|\?)/.test(next)) return '/';
  if (/^\/login(\/|$|\?)/.test(next)) return '/';
  return next;
}

/** Paths the server owns: links to them are left to the browser. */
export function isServerPath(pathname: string): boolean {
  return /^\/(api|docs|health|ready|metrics)(\/|$)/.test(pathname);
}

/**
 * The guest page for a code typed by hand: a whole pasted link (`…/guest?code=X`) or
 * the bare code; `/guest` alone when there is none.
 */
export function guestCodeHref(input: string): string {
  const code = guestCodeOf(input);
  return code ? `/guest?code=${encodeURIComponent(code)}` : '/guest';
}

/** The code in what was typed or pasted: the `code=` of a link, else the text itself. */
export function guestCodeOf(input: string): string {
  const text = input.trim();
  if (!text) return '';
  const m = /[?&]code=([^&#\s]*)/.exec(text);
  if (m) {
    try {
      return decodeURIComponent((m[1] ?? '').replace(/\+/g, ' ')).trim();
    } catch {
      return (m[1] ?? '').trim();
    }
  }
  return text;
}
