// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { SEEK_BAR_KEYS } from './player-fixtures';
import { heldSeekStep, keyTarget, playerKey, seekBarKey, type KeyTarget, type PlayerAction } from './player-keys';

const page: KeyTarget = { ownsKeys: false, onRange: false, onControl: false, inControls: false };
const button: KeyTarget = { ...page, onControl: true, inControls: true };
const slider: KeyTarget = { ...page, onRange: true, inControls: true };

function press(key: string, where: KeyTarget = page, tv = false, mods: Partial<KeyboardEventInit> = {}): PlayerAction | null {
  return playerKey(
    { key, altKey: !!mods.altKey, ctrlKey: !!mods.ctrlKey, metaKey: !!mods.metaKey, defaultPrevented: false },
    where,
    tv,
  );
}

describe('playerKey on the page', () => {
  it.each([
    [' ', { type: 'toggle-play' }],
    ['k', { type: 'toggle-play' }],
    ['K', { type: 'toggle-play' }],
    ['Enter', { type: 'toggle-play' }],
    ['ArrowLeft', { type: 'skip', seconds: -10 }],
    ['j', { type: 'skip', seconds: -10 }],
    ['ArrowRight', { type: 'skip', seconds: 10 }],
    ['l', { type: 'skip', seconds: 10 }],
    ['ArrowUp', { type: 'volume-step', by: 0.1 }],
    ['ArrowDown', { type: 'volume-step', by: -0.1 }],
    ['f', { type: 'fullscreen' }],
    ['F', { type: 'fullscreen' }],
    ['m', { type: 'mute' }],
    ['M', { type: 'mute' }],
    ['c', { type: 'cycle-subtitles' }],
    ['C', { type: 'cycle-subtitles' }],
    ['Home', { type: 'seek', to: 0 }],
    ['End', { type: 'seek-end' }],
  ] as const)('%j does %j', (key, action) => {
    expect(press(key)).toEqual(action);
  });

  it.each(['a', 'J', 'L', 'Escape', 'Tab', 'PageUp', 'PageDown', 'Backspace', '1', 'MediaPlayPause'])(
    'leaves %j alone',
    (key) => {
      expect(press(key)).toBeNull();
    },
  );

  it('leaves keys with a modifier, or already handled, alone', () => {
    expect(press('k', page, false, { ctrlKey: true })).toBeNull();
    expect(press('f', page, false, { metaKey: true })).toBeNull();
    expect(press('ArrowLeft', page, false, { altKey: true })).toBeNull();
    expect(playerKey({ key: 'k', altKey: false, ctrlKey: false, metaKey: false, defaultPrevented: true }, page, false)).toBeNull();
  });

  it('leaves every key to an element that owns its keys', () => {
    for (const key of [' ', 'k', 'f', 'ArrowLeft', 'Home']) expect(press(key, { ...page, ownsKeys: true })).toBeNull();
  });
});

