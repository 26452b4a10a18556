// A TV remote's D-pad, OK and Back on the 10-foot layout: an arrow moves the focus to the
// nearest control that way on screen (geometric, as TV apps move it), a text field lets
// the arrows go at its ends, Back closes what is open and otherwise leaves the page.
// The pure rules first (unit-tested), then what they do in the document.
// Components that take arrows themselves (grids, menus, tabs, the player) handle them
// first and call `preventDefault()`: what they leave comes here.

export type Direction = 'left' | 'right' | 'up' | 'down';

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

const ARROWS: Record<string, Direction> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
  // Old webOS and Tizen browsers.
  Left: 'left',
  Right: 'right',
  Up: 'up',
  Down: 'down',
};

export function arrowDirection(key: string): Direction | null {
  return ARROWS[key] ?? null;
}

/** The fields of a key event these rules read (a `KeyboardEvent` fits). */
export interface KeyInfo {
  key: string;
  /** webOS and Tizen tell their Back key by its code alone. */
  keyCode?: number | undefined;
}

/** The remotes' Back key: `GoBack`/`BrowserBack`, webOS 461, Tizen 10009. */
export function isRemoteBack(event: KeyInfo): boolean {
  return event.key === 'GoBack' || event.key === 'BrowserBack' || event.keyCode === 461 || event.keyCode === 10009;
}

export type BackStep = 'close-menu' | 'close-dialog' | 'history';

/**
 * What a key does as Back: Escape, Backspace (not while typing) and the remote's Back
 * close an open menu, then an open dialog, and otherwise go back in history.
 * `null`: the key is not Back here.
 */
export function backStep(event: KeyInfo, where: { typing: boolean; menuOpen: boolean; dialogOpen: boolean }): BackStep | null {
  const back = isRemoteBack(event) || event.key === 'Escape' || (event.key === 'Backspace' && !where.typing);
  if (!back) return null;
  if (where.menuOpen) return 'close-menu';
  if (where.dialogOpen) return 'close-dialog';
  return 'history';
}

/** A focused element, as far as the arrows care. */
export interface FieldState {
  /** `text`: a one-line field; `multiline`: a text area; `range`: a slider; `other`: buttons, links, selects… */
  kind: 'text' | 'multiline' | 'range' | 'other';
  /** The caret or selection (`null` where the field has none, as an e-mail or number field). */
  selectionStart: number | null;
  selectionEnd: number | null;
  length: number;
}

/**
 * Whether an arrow moves the focus out of the focused element. Up and Down always leave
 * a one-line field; Left and Right leave it with the caret at its start or end. A text
 * area keeps Up and Down until its caret is at the start or end; a slider keeps Left and
 * Right (the seek bar seeks, the volume changes) and lets Up and Down go.
 */
export function arrowLeaves(field: FieldState, dir: Direction): boolean {
  const { selectionStart: start, selectionEnd: end, length } = field;
  const atStart = start === null || (start === 0 && end === 0);
  const atEnd = end === null || (start === length && end === length);
  switch (field.kind) {
    case 'other':
      return true;
    case 'range':
      return dir === 'up' || dir === 'down';
    case 'text':
      return dir === 'up' || dir === 'down' || (dir === 'left' ? atStart : atEnd);
    case 'multiline':
      return dir === 'up' || dir === 'left' ? atStart : atEnd;
  }
}

/**
 * The candidate nearest to `from` in `dir`, -1 for none. A candidate counts when it lies
 * past `from` that way (overlapping it by a sliver at most: a focused card grows a
 * little). Nearest: the gap along the move, plus twice the gap sideways (a control in
 * line beats a closer one off to the side), then the one best centred.
 */
