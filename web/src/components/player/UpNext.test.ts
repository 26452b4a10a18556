// @vitest-environment jsdom
import { act, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import UpNext from './UpNext.svelte';

function setup() {
  const onplay = vi.fn();
  const oncancel = vi.fn();
  const result = render(UpNext, { props: { title: 'Episode 2', context: '2 of 3', onplay, oncancel } });
  return { ...result, onplay, oncancel };
}

const countdown = () => screen.getByTestId('up-next').textContent ?? '';
const wait = (ms: number) => act(() => vi.advanceTimersByTime(ms));

describe('UpNext', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('names the next entry and its place', () => {
    setup();
    const card = screen.getByRole('status');
    expect(card.textContent).toContain('Up next (2 of 3)');
    expect(card.textContent).toContain('Episode 2');
    expect(countdown()).toContain('Starting in 5 s');
  });

  it('says what the next one is without a place when it has none', () => {
    render(UpNext, { props: { title: 'S01E02 · Two', onplay: vi.fn(), oncancel: vi.fn() } });
    expect(countdown()).toMatch(/^\s*Up next\s*S01E02 · Two/);
  });

  it('counts down each second, then plays the next entry once', async () => {
    const { onplay } = setup();
    await wait(1000);
    expect(countdown()).toContain('Starting in 4 s');
    await wait(3000);
    expect(countdown()).toContain('Starting in 1 s');
    expect(onplay).not.toHaveBeenCalled();
    await wait(1000);
    expect(onplay).toHaveBeenCalledTimes(1);
    await wait(10_000);
    expect(onplay).toHaveBeenCalledTimes(1);
  });

  it('plays it now, and not again when the countdown would have ended', async () => {
    const { onplay, oncancel } = setup();
    await fireEvent.click(screen.getByRole('button', { name: 'Play now' }));
    expect(onplay).toHaveBeenCalledTimes(1);
    await wait(10_000);
    expect(onplay).toHaveBeenCalledTimes(1);
    expect(oncancel).not.toHaveBeenCalled();
  });

  it('cancels: nothing plays', async () => {
    const { onplay, oncancel } = setup();
    await wait(2000);
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(oncancel).toHaveBeenCalledTimes(1);
    await wait(10_000);
    expect(onplay).not.toHaveBeenCalled();
  });

  it('stops counting when taken away', async () => {
    const { onplay, unmount } = setup();
    await wait(2000);
    unmount();
    await wait(10_000);
    expect(onplay).not.toHaveBeenCalled();
  });
});
