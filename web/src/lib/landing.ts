// Where the focus lands when a page opens on the 10-foot layout. A remote has no Tab key
// and no pointer: the page opens on its first useful control, not on `<main>` (from where
// no arrow leads anywhere). In order:
//   0. after Back, the control that had the focus when the page was left;
//   1. the control the page marks `data-landing` (Play, the player's play/pause, the
//      username field, the library's search field when the library shows nothing);
//   2. the first card of the first grid;
//   3. once the page has settled, its first control (a button or link before a text field).
// Pages load what they show after they open: the landing waits for it, and moves on to a
// better place that appears later, until the user presses a key or moves the focus.
import { focusables, focusAndReveal, isTyping, reachable } from './spatial-nav';

export type Rank = 0 | 1 | 2 | 3;

export interface Landing {
  el: HTMLElement;
  rank: Rank;
}

const KEY_ATTRIBUTES = ['data-testid', 'data-video-id', 'data-series-id', 'data-entry-id', 'data-key'];

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** A selector that finds the element again when its page is shown anew (after Back), null if none. */
export function focusKey(el: Element): string | null {
  if (el.id) return `[id=${quoted(el.id)}]`;
  const parts = KEY_ATTRIBUTES.flatMap((name) => {
    const value = el.getAttribute(name);
    return value === null ? [] : [`[${name}=${quoted(value)}]`];
  });
  return parts.length > 0 ? parts.join('') : null;
}

function find(scope: ParentNode, selector: string): HTMLElement | null {
  try {
    return scope.querySelector<HTMLElement>(selector);
  } catch {
    return null;
  }
}

/** The best place for the focus in `root` now (`settled`: the page had time to show itself). */
export function landingTarget(root: HTMLElement, remembered: string | null = null, settled = true): Landing | null {
  if (remembered) {
    const el = find(root.ownerDocument, remembered);
    if (el && reachable(el)) return { el, rank: 0 };
  }
  const marked = Array.from(root.querySelectorAll<HTMLElement>('[data-landing]')).find(reachable);
  if (marked) return { el: marked, rank: 1 };
  const card = Array.from(root.querySelectorAll<HTMLElement>('[data-grid-item][tabindex="0"]')).find(reachable);
  if (card) return { el: card, rank: 2 };
  if (!settled) return null;
  // A control before a text field (a TV may bring its keyboard up for a focused field).
  const all = focusables(root);
  const first = all.find((el) => !isTyping(el)) ?? all[0];
  return first ? { el: first, rank: 3 } : null;
}

export interface LandingOptions {
  /** `focusKey` of the control focused when this page was last left (Back). */
  remembered?: string | null;
  /** Before this, only a marked control or a card will do (ms). */
  settleMs?: number;
  /** The landing gives up after this (ms). */
  timeoutMs?: number;
  /** Told where the focus landed. */
  onland?: (el: HTMLElement) => void;
}

/**
 * Lands the focus in `root` (the page's `<main>`), now or as the page fills in. Until
 * something lands, `root` has the focus (screen readers read the new page from there).
 * Returns `stop`.
 */
export function land(root: HTMLElement, options: LandingOptions = {}): () => void {
  const { remembered = null, settleMs = 600, timeoutMs = 8000, onland } = options;
  const doc = root.ownerDocument;
  const started = Date.now();
  let rank = 4;
  let placed: HTMLElement | null = null;
  let stopped = false;
  let scheduled = false;

  if (!root.contains(doc.activeElement) || doc.activeElement === root) root.focus({ preventScroll: true });

  /** The focus is where this landing put it (or fell back to the page): it may move it. */
  function ours(): boolean {
    const a = doc.activeElement;
    return a === null || a === doc.body || a === root || (placed !== null && a === placed);
  }

  function check(): void {
    scheduled = false;
    if (stopped) return;
    if (!ours()) {
      stop();
      return;
    }
    const found = landingTarget(root, remembered, Date.now() - started >= settleMs);
    if (found && (found.rank < rank || !placed?.isConnected || doc.activeElement !== placed)) {
      rank = found.rank;
      placed = found.el;
      focusAndReveal(found.el);
      onland?.(found.el);
    }
    if (rank <= 1) stop();
  }

  function schedule(): void {
    if (scheduled || stopped) return;
    scheduled = true;
    setTimeout(check, 0);
  }

  const observer = new MutationObserver(schedule);
  observer.observe(root, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ['tabindex', 'data-landing', 'disabled', 'hidden', 'class', 'style'],
  });
  const settleTimer = setTimeout(schedule, settleMs);
  const giveUp = setTimeout(stop, timeoutMs);
  // The user's own key or tap: the focus is theirs from now on.
  const byUser = () => stop();
  doc.addEventListener('keydown', byUser, true);
  doc.addEventListener('pointerdown', byUser, true);

  function stop(): void {
    if (stopped) return;
    stopped = true;
    observer.disconnect();
    clearTimeout(settleTimer);
    clearTimeout(giveUp);
    doc.removeEventListener('keydown', byUser, true);
    doc.removeEventListener('pointerdown', byUser, true);
  }

  check();
  return stop;
}

/** The focused control of each page (by URL), to land on it again after Back. */
export class FocusMemory {
  readonly #keys = new Map<string, string>();
  readonly #limit: number;

  constructor(limit = 50) {
    this.#limit = limit;
  }

  remember(url: string, el: Element): void {
    const key = focusKey(el);
    if (!key) return;
    this.#keys.delete(url);
    this.#keys.set(url, key);
    if (this.#keys.size > this.#limit) {
      const oldest = this.#keys.keys().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
  }

  recall(url: string): string | null {
    return this.#keys.get(url) ?? null;
  }
}