export function nearestInDirection(from: Box, candidates: readonly Box[], dir: Direction): number {
  const horizontal = dir === 'left' || dir === 'right';
  const forward = dir === 'right' || dir === 'down';
  const start = (b: Box) => (horizontal ? b.left : b.top);
  const size = (b: Box) => (horizontal ? b.width : b.height);
  const crossStart = (b: Box) => (horizontal ? b.top : b.left);
  const crossSize = (b: Box) => (horizontal ? b.height : b.width);

  const fromStart = start(from);
  const fromEnd = fromStart + size(from);
  const fromMid = fromStart + size(from) / 2;
  const fromCross = crossStart(from);
  const fromCrossEnd = fromCross + crossSize(from);
  const fromCrossMid = fromCross + crossSize(from) / 2;

  let best = -1;
  let bestScore = Infinity;
  candidates.forEach((c, i) => {
    const cStart = start(c);
    const cEnd = cStart + size(c);
    const cMid = cStart + size(c) / 2;
    const gap = forward ? cStart - fromEnd : fromStart - cEnd;
    const slack = Math.min(size(from), size(c)) * 0.25;
    if (gap < -slack) return;
    if (forward ? cMid <= fromMid : cMid >= fromMid) return;
    const cCross = crossStart(c);
    const cCrossEnd = cCross + crossSize(c);
    const overlap = Math.min(cCrossEnd, fromCrossEnd) - Math.max(cCross, fromCross);
    const sideways = overlap > 0 ? 0 : -overlap;
    const offCentre = Math.abs(cCross + crossSize(c) / 2 - fromCrossMid);
    const score = Math.max(0, gap) + sideways * 2 + offCentre * 0.05;
    if (score < bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best;
}

// ---------------------------------------------------------------- the document

const FOCUSABLE = [
  'a[href]',
  'button',
  'input:not([type="hidden"])',
  'select',
  'textarea',
  'summary',
  '[tabindex]',
  '[contenteditable="true"]',
].join(',');

const TEXT_TYPES = new Set(['text', 'search', 'password', 'email', 'url', 'tel', 'number', 'date', 'time', 'datetime-local', 'month', 'week']);

/** The focused element is a field being typed in (where Backspace deletes). */
export function isTyping(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement) return !el.readOnly;
  if (el instanceof HTMLInputElement) return TEXT_TYPES.has(el.type) && !el.readOnly;
  return el instanceof HTMLElement && el.isContentEditable === true;
}

export function fieldState(el: Element | null): FieldState {
  const none: FieldState = { kind: 'other', selectionStart: null, selectionEnd: null, length: 0 };
  if (el instanceof HTMLTextAreaElement) {
    return { kind: 'multiline', selectionStart: el.selectionStart, selectionEnd: el.selectionEnd, length: el.value.length };
  }
  if (el instanceof HTMLInputElement) {
    if (el.type === 'range') return { ...none, kind: 'range' };
    if (!TEXT_TYPES.has(el.type)) return none;
    let start: number | null = null;
    let end: number | null = null;
    try {
      // Null (or throws, in older engines) where the type has no caret: e-mail, number.
      start = el.selectionStart;
      end = el.selectionEnd;
    } catch {
      start = null;
      end = null;
    }
    return { kind: 'text', selectionStart: start, selectionEnd: end, length: el.value.length };
  }
  return none;
}

/** An element the remote may move the focus to: shown, enabled, in the tab order or a grid's card. */
export function reachable(el: HTMLElement): boolean {
  if ('disabled' in el && (el as HTMLButtonElement).disabled) return false;
  if (el.getAttribute('aria-disabled') === 'true') return false;
  const tabindex = el.getAttribute('tabindex');
  if (tabindex !== null && Number(tabindex) < 0 && !el.hasAttribute('data-grid-item')) return false;
  // Menus move their own focus; hidden and inert parts are out of reach.
  if (el.closest('[inert],[aria-hidden="true"],[role="menu"]')) return false;
  const r = el.getBoundingClientRect();
  // Visually hidden (1 px), not drawn, or parked above or left of the page (the skip link).
  if (r.width <= 1 || r.height <= 1) return false;
  if (r.bottom + window.scrollY <= 0 || r.right + window.scrollX <= 0) return false;
  return getComputedStyle(el).visibility !== 'hidden';
}

/** Where the remote moves: inside an open modal dialog, else the whole page. */
function scopeOf(doc: Document): ParentNode {
  const dialogs = Array.from(doc.querySelectorAll<HTMLDialogElement>('dialog[open]'));
  return dialogs[dialogs.length - 1] ?? doc;
}

export function focusables(scope: ParentNode, except: Element | null = null): HTMLElement[] {
  return Array.from(scope.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el !== except && reachable(el));
}

/** Focuses `el` and brings it into view (nearest: the page moves as little as it can). */
export function focusAndReveal(el: HTMLElement): void {
  el.focus({ preventScroll: true });
  el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
}

/** The focus is on no control: the page, `<main>`, a container focused for screen readers. */
function isNowhere(active: HTMLElement, doc: Document): boolean {
  if (active === doc.body || active.tagName === 'MAIN' || !active.matches(FOCUSABLE)) return true;
  return active.getAttribute('tabindex') === '-1' && !active.hasAttribute('data-grid-item');
}

/**
 * Moves the focus from the focused element to the nearest one in `dir`; from nothing
 * (the page, `<main>`), to `fallback` (the page's first control). The element focused, or null.
 */
export function moveFocus(dir: Direction, fallback?: () => HTMLElement | null, doc: Document = document): HTMLElement | null {
  const active = doc.activeElement instanceof HTMLElement ? doc.activeElement : null;
  const scope = scopeOf(doc);
  if (!active || isNowhere(active, doc)) {
    // In an open modal dialog, its first control; else the page's.
    const target = (scope === doc ? fallback?.() : null) ?? focusables(scope)[0] ?? null;
    if (target) focusAndReveal(target);
    return target;
  }
  const list = focusables(scope, active);
  const index = nearestInDirection(active.getBoundingClientRect(), list.map((el) => el.getBoundingClientRect()), dir);
  const target = list[index];
  if (!target) return null;
  focusAndReveal(target);
  return target;
}

/** The open menu (role="menu": menus are in the document only while open). */
function openMenu(doc: Document): HTMLElement | null {
  return doc.querySelector<HTMLElement>('[role="menu"]');
}

/** Closes a menu through its button (which then has the focus), as Escape does. */
function closeMenu(menu: HTMLElement, doc: Document): void {
  const button = menu.id
    ? (Array.from(doc.querySelectorAll<HTMLElement>('[aria-controls][aria-expanded="true"]')).find(
        (b) => b.getAttribute('aria-controls') === menu.id,
      ) ?? null)
    : null;
  if (button) {
    button.click();
    button.focus();
  } else {
    menu.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }));
  }
}

