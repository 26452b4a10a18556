// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ErrorData } from 'hls.js';
import { aDecision, aVideo, FakeHls, fakeVideo, FRA, HLS_EVENTS, type FakeVideo } from './player-fixtures';
import type { EngineSupport } from './capabilities';
import type { PlaybackInfo, Video } from './types';

const post = vi.hoisted(() => vi.fn());
const get = vi.hoisted(() => vi.fn());
const linkGet = vi.hoisted(() => vi.fn());
const refreshMe = vi.hoisted(() => vi.fn());
const toast = vi.hoisted(() => vi.fn());

vi.mock('./api', async (original) => ({
  ...(await original<typeof import('./api')>()),
  api: { POST: post, GET: get },
  linkClient: () => ({ GET: linkGet }),
}));
vi.mock('./hls-loader', () => ({ loadHls: () => Promise.resolve({ Hls: FakeHls, workerPath: '/hls.worker.js' }) }));
vi.mock('./session.svelte', () => ({ refreshMe }));
vi.mock('./notify.svelte', () => ({ toast }));

const { hlsRefusal, Playback } = await import('./playback.svelte');
const { ApiError } = await import('./api');

/** Chromium: MSE, no native HLS, no `audioTracks`. */
const CHROMIUM: EngineSupport = { nativeHls: false, mse: true, audioTracks: false };

const answer = (data: PlaybackInfo) => Promise.resolve({ data, response: new Response(null, { status: 200 }) });
const refusal = (status: number, body: unknown) =>
  Promise.resolve({ error: body, response: new Response(null, { status }) });

const REMUX = aDecision({
  method: 'remux',
  url: '/api/transcode/v1/stream.mp4?mode=remux&token=tok',
  content_type: 'video/mp4',
});
const TRANSCODE = aDecision({
  method: 'transcode',
  url: '/api/hls/v1/master.m3u8?token=tok',
  content_type: 'application/vnd.apple.mpegurl',
});

let el: FakeVideo;

function setup(opts: { video?: Video; support?: EngineSupport } = {}) {
  const video = opts.video ?? aVideo();
  el = fakeVideo();
  return new Playback({
    video: () => video,
    preferences: () => null,
    element: () => el,
    support: opts.support ?? CHROMIUM,
    probe: { mse: () => true, canPlay: () => 'probably' },
  });
}

const lastHls = () => FakeHls.instances.at(-1) as FakeHls;
const answered = (code: number) => ({ code, text: '', url: '/api/hls/v1/segment.ts' });
const hlsError = (data: Partial<ErrorData>) => lastHls().emit(HLS_EVENTS.ERROR, { fatal: false, ...data });
/** Lets the awaited steps (decision, hls.js loading, play) finish. */
const settle = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  post.mockReset().mockImplementation(() => answer(aDecision()));
  linkGet.mockReset().mockResolvedValue({ response: new Response(null, { status: 206 }) });
  refreshMe.mockReset().mockResolvedValue(undefined);
  toast.mockReset();
  FakeHls.instances = [];
  FakeHls.supported = true;
  sessionStorage.clear();
});

afterEach(() => vi.useRealTimers());

describe('a film kept in several versions', () => {
  it('plays the version the decision chose, and reports against it', async () => {
    const fourK = aVideo({ id: 'v2', filename: 'Alien (1979) - 4K.mkv' });
    post.mockImplementation(() => answer(aDecision({ video_id: 'v2', url: '/api/stream/v2?token=tok' })));
    get.mockReset().mockImplementation(() =>
      Promise.resolve({ data: fourK, response: new Response(null, { status: 200 }) }),
    );
    const p = setup();
    expect(p.video.id).toBe('v1');
    await p.begin(0);
    expect(get).toHaveBeenCalledWith('/api/videos/{id}', { params: { path: { id: 'v2' } } });
    expect(p.video.id).toBe('v2');
    expect(el.src).toContain('/api/stream/v2');
  });

  it('keeps the page video when the decision chose it', async () => {
    get.mockReset();
    const p = setup();
    await p.begin(0);
    expect(get).not.toHaveBeenCalled();
    expect(p.video.id).toBe('v1');
  });
});