describe('playerKey on a control', () => {
  it('leaves Space, Enter, Home and End to a button', () => {
    expect(press(' ', button)).toBeNull();
    expect(press('Enter', button)).toBeNull();
    expect(press('Home', button)).toBeNull();
    expect(press('End', button)).toBeNull();
  });

  it('still takes the letter shortcuts and arrows on a button', () => {
    expect(press('k', button)).toEqual({ type: 'toggle-play' });
    expect(press('m', button)).toEqual({ type: 'mute' });
    expect(press('ArrowRight', button)).toEqual({ type: 'skip', seconds: 10 });
    expect(press('ArrowUp', button)).toEqual({ type: 'volume-step', by: 0.1 });
  });

  it('leaves the arrows and Enter to a slider, but takes Space there', () => {
    for (const key of ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Enter']) expect(press(key, slider)).toBeNull();
    expect(press(' ', slider)).toEqual({ type: 'toggle-play' });
    expect(press('Home', slider)).toEqual({ type: 'seek', to: 0 });
  });
});

describe('playerKey with a TV remote (the 10-foot layout)', () => {
  it('brings the controls with up or down outside them', () => {
    expect(press('ArrowUp', page, true)).toEqual({ type: 'focus-controls' });
    expect(press('ArrowDown', page, true)).toEqual({ type: 'focus-controls' });
  });

  it('leaves the arrows inside the controls to the focus moves', () => {
    for (const key of ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown']) expect(press(key, button, true)).toBeNull();
  });

  it('still seeks with left and right outside the controls', () => {
    expect(press('ArrowLeft', page, true)).toEqual({ type: 'skip', seconds: -10 });
    expect(press('ArrowRight', page, true)).toEqual({ type: 'skip', seconds: 10 });
    expect(press('Enter', page, true)).toEqual({ type: 'toggle-play' });
  });

  it('leaves the arrows on a link or button around the player to the focus moves', () => {
    const link: KeyTarget = { ...page, onControl: true };
    for (const key of ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown']) expect(press(key, link, true)).toBeNull();
    expect(press('k', link, true)).toEqual({ type: 'toggle-play' });
  });
});

describe('seekBarKey', () => {
  it.each(SEEK_BAR_KEYS)('%j does %j', (key, action) => {
    expect(seekBarKey(key)).toEqual(action);
  });

  it('leaves the other keys to the page', () => {
    for (const key of [' ', 'k', 'Enter', 'f', 'm', 'Tab']) expect(seekBarKey(key)).toBeNull();
  });

  it('with a TV remote, seeks with left and right, goes down to the buttons and leaves up to the focus moves', () => {
    expect(seekBarKey('ArrowLeft', true)).toEqual({ type: 'skip', seconds: -10 });
    expect(seekBarKey('ArrowRight', true)).toEqual({ type: 'skip', seconds: 10 });
    expect(seekBarKey('ArrowDown', true)).toEqual({ type: 'focus-controls' });
    expect(seekBarKey('ArrowUp', true)).toBeNull();
  });
});

describe('keyTarget', () => {
  afterEach(() => document.body.replaceChildren());

  function inPage(html: string, selector: string): Element {
    document.body.innerHTML = html;
    const el = document.querySelector(selector);
    if (!el) throw new Error(selector);
    return el;
  }

  it('tells the page itself', () => {
    expect(keyTarget(document.body)).toEqual(page);
    expect(keyTarget(null)).toEqual(page);
  });

  it('tells a button of the controls, also from its icon', () => {
    const icon = inPage('<div class="controls"><button><svg><path/></svg></button></div>', 'path');
    expect(keyTarget(icon)).toEqual({ ownsKeys: false, onRange: false, onControl: true, inControls: true });
    expect(keyTarget(inPage('<a href="/x">x</a>', 'a'))).toEqual({ ...page, onControl: true });
  });

  it('tells a slider', () => {
    const seek = inPage('<div class="controls"><input type="range"></div>', 'input');
    expect(keyTarget(seek)).toEqual({ ownsKeys: false, onRange: true, onControl: false, inControls: true });
  });

  it.each([
    ['a text field', '<input type="text">', 'input'],
    ['a checkbox', '<input type="checkbox">', 'input'],
    ['a select', '<select><option>a</option></select>', 'select'],
    ['a text area', '<textarea></textarea>', 'textarea'],
    ['an open menu', '<div role="menu"><button role="menuitemradio">x</button></div>', 'button'],
    ['a dialog', '<dialog open><button>x</button></dialog>', 'button'],
  ])('lets %s keep its keys', (_name, html, selector) => {
    expect(keyTarget(inPage(html, selector)).ownsKeys).toBe(true);
  });
});

describe('heldSeekStep', () => {
  it('moves 10 s a press, then faster the longer a remote key is held', () => {
    expect([0, 9, 10, 29, 30, 500].map(heldSeekStep)).toEqual([10, 10, 30, 30, 60, 60]);
  });
});
