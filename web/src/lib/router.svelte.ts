// A small history-API router: the current URL as state, navigation, and in-app links.
import { currentDeviceHints, deviceType } from './device';
import { isServerPath, matchRoute, type RouteMatch } from './routes';
import { applyLayout } from './tv';

const guessedTv = typeof navigator !== 'undefined' && deviceType(currentDeviceHints()) === 'tv';

class RouteState {
  path = $state(typeof location === 'undefined' ? '/' : location.pathname);
  search = $state(typeof location === 'undefined' ? '' : location.search);
  /** Bumped on every navigation (focus and scroll follow it). */
  serial = $state(0);
  /** The last navigation was Back or Forward (pages may restore what they showed). */
  popped = false;
  match: RouteMatch = $derived(matchRoute(this.path));
  query: URLSearchParams = $derived(new URLSearchParams(this.search));

  get href(): string {
    return `${this.path}${this.search}`;
  }
}

export const route = new RouteState();

function sync(popped = false): void {
  route.popped = popped;
  applyLayout(location.search, guessedTv);
  route.path = location.pathname;
  route.search = location.search;
  route.serial += 1;
}

export interface NavigateOptions {
  replace?: boolean;
  /** Scroll to the top (default true). */
  scroll?: boolean;
}

export function navigate(to: string, options: NavigateOptions = {}): void {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local value, never state
  const url = new URL(to, location.href);
  if (url.origin !== location.origin) {
    location.assign(url.href);
    return;
  }
  const target = `${url.pathname}${url.search}${url.hash}`;
  const current = `${location.pathname}${location.search}${location.hash}`;
  if (options.replace || target === current) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  sync();
  if (options.scroll !== false) window.scrollTo({ top: 0 });
}

/** Changes the query of the current page without a new history entry (filters, search). */
export function replaceQuery(search: string): void {
  const target = `${location.pathname}${search}`;
  if (target === `${location.pathname}${location.search}`) return;
  history.replaceState(null, '', target);
  route.search = location.search;
}

function onClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.('a');
  if (!anchor || !anchor.href) return;
  if (anchor.target && anchor.target !== '_self') return;
  if (anchor.hasAttribute('download') || anchor.getAttribute('rel')?.includes('external')) return;
  const url = new URL(anchor.href);
  if (url.origin !== location.origin || isServerPath(url.pathname)) return;
  event.preventDefault();
  navigate(`${url.pathname}${url.search}${url.hash}`);
}

let started = false;

export function startRouter(): void {
  if (started) return;
  started = true;
  applyLayout(location.search, guessedTv);
  window.addEventListener('popstate', () => sync(true));
  document.addEventListener('click', onClick);
}
