// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import Menu from './Menu.svelte';

const OPTIONS = [
  { key: 'off', label: 'Off' },
  { key: 's1', label: 'English', language: 'eng' },
  { key: 's2', label: 'French', language: 'fra' },
];

function setup(selected = 's1') {
  const onselect = vi.fn();
  render(Menu, { props: { label: 'Subtitles', icon: 'subtitles', options: OPTIONS, selected, onselect, testid: 'subtitle-menu' } });
  const button = screen.getByTestId('subtitle-menu-button');
  return { onselect, button };
}

const focused = () => document.activeElement?.textContent?.trim();

/** Presses a key where the focus is; `true` if the menu took it (default prevented). */
async function press(key: string): Promise<boolean> {
  const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
  await fireEvent(document.activeElement ?? document.body, event);
  return event.defaultPrevented;
}

describe('Menu', () => {
  it('is a closed menu button until clicked', async () => {
    const { button } = setup();
    expect(button.getAttribute('aria-haspopup')).toBe('menu');
    expect(button.getAttribute('aria-expanded')).toBe('false');
    expect(button.getAttribute('aria-label')).toBe('Subtitles');
    expect(screen.queryByRole('menu')).toBeNull();
    await fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const menu = screen.getByRole('menu', { name: 'Subtitles' });
    expect(button.getAttribute('aria-controls')).toBe(menu.id);
  });

  it('lists the options, the selected one checked and focused', async () => {
    const { button } = setup();
    await fireEvent.click(button);
    const items = screen.getAllByRole('menuitemradio');
    expect(items.map((i) => [i.textContent?.trim(), i.getAttribute('aria-checked')])).toEqual([
      ['Off', 'false'],
      ['English', 'true'],
      ['French', 'false'],
    ]);
    expect(items.map((i) => i.dataset.language)).toEqual(['', 'eng', 'fra']);
    expect(focused()).toBe('English');
  });

  it('focuses the first option when none is selected', async () => {
    const { button } = setup('none');
    await fireEvent.click(button);
    expect(focused()).toBe('Off');
  });

  it('moves with the arrows, wrapping, and Home and End', async () => {
    const { button } = setup();
    await fireEvent.click(button);
    expect(await press('ArrowDown')).toBe(true);
    expect(focused()).toBe('French');
    await press('ArrowDown');
    expect(focused()).toBe('Off');
    await press('ArrowUp');
    expect(focused()).toBe('French');
    await press('Home');
    expect(focused()).toBe('Off');
    await press('End');
    expect(focused()).toBe('French');
  });

  it('keeps left and right from the page (no seeking while in a menu)', async () => {
    const { button } = setup();
    await fireEvent.click(button);
    expect(await press('ArrowLeft')).toBe(true);
    expect(await press('ArrowRight')).toBe(true);
    expect(focused()).toBe('English');
  });

  it('leaves other keys alone', async () => {
    const { button } = setup();
    await fireEvent.click(button);
    expect(await press('k')).toBe(false);
    expect(screen.getByRole('menu')).toBeTruthy();
  });

  it('chooses with a click, closes and gives the focus back', async () => {
    const { button, onselect } = setup();
    await fireEvent.click(button);
    await fireEvent.click(screen.getByRole('menuitemradio', { name: 'French' }));
    expect(onselect).toHaveBeenCalledWith('s2');
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(button);
  });

  it('closes on Escape, the focus back on its button', async () => {
    const { button, onselect } = setup();
    await fireEvent.click(button);
    expect(await press('Escape')).toBe(true);
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(onselect).not.toHaveBeenCalled();
  });

  it('closes on Tab, letting the focus move on', async () => {
    const { button } = setup();
    await fireEvent.click(button);
    expect(await press('Tab')).toBe(false);
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).not.toBe(button);
  });

  it('closes on a click elsewhere', async () => {
    const { button } = setup();
    await fireEvent.click(button);
    await fireEvent.click(document.body);
    expect(screen.queryByRole('menu')).toBeNull();
  });
});
