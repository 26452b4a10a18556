// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FocusMemory, focusKey, land, landingTarget } from './landing';

/** Lays elements out by their `data-box="left,top,width,height"` (jsdom draws nothing). */
function layout(): void {
  vi.spyOn(Element.prototype, 'getBoundingClientRect').mockImplementation(function (this: Element) {
    const [left = 0, top = 0, width = 0, height = 0] = (this.getAttribute('data-box') ?? '').split(',').map(Number);
    return { left, top, width, height, right: left + width, bottom: top + height, x: left, y: top, toJSON: () => ({}) } as DOMRect;
  });
  Element.prototype.scrollIntoView = vi.fn();
}

const settle = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

function focused(): string {
  const a = document.activeElement as HTMLElement | null;
  return a?.dataset.name ?? a?.tagName ?? '';
}

let main: HTMLElement;

beforeEach(() => {
  layout();
  document.body.innerHTML = `
    <nav><a href="/library" data-name="nav" data-box="300,10,100,40">Library</a></nav>
    <main tabindex="-1" data-box="0,60,1920,1000"></main>`;
  main = document.querySelector('main') as HTMLElement;
});

afterEach(() => {
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

describe('focusKey', () => {
  it('finds a control again by its id, else by what names it', () => {
    document.body.innerHTML = `
      <input id="lib-q" />
      <a data-testid="video-card" data-video-id="v&quot;1" href="/v">x</a>
      <p>nothing</p>`;
    const input = document.querySelector('input') as Element;
    const card = document.querySelector('a') as Element;
    expect(focusKey(input)).toBe('[id="lib-q"]');
    expect(document.querySelector(focusKey(card) ?? '')).toBe(card);
    expect(focusKey(document.querySelector('p') as Element)).toBeNull();
  });
});

describe('landingTarget', () => {
  it('takes the marked control first, then the first card, then (settled) the first control', () => {
    main.innerHTML = `
      <a href="/shows" data-name="view" data-box="40,100,100,40">Shows</a>
      <ul><li><a href="/v/1" data-grid-item tabindex="0" data-name="card" data-box="40,400,300,200">1</a></li></ul>
      <a href="/watch/1" data-landing data-name="play" data-box="40,300,100,40">Play</a>`;
    expect(landingTarget(main)).toMatchObject({ rank: 1, el: { dataset: { name: 'play' } } });
    main.querySelector('[data-landing]')?.remove();
    expect(landingTarget(main)).toMatchObject({ rank: 2, el: { dataset: { name: 'card' } } });
    main.querySelector('ul')?.remove();
    expect(landingTarget(main, null, false)).toBeNull();
    expect(landingTarget(main, null, true)).toMatchObject({ rank: 3, el: { dataset: { name: 'view' } } });
  });

  it('takes the remembered control first, anywhere in the page', () => {
    main.innerHTML = `<a href="/watch/1" data-landing data-name="play" data-box="40,300,100,40">Play</a>`;
    expect(landingTarget(main, '[data-name="nav"]')).toMatchObject({ rank: 0, el: { dataset: { name: 'nav' } } });
    expect(landingTarget(main, '[data-name="gone"]')?.rank).toBe(1);
    expect(landingTarget(main, '::not a selector')?.rank).toBe(1);
  });

  it('takes a button or link before a text field (a TV may bring its keyboard up)', () => {
    main.innerHTML = `
      <input type="text" data-name="name" data-box="40,100,300,40" />
      <button data-name="create" data-box="360,100,100,40">Create</button>`;
    expect(landingTarget(main)?.el.dataset.name).toBe('create');
    main.querySelector('button')?.remove();
    expect(landingTarget(main)?.el.dataset.name).toBe('name');
  });

  it('skips hidden and disabled controls', () => {
    main.innerHTML = `
      <button data-landing disabled data-name="off" data-box="40,100,100,40">x</button>
      <button data-landing data-name="hidden">y</button>
      <button data-name="ok" data-box="40,200,100,40">z</button>`;
    expect(landingTarget(main)?.el.dataset.name).toBe('ok');
  });
});

describe('land', () => {
  it('focuses <main> until the page shows its first card, then the card', async () => {
    document.querySelector<HTMLElement>('[data-name="nav"]')?.focus();
    const onland = vi.fn();
    const stop = land(main, { onland });
    expect(document.activeElement).toBe(main);
    main.innerHTML = `<ul><li><a href="/v/1" data-grid-item tabindex="0" data-name="card" data-box="40,400,300,200">1</a></li></ul>`;
    await settle();
    expect(focused()).toBe('card');
    expect(onland).toHaveBeenCalledWith(main.querySelector('a'));
    expect(Element.prototype.scrollIntoView).toHaveBeenCalledWith({ block: 'nearest', inline: 'nearest' });
    stop();
  });

  it('moves on to a better place that appears later, the page’s marked control', async () => {
    main.innerHTML = `<a href="/x" data-name="first" data-box="40,100,100,40">x</a>`;
    const stop = land(main, { settleMs: 0 });
    await settle();
    expect(focused()).toBe('first');
    main.insertAdjacentHTML('beforeend', `<a href="/watch/1" data-landing data-name="play" data-box="40,300,100,40">Play</a>`);
    await settle();
    expect(focused()).toBe('play');
    stop();
  });

  it('waits for the page to settle before taking just any control', async () => {
    main.innerHTML = `<a href="/x" data-name="first" data-box="40,100,100,40">x</a>`;
    const stop = land(main, { settleMs: 40 });
    await settle();
    expect(document.activeElement).toBe(main);
    await settle(60);
    expect(focused()).toBe('first');
    stop();
  });

  it('gives the focus up to the user: a key, or a focus moved elsewhere', async () => {
    const stop = land(main);
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowUp' }));
    main.innerHTML = `<a href="/watch/1" data-landing data-name="play" data-box="40,300,100,40">Play</a>`;
    await settle();
    expect(document.activeElement).toBe(main);
    stop();

    main.innerHTML = '';
    const again = land(main);
    document.querySelector<HTMLElement>('[data-name="nav"]')?.focus();
    main.innerHTML = `<a href="/watch/1" data-landing data-name="play" data-box="40,300,100,40">Play</a>`;
    await settle();
    expect(focused()).toBe('nav');
    again();
  });

  it('lands on the control remembered for the page', async () => {
    main.innerHTML = `
      <a href="/watch/1" data-landing data-name="play" data-box="40,300,100,40">Play</a>
      <ul><li><a href="/v/5" data-grid-item tabindex="-1" data-testid="video-card" data-video-id="5" data-name="fifth" data-box="1400,400,300,200">5</a></li></ul>`;
    const stop = land(main, { remembered: '[data-testid="video-card"][data-video-id="5"]' });
    await settle();
    expect(focused()).toBe('fifth');
    stop();
  });
});

describe('FocusMemory', () => {
  it('keeps the last focused control of each page, for so many pages', () => {
    document.body.innerHTML = `<a data-testid="play" href="/w">Play</a><a id="x" href="/x">x</a><p>p</p>`;
    const memory = new FocusMemory(2);
    const [play, x] = Array.from(document.querySelectorAll('a'));
    memory.remember('/videos/1', play as Element);
    memory.remember('/library', x as Element);
    memory.remember('/library', document.querySelector('p') as Element); // nothing to find it by
    expect(memory.recall('/videos/1')).toBe('[data-testid="play"]');
    expect(memory.recall('/library')).toBe('[id="x"]');
    memory.remember('/me', x as Element);
    expect(memory.recall('/videos/1')).toBeNull();
    expect(memory.recall('/nowhere')).toBeNull();
  });
});
