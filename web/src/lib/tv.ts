// The 10-foot layout: larger type, and arrow keys that move the focus between controls
// (a remote control has no Tab key). Grids and the player handle their own arrows first.
import { nearestInDirection, type Direction } from './spatial';

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
  '[data-grid-item]',
].join(',');

const KEYS: Record<string, Direction> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
};

function visible(el: HTMLElement): boolean {
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return false;
  return getComputedStyle(el).visibility !== 'hidden';
}

function takesArrows(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(el.type);
  return !!el.closest('[role="menu"],[role="tablist"],[role="slider"]');
}

function onKeydown(event: KeyboardEvent): void {
  if (!isTvLayout()) return;
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  // The "Back" key of TV remotes (webOS 461, Tizen 10009).
  if (event.key === 'BrowserBack' || event.keyCode === 461 || event.keyCode === 10009) {
    event.preventDefault();
    history.back();
    return;
  }
  const dir = KEYS[event.key];
  if (!dir) return;
  const active = document.activeElement as HTMLElement | null;
  if (takesArrows(active)) return;
  const scope: ParentNode = document.querySelector('dialog[open]') ?? document;
  const candidates = Array.from(scope.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (el) => el !== active && visible(el) && !el.closest('[inert],[aria-hidden="true"]'),
  );
  if (candidates.length === 0) return;
  const from =
    active && active !== document.body
      ? active.getBoundingClientRect()
      : new DOMRect(window.innerWidth / 2, 0, 0, 0);
  const index = nearestInDirection(from, candidates.map((c) => c.getBoundingClientRect()), dir);
  const target = candidates[index];
  if (!target) return;
  event.preventDefault();
  target.focus();
  target.scrollIntoView({ block: 'nearest', inline: 'nearest' });
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
