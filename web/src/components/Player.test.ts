// @vitest-environment jsdom
// The player put together: the element's events, the page's keys and lifecycle reach
// the right part (engine, tracks, progress, up next). The parts have their own tests.
import { act, cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { aDecision, aSubtitle, aVideo } from '../lib/player-fixtures';
import type { PlaybackInfo } from '../lib/types';

const post = vi.hoisted(() => vi.fn());
const put = vi.hoisted(() => vi.fn());
// Seek previews: none made yet (404).
const get = vi.hoisted(() => vi.fn(() => Promise.resolve({ data: undefined, response: new Response(null, { status: 404 }) })));
vi.mock('../lib/api', async (original) => ({
  ...(await original<typeof import('../lib/api')>()),
  api: { POST: post, PUT: put, GET: get },
}));
vi.mock('../lib/session.svelte', () => ({ refreshMe: vi.fn() }));
vi.mock('../lib/notify.svelte', () => ({ toast: vi.fn() }));

const { default: Player } = await import('./Player.svelte');

/** jsdom has no media: play and pause only flip `paused` (the test fires the events). */
const paused = new WeakMap<HTMLMediaElement, boolean>();
const isPaused = (el: HTMLMediaElement) => paused.get(el) ?? true;

const answer = (data: PlaybackInfo) => Promise.resolve({ data, response: new Response(null, { status: 200 }) });
const settle = () => act(() => new Promise((r) => setTimeout(r, 0)));

function setup(props: Record<string, unknown> = {}) {
  const { rerender } = render(Player, { props: { video: aVideo(), start: 0, preferences: null, ...props } });
  return {
    rerender,
    player: screen.getByTestId('player'),
    video: screen.getByTestId('video') as HTMLVideoElement,
  };
}

async function playing() {
  const parts = setup();
  await settle();
  await media(parts.video, 'playing');
  return parts;
}

const media = (el: HTMLMediaElement, type: string) => fireEvent(el, new Event(type));
const press = (key: string, target: Element = document.body) => fireEvent.keyDown(target, { key });
const reports = () => put.mock.calls.map((c) => ({ ...(c[1] as { body: object }).body, keepalive: c[1].keepalive as boolean }));
const flash = () => document.querySelector('.flash')?.textContent;

beforeEach(() => {
  post.mockReset().mockImplementation(() => answer(aDecision({ subtitles: [aSubtitle('en', 'eng')] })));
  put.mockReset().mockResolvedValue({});
  sessionStorage.clear();
  vi.spyOn(HTMLMediaElement.prototype, 'paused', 'get').mockImplementation(function (this: HTMLMediaElement) {
    return isPaused(this);
  });
  vi.spyOn(HTMLMediaElement.prototype, 'play').mockImplementation(function (this: HTMLMediaElement) {
    paused.set(this, false);
    return Promise.resolve();
  });
  vi.spyOn(HTMLMediaElement.prototype, 'pause').mockImplementation(function (this: HTMLMediaElement) {
    paused.set(this, true);
  });
  vi.spyOn(HTMLMediaElement.prototype, 'load').mockImplementation(() => undefined);
});

afterEach(() => {
  cleanup(); // while the media stand-ins are in place: the player stops its video
  vi.restoreAllMocks();
  vi.useRealTimers();
  document.documentElement.classList.remove('tv');
});

describe('Player', () => {
  it('plays what the server decided, and says how', async () => {
    const { player, video } = setup();
    expect(player.getAttribute('aria-label')).toBe('Player: Big Buck');
    expect(screen.getByTestId('player-loading')).toBeTruthy();
    await settle();
    expect(player.dataset.engine).toBe('direct');
    expect(player.dataset.method).toBe('direct');
    expect(video.getAttribute('src')).toBe('/api/stream/v1?token=tok');
    expect(video.querySelector('track')?.getAttribute('src')).toBe('/api/videos/v1/subtitles/en.vtt?token=tok');
    expect(screen.getByTestId('engine-label').textContent).toBe('direct');
    await media(video, 'playing');
    expect(player.dataset.state).toBe('playing');
    expect(screen.queryByTestId('player-loading')).toBeNull();
    expect(screen.getByTestId('play-pause').getAttribute('aria-label')).toBe('Pause');
  });

  it('shows a refusal with a retry that asks again', async () => {
    post.mockImplementationOnce(() => Promise.resolve({ error: { title: 'Stream limit reached' }, response: new Response(null, { status: 429 }) }));
    const { player } = setup();
    await settle();
    expect(player.dataset.state).toBe('error');
    expect(screen.getByTestId('seek')).toHaveProperty('disabled', true);
    await fireEvent.click(screen.getByTestId('player-problem-retry'));
    await settle();
    expect(post).toHaveBeenCalledTimes(2);
    expect(screen.queryByTestId('player-problem')).toBeNull();
  });
});

describe('the keys', () => {
  it('pause and play with k and Space, not from a text field', async () => {
    const { video, player } = await playing();
    await press('k');
    expect(video.paused).toBe(true);
    await media(video, 'pause');
    expect(player.dataset.state).toBe('paused');
    await press(' ');
    expect(video.paused).toBe(false);
    const field = document.body.appendChild(document.createElement('input'));
    await press('k', field);
    expect(video.paused).toBe(false);
  });

  it('seek 10 s with the arrows, saying so', async () => {
    const { video } = await playing();
    video.currentTime = 30;
    await media(video, 'timeupdate');
    await press('ArrowRight');
    expect(video.currentTime).toBe(40);
    expect(flash()).toBe('+10 s');
    await press('j');
    expect(video.currentTime).toBe(30);
    expect(flash()).toBe('−10 s');
    await press('End');
    expect(video.currentTime).toBe(599.75);
  });

  it('set the volume and mute, shown on the control bar', async () => {
    const { video } = await playing();
    await press('ArrowDown');
    expect(video.volume).toBe(0.9);
    expect(flash()).toBe('Volume 90%');
    expect(screen.getByTestId('volume').getAttribute('aria-valuetext')).toBe('90%');
    await press('m');
    expect(video.muted).toBe(true);
    expect(flash()).toBe('Muted');
    expect(screen.getByTestId('mute').getAttribute('aria-label')).toBe('Unmute');
    expect(JSON.parse(sessionStorage.getItem('homestream.volume') ?? '{}')).toEqual({ volume: 0.9, muted: true });
  });

  it('cycle the subtitles with c', async () => {
    const { player } = await playing();
    expect(player.dataset.subtitle).toBe('off');
    await press('c');
    expect(player.dataset.subtitle).toBe('sen');
    expect(flash()).toBe('Subtitles: eng sub');
  });

  it('go full screen with f', async () => {
    const requestFullscreen = vi.fn(() => Promise.resolve());
    Object.defineProperty(HTMLElement.prototype, 'requestFullscreen', { value: requestFullscreen, configurable: true });
    try {
      const { player } = await playing();
      await press('f');
      expect(requestFullscreen.mock.contexts).toEqual([player]);
    } finally {
      delete (HTMLElement.prototype as { requestFullscreen?: unknown }).requestFullscreen;
    }
  });

  it('bring the controls to a TV remote with up or down', async () => {
    document.documentElement.classList.add('tv');
    const { video } = await playing();
    await press('ArrowUp');
    await act();
    expect(document.activeElement).toBe(screen.getByTestId('play-pause'));
    expect(video.volume).toBe(1);
  });
});

describe('the controls', () => {
  it('play, pause and seek', async () => {
    const { video } = await playing();
    await fireEvent.click(screen.getByTestId('play-pause'));
    expect(video.paused).toBe(true);
    await fireEvent.change(screen.getByTestId('seek'), { target: { value: '120' } });
    expect(video.currentTime).toBe(120);
  });

  it('on a TV, a held Left or Right previews where it will seek, and seeks once let go', async () => {
    document.documentElement.classList.add('tv');
    const { video } = await playing();
    video.currentTime = 30;
    await media(video, 'timeupdate');
    const seek = screen.getByTestId('seek');
    await fireEvent.keyDown(seek, { key: 'ArrowRight' });
    await fireEvent.keyDown(seek, { key: 'ArrowRight', repeat: true });
    await fireEvent.keyDown(seek, { key: 'ArrowRight', repeat: true });
    expect(video.currentTime).toBe(30);
    expect(screen.getByTestId('seek-preview-time').textContent).toBe('1:00');
    await fireEvent.keyDown(seek, { key: 'ArrowLeft', repeat: false });
    expect(screen.getByTestId('seek-preview-time').textContent).toBe('0:50');
    await fireEvent.keyUp(seek, { key: 'ArrowLeft' });
    expect(video.currentTime).toBe(50);
    expect(screen.queryByTestId('seek-preview')).toBeNull();
    // The previews were asked for once playback began (none made: the time alone shows).
    expect(get).toHaveBeenCalledWith('/api/videos/{id}/trickplay/index.vtt', expect.anything());
  });

  it('stay while a menu is open, then fade', async () => {
    vi.useFakeTimers();
    const { video } = setup();
    await act(() => vi.advanceTimersByTimeAsync(0));
    await media(video, 'playing');
    const controls = screen.getByTestId('player-controls');
    await fireEvent.click(screen.getByTestId('subtitle-menu-button'));
    // Open, with the focus gone from the controls (their focus keeps them too).
    (document.activeElement as HTMLElement | null)?.blur();
    await fireEvent.pointerMove(screen.getByTestId('player'));
    await act(() => vi.advanceTimersByTimeAsync(5000));
    expect(controls.classList.contains('hidden')).toBe(false);
    await fireEvent.click(document.body);
    expect(screen.queryByTestId('subtitle-menu-list')).toBeNull();
    await fireEvent.pointerMove(screen.getByTestId('player'));
    await act(() => vi.advanceTimersByTimeAsync(3000));
    expect(controls.classList.contains('hidden')).toBe(true);
  });
});

describe('progress', () => {
  it('is reported once playing: while playing, on pause, and stopped on leaving', async () => {
    const { video, player } = setup();
    await settle();
    await media(video, 'pause');
    expect(put).not.toHaveBeenCalled();
    await media(video, 'playing');
    video.currentTime = 3;
    await media(video, 'timeupdate');
    video.pause();
    video.currentTime = 4;
    await media(video, 'timeupdate');
    await media(video, 'pause');
    expect(reports()).toEqual([
      { position_seconds: 3, state: 'playing', keepalive: false },
      { position_seconds: 4, state: 'paused', keepalive: false },
    ]);
    expect(put.mock.calls[0]?.[1].params).toEqual({ path: { id: 'v1' } });
    expect(player.querySelector('[aria-live]')?.textContent).toBe('Paused');
  });

  it('is stopped when the player closes, kept alive', async () => {
    const { unmount } = render(Player, { props: { video: aVideo(), start: 0, preferences: null } });
    await settle();
    const video = screen.getByTestId('video') as HTMLVideoElement;
    await media(video, 'playing');
    video.currentTime = 8;
    await media(video, 'timeupdate');
    put.mockClear();
    unmount();
    expect(reports()).toEqual([{ position_seconds: 8, state: 'stopped', keepalive: true }]);
  });

  it('goes by beacon with the signed link when the page is hidden or closed', async () => {
    const sendBeacon = vi.fn(() => true);
    vi.stubGlobal('navigator', { ...navigator, sendBeacon });
    try {
      const { video } = await playing();
      video.currentTime = 5;
      await media(video, 'timeupdate');
      vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
      document.dispatchEvent(new Event('visibilitychange'));
      window.dispatchEvent(new Event('pagehide'));
      expect(sendBeacon.mock.calls.map((c: unknown[]) => c[0])).toEqual([
        '/api/videos/v1/progress?token=tok',
        '/api/videos/v1/progress?token=tok',
      ]);
      const bodies = await Promise.all(sendBeacon.mock.calls.map((c: unknown[]) => (c[1] as Blob).text()));
      expect(bodies.map((b) => JSON.parse(b))).toEqual([
        { position_seconds: 5, state: 'playing' },
        { position_seconds: 5, state: 'stopped' },
      ]);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('the end', () => {
  const upNext = { title: 'Episode 2', context: '2 of 3' };

  async function ended(onnext = vi.fn()) {
    const parts = setup({ upNext, onnext });
    await settle();
    await media(parts.video, 'playing');
    vi.useFakeTimers();
    parts.video.pause();
    await media(parts.video, 'ended');
    return { ...parts, onnext };
  }

  it('reports the stop at the end and counts down to the next entry', async () => {
    const { player, onnext } = await ended();
    expect(player.dataset.state).toBe('ended');
    expect(reports().at(-1)).toEqual({ position_seconds: 600, state: 'stopped', keepalive: true });
    expect(screen.getByTestId('up-next').textContent).toContain('Up next (2 of 3)');
    await act(() => vi.advanceTimersByTime(5000));
    expect(onnext).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('up-next')).toBeNull();
  });

  it('counts down to a next video known only after the end (the next episode)', async () => {
    const onended = vi.fn();
    const onnext = vi.fn();
    const parts = setup({ onnext, onended });
    await settle();
    await media(parts.video, 'playing');
    vi.useFakeTimers();
    parts.video.pause();
    await media(parts.video, 'ended');
    expect(onended).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('up-next')).toBeNull();
    await parts.rerender({ upNext: { title: 'S01E02 · Two', context: 'Test Show' } });
    expect(screen.getByTestId('up-next').textContent).toContain('Up next (Test Show)');
    expect(screen.getByTestId('up-next-title').textContent).toBe('S01E02 · Two');
    await act(() => vi.advanceTimersByTime(5000));
    expect(onnext).toHaveBeenCalledTimes(1);
  });

  it('cancels the countdown', async () => {
    const { onnext } = await ended();
    await fireEvent.click(screen.getByTestId('up-next-cancel'));
    await act(() => vi.advanceTimersByTime(10_000));
    expect(screen.queryByTestId('up-next')).toBeNull();
    expect(onnext).not.toHaveBeenCalled();
  });

  it('plays now', async () => {
    const { onnext } = await ended();
    await fireEvent.click(screen.getByTestId('up-next-play'));
    expect(onnext).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId('up-next')).toBeNull();
  });

  it('plays again from the start with k, the countdown gone', async () => {
    const { video, onnext } = await ended();
    video.currentTime = 600;
    await press('k');
    expect(video.currentTime).toBe(0);
    expect(video.paused).toBe(false);
    expect(screen.queryByTestId('up-next')).toBeNull();
    await act(() => vi.advanceTimersByTime(10_000));
    expect(onnext).not.toHaveBeenCalled();
  });

  it('shows no countdown without a next entry', async () => {
    const { video } = setup({ upNext: null });
    await settle();
    await media(video, 'playing');
    await media(video, 'ended');
    expect(screen.queryByTestId('up-next')).toBeNull();
  });
});