/** A dialog opened with `showModal()` (older engines, without `:modal`: the app opens no other). */
function isModal(dialog: HTMLDialogElement): boolean {
  try {
    return dialog.matches(':modal');
  } catch {
    return true;
  }
}

/** Closes a dialog as Escape does: `cancel` first (which may refuse), then `close()`. */
function closeDialog(dialog: HTMLDialogElement): void {
  const cancel = new Event('cancel', { cancelable: true });
  if (dialog.dispatchEvent(cancel) && dialog.open) dialog.close();
}

export interface RemoteOptions {
  /** The page's first control, for an arrow pressed with nothing focused. */
  fallback?: () => HTMLElement | null;
  /** Leaves the page (history.back). */
  back?: () => void;
}

/**
 * A key on the 10-foot layout: arrows move the focus, OK (Enter) works checkboxes and
 * selects too, Back closes or leaves. Keys already handled are left alone.
 */
export function handleRemoteKey(event: KeyboardEvent, options: RemoteOptions = {}, doc: Document = document): void {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  const active = doc.activeElement;
  const dialogs = doc.querySelectorAll<HTMLDialogElement>('dialog[open]');
  const dialog = dialogs[dialogs.length - 1] ?? null;
  const menu = openMenu(doc);

  const step = backStep(event, { typing: isTyping(active), menuOpen: !!menu, dialogOpen: !!dialog });
  if (step) {
    // A modal dialog takes Escape itself (its `cancel`).
    if (step === 'close-dialog' && event.key === 'Escape' && dialog && isModal(dialog)) return;
    event.preventDefault();
    if (step === 'close-menu' && menu) closeMenu(menu, doc);
    else if (step === 'close-dialog' && dialog) closeDialog(dialog);
    else (options.back ?? (() => history.back()))();
    return;
  }

  if (event.key === 'Enter' && !event.repeat) {
    // OK on a checkbox or radio ticks it; on a select, opens its list.
    if (active instanceof HTMLInputElement && (active.type === 'checkbox' || active.type === 'radio')) {
      event.preventDefault();
      active.click();
    } else if (active instanceof HTMLSelectElement && typeof active.showPicker === 'function') {
      try {
        active.showPicker();
        event.preventDefault();
      } catch {
        // not allowed here: the browser's own Enter
      }
    }
    return;
  }

  const dir = arrowDirection(event.key);
  if (!dir) return;
  if (active?.closest('[role="menu"]')) return;
  const field = fieldState(active);
  if (!arrowLeaves(field, dir)) return;
  const moved = moveFocus(dir, options.fallback, doc);
  // A select or slider would otherwise change its value with the arrow.
  if (moved || field.kind === 'range' || active instanceof HTMLSelectElement) event.preventDefault();
}