describe('starting', () => {
  it('plays a file directly, at the start position once its metadata is in', async () => {
    const p = setup();
    await p.begin(30);
    expect(post).toHaveBeenCalledWith('/api/videos/{id}/playback', expect.objectContaining({ params: { path: { id: 'v1' } } }));
    expect(p.kind).toBe('direct');
    expect(p.engineLabel).toBe('direct');
    expect(el.getAttribute('src')).toBe('/api/stream/v1?token=tok');
    expect(p.token).toBe('tok');
    expect(el.plays).toBe(1);
    expect(p.problem).toBeNull();
    Object.defineProperty(el, 'duration', { value: 600, configurable: true });
    p.onLoadedMetadata();
    expect(el.currentTime).toBe(30);
  });

  it('asks for a lower height when one is chosen', async () => {
    const p = setup();
    await p.begin(0, { maxHeight: 720 });
    expect(post.mock.calls[0]?.[1].body.max_height).toBe(720);
    expect(p.forcedHeight).toBe(720);
  });

  it('starts a remux at the position itself: its time counts from there', async () => {
    const p = setup();
    post.mockImplementation(() => answer(REMUX));
    await p.begin(30);
    expect(p.kind).toBe('remux');
    expect(p.engineLabel).toBe('remux');
    expect(el.getAttribute('src')).toBe('/api/transcode/v1/stream.mp4?mode=remux&token=tok&start=30.000');
    expect(p.offset).toBe(30);
    expect(p.position).toBe(30);
    p.onLoadedMetadata();
    expect(el.currentTime).toBe(0);
  });

  it('plays HLS through hls.js where there is MSE, from the start position', async () => {
    const p = setup();
    post.mockImplementation(() => answer(TRANSCODE));
    await p.begin(12);
    const hls = lastHls();
    expect(p.kind).toBe('hls.js');
    expect(hls.config).toMatchObject({ startPosition: 12, workerPath: '/hls.worker.js', renderTextTracksNatively: false });
    expect(hls.source).toBe(TRANSCODE.url);
    expect(hls.media).toBe(el);
    expect(p.hls).toBe(hls.asHls);
    expect(el.plays).toBe(1);
  });

  it('plays HLS natively where the browser switches audio itself (Safari)', async () => {
    const p = setup({ support: { nativeHls: true, mse: true, audioTracks: true } });
    post.mockImplementation(() => answer(TRANSCODE));
    await p.begin(0);
    expect(p.kind).toBe('native-hls');
    expect(p.engineLabel).toBe('native HLS');
    expect(el.getAttribute('src')).toBe(TRANSCODE.url);
    expect(FakeHls.instances).toEqual([]);
  });

  it('switches a file to its HLS rendition for another audio stream', async () => {
    const p = setup();
    await p.begin(5, { audioIndex: FRA.index });
    expect(p.kind).toBe('hls.js');
    expect(lastHls().source).toBe('/api/hls/v1/master.m3u8?token=tok');
    lastHls().audioTracks = [{ lang: 'eng', name: 'eng' }, { lang: 'fra', name: 'fra' }];
    lastHls().emit(HLS_EVENTS.AUDIO_TRACKS_UPDATED);
    expect(p.tracks.audioKey).toBe('h1');
  });

  it('says when the browser plays neither HLS nor MSE', async () => {
    const p = setup({ support: { nativeHls: false, mse: false, audioTracks: false } });
    post.mockImplementation(() => answer(TRANSCODE));
    await p.begin(0);
    expect(String(p.problem)).toMatch(/cannot play this video/);
    expect(p.waiting).toBe(false);
  });

  it("shows the server's refusal", async () => {
    const p = setup();
    post.mockImplementation(() => refusal(429, { title: 'Stream limit reached', code: 'stream_limit' }));
    await p.begin(0);
    expect(p.problem).toBeInstanceOf(ApiError);
    expect((p.problem as InstanceType<typeof ApiError>).status).toBe(429);
    expect(el.plays).toBe(0);
  });

  it('drops the answer of a start overtaken by another', async () => {
    const p = setup();
    let first: (v: unknown) => void = () => undefined;
    post.mockImplementationOnce(() => new Promise((r) => (first = r)));
    post.mockImplementationOnce(() => answer(REMUX));
    const older = p.begin(0);
    await p.begin(50);
    first({ data: aDecision(), response: new Response(null, { status: 200 }) });
    await older;
    expect(p.kind).toBe('remux');
    expect(el.plays).toBe(1);
  });

  it('asks for a gesture when the browser refuses to start by itself', async () => {
    const p = setup();
    el.playError = new DOMException('no', 'NotAllowedError');
    await p.begin(0);
    expect(p.needsGesture).toBe(true);
    expect(p.waiting).toBe(false);
    el.playError = null;
    await p.playSafely();
    expect(p.needsGesture).toBe(false);
  });
});

