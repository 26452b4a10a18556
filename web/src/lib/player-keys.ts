// The player's shortcuts: a key, and where it was pressed, to what the player does. One
// table for the page's keys and one for the seek bar's, so a new key (a TV remote's)
// goes here alone; the control bar sends the same actions.

/** What the player does, whether a key, a control or a remote asks. */
export type PlayerAction =
  | { type: 'toggle-play' }
  | { type: 'skip'; seconds: number }
  | { type: 'seek'; to: number }
  | { type: 'seek-end' }
  | { type: 'volume'; to: number }
  | { type: 'volume-step'; by: number }
  | { type: 'mute' }
  | { type: 'fullscreen' }
  | { type: 'pip' }
  | { type: 'cycle-subtitles' }
  /** The 10-foot layout: up or down outside the controls brings them, focused. */
  | { type: 'focus-controls' };

/** Where a key was pressed, as far as the shortcuts care. */
export interface KeyTarget {
  /** The element keeps every key: a menu, a dialog, a text field, a list. */
  ownsKeys: boolean;
  /** A slider (seek bar, volume): it takes its own arrows. */
  onRange: boolean;
  /** A button or link: Space, Enter, Home and End are its own. */
  onControl: boolean;
  /** Inside the control bar, where a remote's arrows move the focus. */
  inControls: boolean;
}

/** The modifiers and state of a key event the shortcuts read (a `KeyboardEvent` fits). */
export interface KeyPress {
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  defaultPrevented: boolean;
}

export function keyTarget(target: EventTarget | null): KeyTarget {
  const t = target instanceof Element ? target : null;
  const onRange = t instanceof HTMLInputElement && t.type === 'range';
  const ownsKeys =
    !!t?.closest('[role="menu"], dialog') ||
    t instanceof HTMLSelectElement ||
    t instanceof HTMLTextAreaElement ||
    (t instanceof HTMLInputElement && !onRange);
  return { ownsKeys, onRange, onControl: !!t?.closest('button, a'), inControls: !!t?.closest('.controls') };
}

/** The action of a key pressed anywhere on the page, `null` when the key is not the player's. */
export function playerKey(event: KeyPress, where: KeyTarget, tv: boolean): PlayerAction | null {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || where.ownsKeys) return null;
  const arrow = event.key.startsWith('Arrow');
  if (arrow && where.onRange) return null; // the sliders take their own arrows
  // The remote's arrows move between controls: in the control bar, and on a link or button
  // of the page around the player. They seek and bring the controls from the video.
  if (arrow && tv && (where.inControls || where.onControl)) return null;
  switch (event.key) {
    case ' ':
      return where.onControl ? null : { type: 'toggle-play' };
    case 'k':
    case 'K':
      return { type: 'toggle-play' };
    case 'Enter':
      return where.onControl || where.onRange ? null : { type: 'toggle-play' };
    case 'ArrowLeft':
    case 'j':
      return { type: 'skip', seconds: -10 };
    case 'ArrowRight':
    case 'l':
      return { type: 'skip', seconds: 10 };
    case 'ArrowUp':
    case 'ArrowDown':
      if (tv && !where.inControls) return { type: 'focus-controls' };
      return { type: 'volume-step', by: event.key === 'ArrowUp' ? 0.1 : -0.1 };
    case 'f':
    case 'F':
      return { type: 'fullscreen' };
    case 'm':
    case 'M':
      return { type: 'mute' };
    case 'c':
    case 'C':
      return { type: 'cycle-subtitles' };
    case 'Home':
      return where.onControl ? null : { type: 'seek', to: 0 };
    case 'End':
      return where.onControl ? null : { type: 'seek-end' };
    default:
      return null;
  }
}

/**
 * The seek bar's own keys: 10 s a step, a minute a page. With a TV remote (`tv`) Left
 * and Right seek; Down goes to the buttons below (play/pause) and Up is left to the focus
 * moves.
 */
export function seekBarKey(key: string, tv = false): PlayerAction | null {
  if (tv && key === 'ArrowDown') return { type: 'focus-controls' };
  if (tv && key === 'ArrowUp') return null;
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowDown':
      return { type: 'skip', seconds: -10 };
    case 'ArrowRight':
    case 'ArrowUp':
      return { type: 'skip', seconds: 10 };
    case 'PageDown':
      return { type: 'skip', seconds: -60 };
    case 'PageUp':
      return { type: 'skip', seconds: 60 };
    case 'Home':
      return { type: 'seek', to: 0 };
    case 'End':
      return { type: 'seek-end' };
    default:
      return null;
  }
}

/**
 * How far one press of a remote's held Left or Right moves the seek preview, by how
 * many times the key has repeated: 10 s, then 30 s after about a second of holding,
 * then a minute.
 */
export function heldSeekStep(repeats: number): number {
  if (repeats >= 30) return 60;
  if (repeats >= 10) return 30;
  return 10;
}
