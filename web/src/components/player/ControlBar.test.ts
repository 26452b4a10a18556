// @vitest-environment jsdom
import { createRawSnippet, tick } from 'svelte';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { SEEK_BAR_KEYS } from '../../lib/player-fixtures';
import ControlBar from './ControlBar.svelte';

function setup(over: Record<string, unknown> = {}) {
  const onaction = vi.fn();
  const onscrub = vi.fn();
  const onkeyused = vi.fn();
  const props = {
    position: 42,
    duration: 600,
    buffered: 120,
    paused: true,
    muted: false,
    volume: 0.8,
    fullscreen: false,
    pip: false,
    canPip: false,
    seekable: true,
    hidden: false,
    engineLabel: 'hls.js',
    engineTitle: 'HEVC is not played here; AC-3 neither',
    onaction,
    onscrub,
    onkeyused,
  };
  // Descriptors, not a spread: a bound prop is a getter and a setter.
  Object.defineProperties(props, Object.getOwnPropertyDescriptors(over));
  const result = render(ControlBar, { props });
  return { ...result, onaction, onscrub, onkeyused };
}

const seekBar = () => screen.getByRole('slider', { name: 'Seek' }) as HTMLInputElement;
const volume = () => screen.getByRole('slider', { name: 'Volume' }) as HTMLInputElement;

describe('the seek row', () => {
  it('shows the position and duration, as text and to assistive technology', () => {
    setup();
    expect(screen.getByTestId('time-current').textContent).toBe('0:42');
    expect(screen.getByTestId('time-duration').textContent).toBe('10:00');
    expect(seekBar().value).toBe('42');
    expect(seekBar().max).toBe('600');
    expect(seekBar().getAttribute('aria-valuetext')).toBe('0:42 of 10:00');
  });

  it('paints what is played and what is buffered', () => {
    setup({ position: 60 });
    expect(seekBar().style.getPropertyValue('--played')).toBe('10%');
    expect(seekBar().style.getPropertyValue('--buffered')).toBe('20%');
  });

  it('paints nothing while the duration is unknown', () => {
    setup({ duration: 0 });
    expect(seekBar().style.getPropertyValue('--played')).toBe('0%');
    expect(seekBar().max).toBe('0');
  });

  it('is disabled while nothing plays', () => {
    setup({ seekable: false });
    expect(seekBar().disabled).toBe(true);
  });

  it('previews a drag, and seeks when let go', async () => {
    const { onaction, onscrub } = setup();
    await fireEvent.input(seekBar(), { target: { value: '120' } });
    expect(onscrub).toHaveBeenLastCalledWith(120);
    expect(onaction).not.toHaveBeenCalled();
    await fireEvent.change(seekBar(), { target: { value: '130' } });
    expect(onscrub).toHaveBeenLastCalledWith(null);
    expect(onaction).toHaveBeenCalledWith({ type: 'seek', to: 130 });
  });

  it.each(SEEK_BAR_KEYS)('takes %s itself: %j', async (key, action) => {
    const { onaction, onkeyused } = setup();
    const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
    await fireEvent(seekBar(), event);
    expect(onaction).toHaveBeenCalledWith(action);
    expect(event.defaultPrevented).toBe(true);
    expect(onkeyused).toHaveBeenCalledTimes(1);
  });

  it('leaves the other keys to the page', async () => {
    const { onaction, onkeyused } = setup();
    const event = new KeyboardEvent('keydown', { key: 'k', bubbles: true, cancelable: true });
    await fireEvent(seekBar(), event);
    expect(onaction).not.toHaveBeenCalled();
    expect(onkeyused).not.toHaveBeenCalled();
    expect(event.defaultPrevented).toBe(false);
  });
});