describe('hls.js errors', () => {
  async function playingHls() {
    const p = setup();
    post.mockImplementation(() => answer(TRANSCODE));
    await p.begin(0);
    return p;
  }

  it('stops at a refused segment, with the reason and when to retry', async () => {
    const p = await playingHls();
    const hls = lastHls();
    hlsError({ response: answered(503), networkDetails: new Response(null, { headers: { 'Retry-After': '7' } }) });
    expect(p.problem).toBeInstanceOf(ApiError);
    expect((p.problem as InstanceType<typeof ApiError>).retryAfter).toBe(7);
    expect(hls.destroyed).toBe(true);
    expect(p.hls).toBeNull();
    expect(p.paused).toBe(true);
  });

  it('asks for a new link after a 401, once', async () => {
    const p = await playingHls();
    hlsError({ response: answered(401) });
    await settle();
    expect(refreshMe).toHaveBeenCalledTimes(1);
    expect(post).toHaveBeenCalledTimes(2);
    expect(p.problem).toBeNull();
    hlsError({ response: answered(401) });
    await settle();
    expect(post).toHaveBeenCalledTimes(2);
    expect(String(p.problem)).toMatch(/refused the stream link/);
  });

  it('asks for nothing when the player is gone before the session check answers', async () => {
    const p = await playingHls();
    let answerMe: () => void = () => {};
    refreshMe.mockImplementation(() => new Promise<void>((resolve) => (answerMe = resolve)));
    hlsError({ response: answered(401) });
    await settle();
    p.destroy();
    answerMe();
    await settle();
    expect(post).toHaveBeenCalledTimes(1);
    expect(FakeHls.instances).toHaveLength(1);
    expect(p.problem).toBeNull();
  });

  it('goes no further when the session ended (sign-in follows)', async () => {
    const p = await playingHls();
    refreshMe.mockRejectedValue(new Error('401'));
    hlsError({ response: answered(401) });
    await settle();
    expect(post).toHaveBeenCalledTimes(1);
    expect(p.problem).toBeNull();
  });

  it('recovers from a media error once, then stops', async () => {
    const p = await playingHls();
    const hls = lastHls();
    hlsError({ fatal: true, type: 'mediaError' as ErrorData['type'], details: 'bufferStalledError' as ErrorData['details'] });
    expect(hls.recoveries).toBe(1);
    expect(p.problem).toBeNull();
    hlsError({ fatal: true, type: 'mediaError' as ErrorData['type'], details: 'bufferStalledError' as ErrorData['details'] });
    expect(hls.recoveries).toBe(1);
    expect(String(p.problem)).toBe('Error: Playback failed (bufferStalledError).');
  });

  it('lets hls.js retry what is not fatal', async () => {
    const p = await playingHls();
    hlsError({ response: answered(404) });
    hlsError({ type: 'networkError' as ErrorData['type'] });
    expect(p.problem).toBeNull();
    expect(lastHls().destroyed).toBe(false);
  });

  it('reads a refusal from the request hls.js made', () => {
    const xhr = new XMLHttpRequest();
    Object.defineProperties(xhr, {
      status: { value: 429 },
      response: { value: JSON.stringify({ title: 'Stream limit reached', code: 'stream_limit' }) },
      getResponseHeader: { value: (h: string) => (h === 'Retry-After' ? '30' : null) },
    });
    const refused = hlsRefusal({ networkDetails: xhr } as unknown as ErrorData);
    expect(refused?.status).toBe(429);
    expect(refused?.retryAfter).toBe(30);
    expect(refused?.code).toBe('stream_limit');
    expect(hlsRefusal({ response: { code: 200, text: '' } } as unknown as ErrorData)).toBeNull();
    expect(hlsRefusal({} as ErrorData)).toBeNull();
  });
});

