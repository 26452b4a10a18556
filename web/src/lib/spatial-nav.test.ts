// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  arrowDirection,
  arrowLeaves,
  backStep,
  fieldState,
  handleRemoteKey,
  isRemoteBack,
  isTyping,
  moveFocus,
  nearestInDirection,
  type FieldState,
} from './spatial-nav';

describe('keys', () => {
  it('reads the arrows, old TV browsers’ names too', () => {
    expect(arrowDirection('ArrowUp')).toBe('up');
    expect(arrowDirection('ArrowDown')).toBe('down');
    expect(arrowDirection('ArrowLeft')).toBe('left');
    expect(arrowDirection('Right')).toBe('right');
    expect(arrowDirection('Enter')).toBeNull();
  });

  it('knows the remotes’ Back keys', () => {
    expect(isRemoteBack({ key: 'GoBack' })).toBe(true);
    expect(isRemoteBack({ key: 'BrowserBack' })).toBe(true);
    expect(isRemoteBack({ key: 'Unidentified', keyCode: 461 })).toBe(true); // webOS
    expect(isRemoteBack({ key: 'XF86Back', keyCode: 10009 })).toBe(true); // Tizen
    expect(isRemoteBack({ key: 'Escape', keyCode: 27 })).toBe(false);
  });

  const nothingOpen = { typing: false, menuOpen: false, dialogOpen: false };

  it('goes back with Escape, Backspace and the remote’s Back', () => {
    expect(backStep({ key: 'Escape' }, nothingOpen)).toBe('history');
    expect(backStep({ key: 'Backspace' }, nothingOpen)).toBe('history');
    expect(backStep({ key: 'GoBack' }, nothingOpen)).toBe('history');
    expect(backStep({ key: 'Enter' }, nothingOpen)).toBeNull();
  });

  it('leaves Backspace to a field being typed in', () => {
    expect(backStep({ key: 'Backspace' }, { ...nothingOpen, typing: true })).toBeNull();
    expect(backStep({ key: 'Escape' }, { ...nothingOpen, typing: true })).toBe('history');
  });

  it('closes a menu, then a dialog, before leaving the page', () => {
    expect(backStep({ key: 'GoBack' }, { ...nothingOpen, menuOpen: true, dialogOpen: true })).toBe('close-menu');
    expect(backStep({ key: 'Escape' }, { ...nothingOpen, dialogOpen: true })).toBe('close-dialog');
    expect(backStep({ key: 'x', keyCode: 461 }, { ...nothingOpen, dialogOpen: true })).toBe('close-dialog');
  });
});

describe('arrows in fields', () => {
  const text = (start: number | null, end: number | null = start, length = 5): FieldState => ({
    kind: 'text',
    selectionStart: start,
    selectionEnd: end,
    length,
  });

  it('always lets Up and Down leave a one-line field', () => {
    expect(arrowLeaves(text(2), 'up')).toBe(true);
    expect(arrowLeaves(text(2), 'down')).toBe(true);
  });

  it('lets Left and Right leave it with the caret at its start or end', () => {
    expect(arrowLeaves(text(0), 'left')).toBe(true);
    expect(arrowLeaves(text(2), 'left')).toBe(false);
    expect(arrowLeaves(text(5), 'right')).toBe(true);
    expect(arrowLeaves(text(2), 'right')).toBe(false);
    expect(arrowLeaves(text(0, 0, 0), 'right')).toBe(true);
    // A selection is the field's own.
    expect(arrowLeaves(text(0, 5), 'left')).toBe(false);
    // No caret (e-mail, number): the arrows go.
    expect(arrowLeaves(text(null), 'left')).toBe(true);
  });

  it('lets a slider keep Left and Right', () => {
    const range: FieldState = { kind: 'range', selectionStart: null, selectionEnd: null, length: 0 };
    expect(arrowLeaves(range, 'left')).toBe(false);
    expect(arrowLeaves(range, 'right')).toBe(false);
    expect(arrowLeaves(range, 'up')).toBe(true);
    expect(arrowLeaves(range, 'down')).toBe(true);
  });

  it('lets a text area keep Up and Down until its ends', () => {
    const area = (at: number): FieldState => ({ kind: 'multiline', selectionStart: at, selectionEnd: at, length: 10 });
    expect(arrowLeaves(area(4), 'up')).toBe(false);
    expect(arrowLeaves(area(0), 'up')).toBe(true);
    expect(arrowLeaves(area(4), 'down')).toBe(false);
    expect(arrowLeaves(area(10), 'down')).toBe(true);
  });

  it('lets buttons, links and selects go', () => {
    const other: FieldState = { kind: 'other', selectionStart: null, selectionEnd: null, length: 0 };
    for (const dir of ['up', 'down', 'left', 'right'] as const) expect(arrowLeaves(other, dir)).toBe(true);
  });
});

