// @vitest-environment jsdom
// (`.svelte.test.ts`: runes here, for the menus' `open` binding.)
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { MenuOption } from '../Menu.svelte';
import TrackMenus, { type OpenMenus } from './TrackMenus.svelte';

const AUDIO: MenuOption[] = [
  { key: 'a1', label: 'English (AC-3 5.1)', language: 'eng' },
  { key: 'a2', label: 'French (AAC Stereo)', language: 'fra' },
];
const SUBTITLES: MenuOption[] = [
  { key: 'off', label: 'Off' },
  { key: 'sen', label: 'English', language: 'eng' },
];
const QUALITY: MenuOption[] = [
  { key: 'auto', label: 'Auto' },
  { key: 'l1', label: '720p' },
  { key: 'l0', label: '360p' },
];

function setup(over: Partial<{ audio: MenuOption[]; subtitles: MenuOption[]; quality: MenuOption[]; qualityLabel: string }> = {}) {
  const open = $state<OpenMenus>({ audio: false, subtitles: false, quality: false });
  const onaudio = vi.fn();
  const onsubtitle = vi.fn();
  const onquality = vi.fn();
  render(TrackMenus, {
    props: {
      audioOptions: over.audio ?? AUDIO,
      audioKey: 'a1',
      subtitleOptions: over.subtitles ?? SUBTITLES,
      subtitleKey: 'off',
      qualityOptions: over.quality ?? QUALITY,
      qualityKey: 'auto',
      qualityLabel: over.qualityLabel ?? 'Quality: Auto (720p)',
      onaudio,
      onsubtitle,
      onquality,
      open,
    },
  });
  return { open, onaudio, onsubtitle, onquality };
}

describe('TrackMenus', () => {
  it('shows the three menus when each offers a choice', () => {
    setup();
    expect(screen.getByRole('button', { name: 'Audio track' }).dataset.testid).toBe('audio-menu-button');
    expect(screen.getByRole('button', { name: 'Subtitles' }).dataset.testid).toBe('subtitle-menu-button');
    expect(screen.getByRole('button', { name: 'Quality: Auto (720p)' }).dataset.testid).toBe('quality-menu-button');
  });

  it('leaves out a menu with one option or none', () => {
    setup({ audio: AUDIO.slice(0, 1), subtitles: SUBTITLES.slice(0, 1), quality: [] });
    expect(screen.queryByTestId('audio-menu-button')).toBeNull();
    expect(screen.queryByTestId('subtitle-menu-button')).toBeNull();
    expect(screen.queryByTestId('quality-menu-button')).toBeNull();
  });

  it('hands each choice to its own callback', async () => {
    const { onaudio, onsubtitle, onquality } = setup();
    await fireEvent.click(screen.getByTestId('audio-menu-button'));
    await fireEvent.click(screen.getByRole('menuitemradio', { name: 'French (AAC Stereo)' }));
    await fireEvent.click(screen.getByTestId('subtitle-menu-button'));
    await fireEvent.click(screen.getByRole('menuitemradio', { name: 'English' }));
    await fireEvent.click(screen.getByTestId('quality-menu-button'));
    await fireEvent.click(screen.getByRole('menuitemradio', { name: '360p' }));
    expect(onaudio.mock.calls).toEqual([['a2']]);
    expect(onsubtitle.mock.calls).toEqual([['sen']]);
    expect(onquality.mock.calls).toEqual([['l0']]);
  });

  it('marks the current choices', async () => {
    setup();
    await fireEvent.click(screen.getByTestId('audio-menu-button'));
    expect(screen.getByRole('menuitemradio', { name: 'English (AC-3 5.1)' }).getAttribute('aria-checked')).toBe('true');
    expect(screen.getByRole('menuitemradio', { name: 'French (AAC Stereo)' }).getAttribute('aria-checked')).toBe('false');
  });

  it('tells which menu is open (the controls stay meanwhile)', async () => {
    const { open } = setup();
    await fireEvent.click(screen.getByTestId('subtitle-menu-button'));
    expect(open).toEqual({ audio: false, subtitles: true, quality: false });
    await fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Escape' });
    expect(open.subtitles).toBe(false);
    await fireEvent.click(screen.getByTestId('quality-menu-button'));
    expect(open.quality).toBe(true);
  });
});