describe('media errors of <video>', () => {
  // jsdom has no media: the codes as browsers define them.
  const MediaError = { MEDIA_ERR_ABORTED: 1, MEDIA_ERR_NETWORK: 2, MEDIA_ERR_DECODE: 3, MEDIA_ERR_SRC_NOT_SUPPORTED: 4 };
  beforeEach(() => vi.stubGlobal('MediaError', MediaError));
  afterEach(() => vi.unstubAllGlobals());

  function failWith(code: number) {
    el.fakeError = { code, message: 'decode failed' } as MediaError;
  }

  it('switches a file the browser cannot play to HLS, once', async () => {
    const p = setup();
    await p.begin(0);
    p.onLoadStart();
    failWith(MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED);
    await p.onMediaError();
    expect(linkGet).toHaveBeenCalledWith('/api/stream/{video_id}', expect.anything());
    expect(toast).toHaveBeenCalledTimes(1);
    expect(p.kind).toBe('hls.js');
    expect(lastHls().source).toBe('/api/hls/v1/master.m3u8?token=tok');
  });

  it('stops on a refusal of the stream', async () => {
    const p = setup();
    await p.begin(0);
    p.onLoadStart();
    linkGet.mockResolvedValue({ response: new Response(null, { status: 403 }), error: { detail: 'No access.' } });
    failWith(MediaError.MEDIA_ERR_NETWORK);
    await p.onMediaError();
    expect((p.problem as InstanceType<typeof ApiError>).status).toBe(403);
    expect(toast).not.toHaveBeenCalled();
    expect(el.hasAttribute('src')).toBe(false);
  });

  it("ignores the old source's errors while switching, and stops a native HLS stream", async () => {
    const p = setup();
    await p.begin(0);
    failWith(MediaError.MEDIA_ERR_DECODE);
    await p.onMediaError();
    expect(linkGet).not.toHaveBeenCalled(); // still switching: the old source's error
    p.onLoadStart();
    await p.onMediaError();
    expect(p.kind).toBe('hls.js');
    // The converted stream fails too: hls.js reports its own errors; a native one stops.
    const q = setup({ support: { nativeHls: true, mse: false, audioTracks: false } });
    post.mockImplementation(() => answer(TRANSCODE));
    await q.begin(0);
    q.onLoadStart();
    failWith(MediaError.MEDIA_ERR_DECODE);
    await q.onMediaError();
    expect(String(q.problem)).toBe('Error: decode failed');
  });

  it('stops on an aborted load without trying HLS', async () => {
    const p = setup();
    await p.begin(0);
    p.onLoadStart();
    failWith(MediaError.MEDIA_ERR_ABORTED);
    await p.onMediaError();
    expect(toast).not.toHaveBeenCalled();
    expect(p.kind).toBe('direct');
    expect(String(p.problem)).toBe('Error: decode failed');
  });
});