describe('nearestInDirection', () => {
  it('finds the nearest control each way', () => {
    const from = { left: 100, top: 100, width: 50, height: 20 };
    const boxes = [
      { left: 100, top: 200, width: 50, height: 20 }, // straight below
      { left: 400, top: 140, width: 50, height: 20 }, // below, far right
      { left: 200, top: 100, width: 50, height: 20 }, // right
      { left: 0, top: 100, width: 50, height: 20 }, // left
      { left: 100, top: 0, width: 50, height: 20 }, // above
    ];
    expect(nearestInDirection(from, boxes, 'down')).toBe(0);
    expect(nearestInDirection(from, boxes, 'right')).toBe(2);
    expect(nearestInDirection(from, boxes, 'left')).toBe(3);
    expect(nearestInDirection(from, boxes, 'up')).toBe(4);
    expect(nearestInDirection(from, [], 'up')).toBe(-1);
  });

  it('finds nothing past the edge', () => {
    const from = { left: 0, top: 0, width: 100, height: 50 };
    expect(nearestInDirection(from, [{ left: 200, top: 0, width: 100, height: 50 }], 'left')).toBe(-1);
    expect(nearestInDirection(from, [{ left: 0, top: 100, width: 100, height: 50 }], 'up')).toBe(-1);
  });

  it('takes the control in line over a nearer one off to the side', () => {
    const from = { left: 0, top: 0, width: 100, height: 40 };
    const offSide = { left: 600, top: 50, width: 100, height: 40 };
    const inLine = { left: 20, top: 200, width: 100, height: 40 };
    expect(nearestInDirection(from, [offSide, inLine], 'down')).toBe(1);
  });

  it('goes from a wide field down to the card under its start', () => {
    // The library's search field over a grid's first row.
    const search = { left: 40, top: 250, width: 420, height: 60 };
    const row = [0, 1, 2, 3, 4].map((i) => ({ left: 40 + i * 330, top: 420, width: 310, height: 260 }));
    expect(nearestInDirection(search, row, 'down')).toBe(0);
  });

  it('moves from a focused card a little larger than its place', () => {
    // Scaled 5 %: it overlaps its neighbours by a few pixels.
    const grown = { left: 92, top: -8, width: 316, height: 316 };
    const next = { left: 400, top: 0, width: 300, height: 300 };
    const below = { left: 100, top: 304, width: 300, height: 300 };
    expect(nearestInDirection(grown, [next, below], 'right')).toBe(0);
    expect(nearestInDirection(grown, [next, below], 'down')).toBe(1);
  });

  it('keeps to the nearest row before the best-centred control', () => {
    const from = { left: 500, top: 0, width: 100, height: 40 };
    const nearLeft = { left: 300, top: 100, width: 100, height: 40 };
    const farCentred = { left: 500, top: 400, width: 100, height: 40 };
    // The next row down, a little off to the side, before one in line far below.
    expect(nearestInDirection(from, [nearLeft, farCentred], 'down')).toBe(0);
    const nearOverlapping = { left: 560, top: 100, width: 100, height: 40 };
    expect(nearestInDirection(from, [farCentred, nearOverlapping], 'down')).toBe(1);
  });
});

// ---------------------------------------------------------------- in a document

/** Lays elements out by their `data-box="left,top,width,height"` (jsdom draws nothing). */
function layout(): void {
  vi.spyOn(Element.prototype, 'getBoundingClientRect').mockImplementation(function (this: Element) {
    const [left = 0, top = 0, width = 0, height = 0] = (this.getAttribute('data-box') ?? '').split(',').map(Number);
    return { left, top, width, height, right: left + width, bottom: top + height, x: left, y: top, toJSON: () => ({}) } as DOMRect;
  });
  Element.prototype.scrollIntoView = vi.fn();
}

function keydown(key: string, init: KeyboardEventInit = {}): KeyboardEvent {
  return new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init });
}

function focused(): string {
  return (document.activeElement as HTMLElement | null)?.dataset.name ?? document.activeElement?.tagName ?? '';
}

