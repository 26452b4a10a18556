// The 10-foot layout: larger type, and a remote's keys (a remote has no Tab key and no
// pointer): arrows move the focus between controls, OK works them, Back closes or leaves
// (lib/spatial-nav.ts). Grids, menus and the player handle their own arrows first.
import { landingTarget } from './landing';
import { handleRemoteKey } from './spatial-nav';

/** The page's first useful control: where an arrow pressed with nothing focused goes. */
function pageStart(): HTMLElement | null {
  const main = document.querySelector<HTMLElement>('main');
  return main ? (landingTarget(main)?.el ?? null) : null;
}

function onKeydown(event: KeyboardEvent): void {
  if (!isTvLayout()) return;
  handleRemoteKey(event, { fallback: pageStart });
}

let installed = false;

export function enableTvLayout(): void {
  document.documentElement.classList.add('tv');
  if (installed) return;
  installed = true;
  window.addEventListener('keydown', onKeydown);
}

export function disableTvLayout(): void {
  document.documentElement.classList.remove('tv');
}

export function isTvLayout(): boolean {
  return document.documentElement.classList.contains('tv');
}

const LAYOUT_KEY = 'homestream.layout';

/**
 * The 10-foot layout on TV browsers, or when a URL asks for it with `?layout=tv` (and
 * `?layout=default` to leave it): the choice is kept for the tab.
 */
export function applyLayout(search: string, guessedTv: boolean): void {
  const asked = new URLSearchParams(search).get('layout');
  let layout: string | null = null;
  try {
    if (asked === 'tv' || asked === 'default') sessionStorage.setItem(LAYOUT_KEY, asked);
    layout = sessionStorage.getItem(LAYOUT_KEY);
  } catch {
    layout = asked;
  }
  if (layout === 'tv' || (layout !== 'default' && guessedTv)) enableTvLayout();
  else disableTvLayout();
}