describe('commands', () => {
  it('plays and pauses, and plays an ended video again from the start', async () => {
    const p = setup();
    await p.begin(0);
    expect(p.togglePlay()).toBe(false);
    expect(el.pauses).toBe(2); // the teardown's, then this one
    expect(p.togglePlay()).toBe(false);
    expect(el.plays).toBe(2);
    el.pause();
    el.currentTime = 599;
    p.onEnded();
    expect(p.ended).toBe(true);
    expect(p.togglePlay()).toBe(true);
    expect(p.ended).toBe(false);
    expect(el.currentTime).toBe(0);
    expect(el.plays).toBe(3);
  });

  it('does nothing with a problem on screen', async () => {
    const p = setup();
    post.mockImplementation(() => refusal(403, null));
    await p.begin(0);
    expect(p.togglePlay()).toBe(false);
    expect(el.plays).toBe(0);
  });

  it('seeks within the video, a little before its end at most', async () => {
    const p = setup();
    await p.begin(0);
    p.seek(-5);
    expect(el.currentTime).toBe(0);
    p.seek(1e6);
    expect(el.currentTime).toBe(599.75);
    expect(p.position).toBe(599.75);
  });

  it('seeks a remux within what it buffered, else starts it again there', async () => {
    const p = setup();
    post.mockImplementation(() => answer(REMUX));
    await p.begin(0);
    p.onLoadStart();
    el.bufferedTo = 20;
    p.seek(15);
    expect(el.currentTime).toBe(15);
    expect(p.switching).toBe(false);
    p.seek(300);
    expect(el.getAttribute('src')).toContain('start=300.000');
    expect(p.offset).toBe(300);
    expect(p.position).toBe(300);
    expect(p.switching).toBe(true);
    expect(el.plays).toBe(2); // it was playing: it goes on
  });

  it('sets the volume in hundredths, unmuting', async () => {
    const p = setup();
    el.muted = true;
    expect(p.setVolume(0.333)).toBe(0.33);
    expect(el.muted).toBe(false);
    expect(p.setVolume(7)).toBe(1);
    expect(p.setVolume(-1)).toBe(0);
    expect(p.toggleMute()).toBe(true);
    expect(p.toggleMute()).toBe(false);
  });

  it('keeps the volume for the next video of the tab', () => {
    const p = setup();
    el.volume = 0.4;
    el.muted = true;
    p.onVolumeChange();
    expect(p.volume).toBe(0.4);
    expect(p.muted).toBe(true);
    const q = setup();
    q.restoreVolume();
    expect(el.volume).toBe(0.4);
    expect(el.muted).toBe(true);
  });

  it("takes the video's duration, else the element's", () => {
    const known = setup();
    expect(known.duration).toBe(600);
    const unknown = setup({ video: aVideo({ duration: null }) });
    unknown.elementDuration = 33;
    expect(unknown.duration).toBe(33);
    unknown.elementDuration = Infinity;
    expect(unknown.duration).toBe(0);
  });

  it('the position follows a drag of the seek bar', async () => {
    const p = setup();
    await p.begin(0);
    el.currentTime = 10;
    p.onTimeUpdate();
    expect(p.position).toBe(10);
    p.scrubbing = 200;
    expect(p.position).toBe(200);
  });

  it('stops everything when the player closes', async () => {
    const p = setup();
    let answerLate: (v: unknown) => void = () => undefined;
    post.mockImplementation(() => new Promise((r) => (answerLate = r)));
    const started = p.begin(0);
    p.destroy();
    answerLate({ data: aDecision(), response: new Response(null, { status: 200 }) });
    await started;
    expect(el.hasAttribute('src')).toBe(false);
    expect(p.kind).toBeNull();
  });
});