describe('the buttons', () => {
  it('plays or pauses, named for what they do', async () => {
    const { onaction, rerender } = setup();
    const button = screen.getByTestId('play-pause');
    expect(button.getAttribute('aria-label')).toBe('Play');
    expect(button.title).toBe('Play (k)');
    await fireEvent.click(button);
    expect(onaction).toHaveBeenCalledWith({ type: 'toggle-play' });
    await rerender({ paused: false });
    expect(button.getAttribute('aria-label')).toBe('Pause');
    expect(button.title).toBe('Pause (k)');
  });

  it('skips 10 seconds back and forward', async () => {
    const { onaction } = setup();
    await fireEvent.click(screen.getByRole('button', { name: 'Back 10 seconds' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Forward 10 seconds' }));
    expect(onaction.mock.calls).toEqual([[{ type: 'skip', seconds: -10 }], [{ type: 'skip', seconds: 10 }]]);
  });

  it('mutes, and shows the volume (none while muted)', async () => {
    const { onaction, rerender } = setup();
    expect(screen.getByTestId('mute').getAttribute('aria-label')).toBe('Mute');
    expect(volume().value).toBe('0.8');
    expect(volume().getAttribute('aria-valuetext')).toBe('80%');
    await fireEvent.click(screen.getByTestId('mute'));
    expect(onaction).toHaveBeenCalledWith({ type: 'mute' });
    await rerender({ muted: true });
    expect(screen.getByTestId('mute').getAttribute('aria-label')).toBe('Unmute');
    expect(volume().value).toBe('0');
    expect(volume().getAttribute('aria-valuetext')).toBe('0%');
  });

  it('sets the volume from its slider', async () => {
    const { onaction } = setup();
    await fireEvent.input(volume(), { target: { value: '0.35' } });
    expect(onaction).toHaveBeenCalledWith({ type: 'volume', to: 0.35 });
  });

  it('goes full screen, and says how to leave it', async () => {
    const { onaction, rerender } = setup();
    await fireEvent.click(screen.getByRole('button', { name: 'Full screen' }));
    expect(onaction).toHaveBeenCalledWith({ type: 'fullscreen' });
    await rerender({ fullscreen: true });
    expect(screen.getByTestId('fullscreen').getAttribute('aria-label')).toBe('Exit full screen');
  });

  it('offers picture in picture only where the browser has it', async () => {
    setup();
    expect(screen.queryByTestId('pip')).toBeNull();
    const { onaction, rerender } = setup({ canPip: true });
    const pip = screen.getByTestId('pip');
    expect(pip.getAttribute('aria-label')).toBe('Picture in picture');
    await fireEvent.click(pip);
    expect(onaction).toHaveBeenCalledWith({ type: 'pip' });
    await rerender({ pip: true });
    expect(pip.getAttribute('aria-label')).toBe('Exit picture in picture');
  });

  it('offers the previous and next entries only in a playlist', async () => {
    setup();
    expect(screen.queryByRole('button', { name: 'Previous in playlist' })).toBeNull();
    expect(screen.queryByTestId('next')).toBeNull();
    const onprevious = vi.fn();
    const onnext = vi.fn();
    setup({ onprevious, onnext });
    await fireEvent.click(screen.getByRole('button', { name: 'Previous in playlist' }));
    await fireEvent.click(screen.getByTestId('next'));
    expect(onprevious).toHaveBeenCalledTimes(1);
    expect(onnext).toHaveBeenCalledTimes(1);
  });

  it('labels the engine, with its reasons', async () => {
    const { rerender } = setup();
    const label = screen.getByTestId('engine-label');
    expect(label.textContent).toBe('hls.js');
    expect(label.title).toBe('HEVC is not played here; AC-3 neither');
    await rerender({ engineLabel: '' });
    expect(screen.queryByTestId('engine-label')).toBeNull();
  });

  it('puts the menus between the engine label and the last buttons', () => {
    const menus = createRawSnippet(() => ({ render: () => '<span data-testid="menus">menus</span>' }));
    setup({ menus, canPip: true });
    const order = Array.from(screen.getByTestId('player-controls').querySelectorAll('[data-testid]')).map((e) =>
      e.getAttribute('data-testid'),
    );
    expect(order.slice(-4)).toEqual(['engine-label', 'menus', 'pip', 'fullscreen']);
  });

  it('fades out when told', async () => {
    const { rerender } = setup();
    const bar = screen.getByTestId('player-controls');
    expect(bar.classList.contains('hidden')).toBe(false);
    await rerender({ hidden: true });
    expect(bar.classList.contains('hidden')).toBe(true);
  });

  it('hands its play button over, for the remote to focus', async () => {
    let playButton: HTMLButtonElement | undefined;
    setup({
      get playButton() {
        return playButton;
      },
      set playButton(b: HTMLButtonElement | undefined) {
        playButton = b;
      },
    });
    await tick();
    expect(playButton).toBe(screen.getByTestId('play-pause'));
  });
});