const PAGE = `
  <a class="skip-link" href="#main" data-name="skip" data-box="8,-200,150,40">Skip to content</a>
  <nav>
    <a href="/" data-name="home" data-box="200,10,100,40">Home</a>
    <a href="/library" data-name="library" data-box="310,10,100,40">Library</a>
  </nav>
  <main tabindex="-1" data-box="0,60,1920,1000">
    <input type="search" data-name="search" data-box="40,250,420,60" value="abc" />
    <select data-name="sort" data-box="480,250,200,60"><option>a</option><option>b</option></select>
    <span class="visually-hidden"><a href="/x" data-name="hidden" data-box="0,0,1,1">x</a></span>
    <ul>
      <li><a href="/v/1" data-grid-item tabindex="0" data-name="card1" data-box="40,420,310,260">1</a></li>
      <li><a href="/v/2" data-grid-item tabindex="-1" data-name="card2" data-box="370,420,310,260">2</a></li>
    </ul>
    <button type="button" disabled data-name="disabled" data-box="40,700,100,40">x</button>
    <button type="button" data-name="more" data-box="40,760,200,50">Load more</button>
  </main>`;

describe('moving the focus in a page', () => {
  beforeEach(() => {
    layout();
    document.body.innerHTML = PAGE;
  });

  afterEach(() => {
    vi.restoreAllMocks();
    document.body.replaceChildren();
  });

  const el = (name: string) => document.querySelector<HTMLElement>(`[data-name="${name}"]`) as HTMLElement;

  function press(key: string, init: KeyboardEventInit = {}, options: Parameters<typeof handleRemoteKey>[1] = {}): KeyboardEvent {
    const event = keydown(key, init);
    (document.activeElement ?? document.body).dispatchEvent(event);
    handleRemoteKey(event, options);
    return event;
  }

  it('goes down from the nav through the field and into the grid, and back up', () => {
    el('library').focus();
    expect(press('ArrowDown').defaultPrevented).toBe(true);
    expect(focused()).toBe('search');
    press('ArrowDown');
    expect(focused()).toBe('card1');
    press('ArrowUp');
    expect(focused()).toBe('search');
    press('ArrowUp');
    expect(['home', 'library']).toContain(focused());
  });

  it('moves within a search field until its caret is at an end', () => {
    const search = el('search') as HTMLInputElement;
    search.focus();
    search.setSelectionRange(1, 1);
    const kept = press('ArrowRight');
    expect(kept.defaultPrevented).toBe(false);
    expect(focused()).toBe('search');
    search.setSelectionRange(3, 3);
    press('ArrowRight');
    expect(focused()).toBe('sort');
  });

  it('never lands on the parked skip link, a hidden or a disabled control', () => {
    el('home').focus();
    press('ArrowUp');
    expect(focused()).toBe('home');
    el('card1').focus();
    press('ArrowDown');
    expect(focused()).toBe('more');
  });

  it('reaches a grid’s other cards (roving tabindex -1)', () => {
    el('card1').focus();
    press('ArrowRight');
    expect(focused()).toBe('card2');
    expect(Element.prototype.scrollIntoView).toHaveBeenCalledWith({ block: 'nearest', inline: 'nearest' });
  });

  it('keeps a select’s value: the arrows move the focus', () => {
    el('sort').focus();
    expect(press('ArrowDown').defaultPrevented).toBe(true);
    expect(focused()).toBe('card2');
    expect((el('sort') as HTMLSelectElement).selectedIndex).toBe(0);
  });

  it('goes from nothing (the page, <main>) to the page’s first control', () => {
    document.querySelector<HTMLElement>('main')?.focus();
    press('ArrowDown', {}, { fallback: () => el('card1') });
    expect(focused()).toBe('card1');
    (document.activeElement as HTMLElement).blur();
    expect(moveFocus('left')).toBe(el('home'));
  });

  it('goes from nothing to an open dialog’s first control, not the page’s', () => {
    document.body.insertAdjacentHTML(
      'beforeend',
      `<dialog open data-box="600,300,600,300"><button type="button" data-name="cancel" data-box="700,500,120,40">Cancel</button></dialog>`,
    );
    (document.activeElement as HTMLElement | null)?.blur();
    press('ArrowUp', {}, { fallback: () => el('card1') });
    expect(focused()).toBe('cancel');
  });

  it('leaves keys already handled alone', () => {
    el('library').focus();
    const event = keydown('ArrowDown');
    event.preventDefault();
    handleRemoteKey(event);
    expect(focused()).toBe('library');
  });

  it('stays inside an open dialog', () => {
    document.body.insertAdjacentHTML(
      'beforeend',
      `<dialog open data-box="600,300,600,300">
        <button type="button" data-name="cancel" data-box="700,500,120,40">Cancel</button>
        <button type="button" data-name="ok" data-box="840,500,120,40">OK</button>
      </dialog>`,
    );
    el('cancel').focus();
    press('ArrowRight');
    expect(focused()).toBe('ok');
    press('ArrowRight');
    press('ArrowDown');
    expect(focused()).toBe('ok');
  });

  it('leaves the arrows inside a menu to the menu', () => {
    document.body.insertAdjacentHTML(
      'beforeend',
      `<div role="menu" id="m1"><button role="menuitemradio" tabindex="-1" data-name="item" data-box="900,300,200,40">x</button></div>`,
    );
    el('item').focus();
    press('ArrowLeft');
    expect(focused()).toBe('item');
  });

  it('works a checkbox with OK', () => {
    document.body.insertAdjacentHTML('beforeend', `<input type="checkbox" data-name="check" data-box="40,900,20,20" />`);
    el('check').focus();
    expect(press('Enter').defaultPrevented).toBe(true);
    expect((el('check') as HTMLInputElement).checked).toBe(true);
  });
});

describe('Back', () => {
  beforeEach(() => {
    layout();
    document.body.innerHTML = PAGE;
  });

  afterEach(() => {
    vi.restoreAllMocks();
    document.body.replaceChildren();
  });

  it('goes back in history with nothing open', () => {
    const back = vi.fn();
    document.querySelector<HTMLElement>('[data-name="card1"]')?.focus();
    for (const init of [{ key: 'Escape' }, { key: 'Backspace' }, { key: 'GoBack' }, { key: 'Unidentified', keyCode: 461 }]) {
      const event = keydown(init.key, init);
      handleRemoteKey(event, { back });
      expect(event.defaultPrevented).toBe(true);
    }
    expect(back).toHaveBeenCalledTimes(4);
  });

  it('lets Backspace delete in a field', () => {
    const back = vi.fn();
    document.querySelector<HTMLElement>('[data-name="search"]')?.focus();
    const event = keydown('Backspace');
    handleRemoteKey(event, { back });
    expect(back).not.toHaveBeenCalled();
    expect(event.defaultPrevented).toBe(false);
  });

  it('closes an open menu first, through its button, which gets the focus', () => {
    document.body.insertAdjacentHTML(
      'beforeend',
      `<div class="menu-wrap">
        <button type="button" aria-haspopup="menu" aria-expanded="true" aria-controls="m2" data-name="menu-button" data-box="900,900,40,40">S</button>
        <div role="menu" id="m2"><button role="menuitemradio" tabindex="-1" data-name="item" data-box="900,700,200,40">x</button></div>
      </div>`,
    );
    const button = document.querySelector<HTMLElement>('[data-name="menu-button"]') as HTMLElement;
    button.addEventListener('click', () => {
      button.setAttribute('aria-expanded', 'false');
      document.getElementById('m2')?.remove();
    });
    document.querySelector<HTMLElement>('[data-name="item"]')?.focus();
    const back = vi.fn();
    handleRemoteKey(keydown('GoBack'), { back });
    expect(back).not.toHaveBeenCalled();
    expect(document.getElementById('m2')).toBeNull();
    expect(focused()).toBe('menu-button');
  });

  it('closes an open dialog (its cancel first), then leaves the page', () => {
    document.body.insertAdjacentHTML('beforeend', `<dialog><button type="button" data-name="ok" data-box="1,1,50,20">OK</button></dialog>`);
    const dialog = document.querySelector('dialog') as HTMLDialogElement;
    // jsdom's <dialog> has no close().
    dialog.close ??= function (this: HTMLDialogElement) {
      this.removeAttribute('open');
    };
    dialog.setAttribute('open', '');
    const cancelled = vi.fn();
    dialog.addEventListener('cancel', cancelled);
    const back = vi.fn();
    handleRemoteKey(keydown('Unidentified', { keyCode: 10009 }), { back });
    expect(cancelled).toHaveBeenCalledTimes(1);
    expect(dialog.open).toBe(false);
    expect(back).not.toHaveBeenCalled();
    handleRemoteKey(keydown('GoBack'), { back });
    expect(back).toHaveBeenCalledTimes(1);
  });
});

describe('fields', () => {
  afterEach(() => document.body.replaceChildren());

  it('tells typing from the rest', () => {
    document.body.innerHTML = `<input type="text" id="t" /><input type="checkbox" id="c" /><input type="range" id="r" /><textarea id="a"></textarea><button id="b">b</button>`;
    const byId = (id: string) => document.getElementById(id);
    expect(isTyping(byId('t'))).toBe(true);
    expect(isTyping(byId('a'))).toBe(true);
    expect(isTyping(byId('c'))).toBe(false);
    expect(isTyping(byId('b'))).toBe(false);
    expect(fieldState(byId('r')).kind).toBe('range');
    expect(fieldState(byId('c')).kind).toBe('other');
    expect(fieldState(byId('a')).kind).toBe('multiline');
    const t = byId('t') as HTMLInputElement;
    t.value = 'hello';
    t.setSelectionRange(5, 5);
    expect(fieldState(t)).toEqual({ kind: 'text', selectionStart: 5, selectionEnd: 5, length: 5 });
  });
});
