// The player's engine: asks the server how to play (the decision), plays the file, the
// fragmented MP4 or HLS (natively or through hls.js) in the `<video>` element, seeks
// (a remux starts again elsewhere), and recovers from refusals and media errors: a new
// link after a 401, HLS when the browser cannot play a file. Its track choices are
// `tracks` (player-tracks.svelte.ts); the component wires the element's events here.
import type Hls from 'hls.js';
import type { ErrorData } from 'hls.js';
import { api, ApiError, call, errorOf, linkClient } from './api';
import { browserProbe, browserSupport, capabilityRequest, type EngineSupport, type MediaProbe } from './capabilities';
import { chooseEngine, hlsMasterUrl, linkToken, progressiveAt } from './engine';
import { loadHls } from './hls-loader';
import { toast } from './notify.svelte';
import { isProblem, parseRetryAfter } from './problem';
import { refreshMe } from './session.svelte';
import { Tracks, type BeginOptions, type PlayerContext, type PlayingKind, type TrackHost } from './player-tracks.svelte';
import { playingAudio } from './tracks';
import type { PlaybackInfo, Video } from './types';

export interface PlaybackContext extends PlayerContext {
  /** The `<video>` element, once mounted. */
  element: () => HTMLVideoElement | undefined;
  /** What this browser plays (tests give their own). */
  support?: EngineSupport;
  probe?: MediaProbe | null;
}

/** Why hls.js' request was refused, as the API's error (`null`: not a refusal). */
export function hlsRefusal(data: ErrorData): ApiError | null {
  const details = data.networkDetails as unknown;
  const status = data.response?.code ?? (details instanceof XMLHttpRequest ? details.status : 0);
  if (!status || status < 400) return null;
  let retryAfter: string | null = null;
  let body: unknown = null;
  if (details instanceof XMLHttpRequest) {
    retryAfter = details.getResponseHeader('Retry-After');
    try {
      const text =
        details.response instanceof ArrayBuffer
          ? new TextDecoder().decode(details.response)
          : typeof details.response === 'string'
            ? details.response
            : '';
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
  } else if (details instanceof Response) {
    retryAfter = details.headers.get('Retry-After');
  }
  return new ApiError(status, isProblem(body) ? body : null, parseRetryAfter(retryAfter));
}

const VOLUME_KEY = 'homestream.volume';

export class Playback implements TrackHost {
  readonly tracks: Tracks;
  private readonly support: EngineSupport;
  private readonly probe: MediaProbe | null;

  // What plays
  info = $state<PlaybackInfo | null>(null);
  kind = $state<PlayingKind | null>(null);
  forcedHeight = $state<number | null>(null);
  hls: Hls | null = null;
  /** A source is being replaced: its events are not the playback's. */
  switching = false;
  private mediaErrorType = 'mediaError';
  /** Each start counts: an answer for an older one is dropped. */
  private attempt = 0;
  private progressive = false;
  private seekOnLoad = 0;
  private triedHls = false;
  private relinked = false;
  private recovered = false;

  // Media state
  /** Where a remux started: its element time counts from there. */
  offset = $state(0);
  time = $state(0);
  elementDuration = $state(0);
  paused = $state(true);
  waiting = $state(true);
  ended = $state(false);
  volume = $state(1);
  muted = $state(false);
  bufferedEnd = $state(0);
  everPlayed = $state(false);
  /** The browser refused to start without a gesture: the big play button. */
  needsGesture = $state(false);
  problem = $state<unknown>(null);
  /** The seek bar's position while dragged. */
  scrubbing = $state<number | null>(null);

  readonly duration = $derived.by(() => {
    const known = this.video.duration;
    return known && known > 0 ? known : Number.isFinite(this.elementDuration) ? this.elementDuration : 0;
  });
  readonly position = $derived(this.scrubbing ?? this.offset + this.time);
  /** The signed link's token, for `<track>` and beacons. */
  readonly token = $derived(this.info ? linkToken(this.info.url) : null);
  readonly engineLabel = $derived(
    this.kind === 'hls.js' ? 'hls.js' : this.kind === 'native-hls' ? 'native HLS' : this.kind === 'remux' ? 'remux' : (this.kind ?? ''),
  );

  constructor(private readonly context: PlaybackContext) {
    this.support = context.support ?? browserSupport();
    this.probe = context.probe !== undefined ? context.probe : browserProbe();
    this.tracks = new Tracks(this, context);
  }

  get el(): HTMLVideoElement | undefined {
    return this.context.element();
  }

  /**
   * The file that plays: the page's video or, for a film kept in several versions, the
   * one the server's decision chose (`video_id`) for this browser. Progress is reported
   * against it.
   */
  get video(): Video {
    const asked = this.context.video();
    return this.version && this.version.for === asked.id ? this.version.video : asked;
  }

  /** The version the decision chose for the page's video, when it is another file. */
  private version = $state<{ for: string; video: Video } | null>(null);

  // ---------------------------------------------------------------- engines

  private teardown() {
    this.switching = true;
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    const { el } = this;
    if (el) {
      el.pause();
      if (el.hasAttribute('src')) {
        el.removeAttribute('src');
        el.load();
      }
    }
    this.tracks.reset();
  }

  /** Stops every request (a refused stream must not keep asking). */
  private halt(why: unknown) {
    this.attempt += 1;
    this.teardown();
    this.problem = why;
    this.waiting = false;
    this.paused = true;
  }

  /** The player closes. */
  destroy(): void {
    this.attempt += 1;
    this.teardown();
  }

  /** Starts the video at `at`: a new decision, an engine, then play. */
  async begin(at: number, opts: BeginOptions = {}): Promise<void> {
    const mine = ++this.attempt;
    this.teardown();
    this.problem = null;
    this.waiting = true;
    this.needsGesture = false;
    this.ended = false;
    try {
      const request = { ...capabilityRequest(this.probe ?? { mse: () => false, canPlay: () => '' }) };
      const decided = await call(
        api.POST('/api/videos/{id}/playback', {
          params: { path: { id: this.video.id } },
          body: opts.maxHeight ? { ...request, max_height: opts.maxHeight } : request,
        }),
      );
      if (decided.video_id !== this.video.id) {
        const chosen = await call(api.GET('/api/videos/{id}', { params: { path: { id: decided.video_id } } }));
        this.version = { for: this.context.video().id, video: chosen };
      }
      const { el } = this;
      if (mine !== this.attempt || !el) return;
      this.info = decided;
      this.forcedHeight = opts.maxHeight ?? null;
      let url = decided.url;
      let engine = chooseEngine(decided, this.support);
      const wantAudio = opts.audioIndex ?? null;
      const otherAudio =
        wantAudio !== null &&
        wantAudio !== playingAudio(this.video.audio, decided.method, this.context.preferences()?.audio_language);
      let viaHls = false;
      if (engine === 'direct' && (opts.forceHls || (otherAudio && !this.support.audioTracks))) {
        // A file or remux plays one audio stream: the HLS rendition of the same video
        // (same signed link) carries them all.
        const master = hlsMasterUrl(decided, this.video.id);
        const hlsEngine = chooseEngine({ url: master ?? '', content_type: 'application/vnd.apple.mpegurl' }, this.support);
        if (master && hlsEngine) {
          url = master;
          engine = hlsEngine;
          viaHls = true;
        }
      }
      if (!engine) throw new Error('This browser cannot play this video (no HLS and no Media Source Extensions).');
      this.progressive = decided.method === 'remux' && engine === 'direct' && !viaHls;
      this.kind = this.progressive ? 'remux' : engine;
      this.tracks.prepare(wantAudio);
      if (engine === 'hls.js') {
        this.offset = 0;
        await this.attachHls(url, at, mine);
      } else {
        if (this.progressive) {
          this.offset = at;
          this.seekOnLoad = 0;
          el.src = progressiveAt(url, at);
        } else {
          this.offset = 0;
          this.seekOnLoad = at;
          el.src = url;
        }
        await this.tracks.loadDirect(engine === 'direct' ? decided.subtitles : []);
      }
      if (mine !== this.attempt) return;
      await this.playSafely();
    } catch (e) {
      if (mine !== this.attempt) return;
      this.problem = e;
      this.waiting = false;
    }
  }

  /** Again where it stopped, at the quality chosen (the problem's Retry). */
  retry(): Promise<void> {
    return this.begin(this.position, { maxHeight: this.forcedHeight });
  }

  private async attachHls(url: string, at: number, mine: number) {
    const { Hls: HlsClass, workerPath } = await loadHls();
    const { el } = this;
    if (mine !== this.attempt || !el) return;
    if (!HlsClass.isSupported()) throw new Error('This browser cannot play HLS.');
    const player = new HlsClass({
      startPosition: at > 0 ? at : -1,
      enableWorker: true,
      workerPath,
      // Segments are read as they arrive: the server sends a segment while ffmpeg
      // makes it, so the first pictures of a start, a seek or a new quality show
      // before the whole segment is made.
      progressive: true,
      maxBufferLength: 30,
      backBufferLength: 60,
      // hls.js' own <track> nodes load `data:,WEBVTT`, which the page's CSP (media-src
      // 'self' blob:) refuses: the player draws the cues itself.
      renderTextTracksNatively: false,
      capLevelToPlayerSize: false,
    });
    this.hls = player;
    this.mediaErrorType = HlsClass.ErrorTypes.MEDIA_ERROR;
    this.recovered = false;
    this.tracks.attachHls(player, HlsClass.Events);
    player.on(HlsClass.Events.ERROR, (_e, data) => this.onHlsError(data));
    player.loadSource(url);
    player.attachMedia(el);
  }

  private onHlsError(data: ErrorData) {
    const refused = hlsRefusal(data);
    if (refused && (data.fatal || [401, 403, 429, 503].includes(refused.status))) {
      if (refused.status === 401) {
        void this.relink();
        return;
      }
      this.halt(refused);
      return;
    }
    if (!data.fatal || !this.hls) return;
    if (String(data.type) === this.mediaErrorType && !this.recovered) {
      this.recovered = true;
      this.hls.recoverMediaError();
      return;
    }
    this.halt(new Error(`Playback failed (${data.details}).`));
  }

  /** A media request got 401: the session ended (sign-in follows) or the link expired. */
  private async relink() {
    const at = this.position;
    this.halt(null);
    // A player destroyed or restarted while the session is checked asks for nothing.
    const mine = this.attempt;
    try {
      await refreshMe();
    } catch {
      return;
    }
    if (mine !== this.attempt) return;
    if (this.relinked) {
      this.problem = new Error('The server refused the stream link.');
      return;
    }
    this.relinked = true;
    await this.begin(at, { maxHeight: this.forcedHeight });
  }

  /** Why a `<video>` request failed: the same request through the link, one byte of it. */
  private async probeRefusal(): Promise<ApiError | null> {
    const { info } = this;
    if (!info) return null;
    const token = linkToken(info.url);
    if (!token) return null;
    const client = linkClient(token);
    const controller = new AbortController();
    try {
      const r =
        info.method === 'remux'
          ? await client.GET('/api/transcode/{video_id}/stream.mp4', {
              params: { path: { video_id: this.video.id }, query: { mode: 'remux', start: this.offset } },
              parseAs: 'stream',
              signal: controller.signal,
            })
          : await client.GET('/api/stream/{video_id}', {
              params: { path: { video_id: this.video.id }, header: { Range: 'bytes=0-0' } },
              parseAs: 'stream',
              signal: controller.signal,
            });
      if (r.response.ok) {
        controller.abort();
        return null;
      }
      return errorOf(r.response, r.error);
    } catch {
      return null;
    }
  }

  /** The element's `error`: a refusal, else HLS once for a file the browser cannot play. */
  async onMediaError(): Promise<void> {
    const { el } = this;
    if (!el || this.kind === 'hls.js' || !el.error || this.switching) return;
    const mine = this.attempt;
    const code = el.error.code;
    const at = this.position;
    const refused = await this.probeRefusal();
    if (mine !== this.attempt) return;
    if (refused) {
      if (refused.status === 401) void this.relink();
      else this.halt(refused);
      return;
    }
    if (code !== MediaError.MEDIA_ERR_ABORTED && !this.triedHls && this.kind !== 'native-hls') {
      this.triedHls = true;
      toast('This browser could not play the file as it is; switching to a converted stream.');
      await this.begin(at, { forceHls: true, maxHeight: this.forcedHeight });
      return;
    }
    this.halt(new Error(this.el?.error?.message || 'This video cannot be played in this browser.'));
  }

  /** Plays; a refusal without a user gesture shows the big play button. */
  async playSafely(): Promise<void> {
    const { el } = this;
    if (!el) return;
    try {
      await el.play();
      this.needsGesture = false;
    } catch (e) {
      if (e instanceof DOMException && e.name === 'NotAllowedError') {
        this.needsGesture = true;
        this.waiting = false;
      }
    }
  }

  // ---------------------------------------------------------------- commands

  /** Plays or pauses; after the end, plays again from the start (then `true`). */
  togglePlay(): boolean {
    const { el } = this;
    if (!el || this.problem) return false;
    const replay = this.ended;
    if (replay) {
      this.ended = false;
      this.seek(0);
    }
    if (el.paused) void this.playSafely();
    else el.pause();
    return replay;
  }

  seek(to: number): void {
    const { el, info } = this;
    if (!el || !info) return;
    const duration = this.duration;
    const target = Math.max(0, Math.min(duration > 0 ? duration - 0.25 : to, to));
    if (this.progressive) {
      const local = target - this.offset;
      const buffered = el.buffered.length > 0 ? el.buffered.end(el.buffered.length - 1) : 0;
      if (local >= 0 && local <= buffered + 1) {
        el.currentTime = local;
      } else {
        // A remuxed stream has no ranges: it starts again from the new place.
        const wasPaused = el.paused;
        this.switching = true;
        this.offset = target;
        this.time = 0;
        el.src = progressiveAt(info.url, target);
        if (!wasPaused) void this.playSafely();
      }
    } else {
      el.currentTime = target;
    }
    this.time = Math.max(0, target - this.offset);
  }

  /** The volume set (0 to 1, in hundredths), `null` without an element. */
  setVolume(v: number): number | null {
    const { el } = this;
    if (!el) return null;
    el.volume = Math.max(0, Math.min(1, Math.round(v * 100) / 100));
    if (el.volume > 0) el.muted = false;
    return el.volume;
  }

  /** Whether it is muted now, `null` without an element. */
  toggleMute(): boolean | null {
    const { el } = this;
    if (!el) return null;
    el.muted = !el.muted;
    return el.muted;
  }

  /** The volume of the last video in this tab. */
  restoreVolume(): void {
    const { el } = this;
    if (!el) return;
    try {
      const saved = JSON.parse(sessionStorage.getItem(VOLUME_KEY) ?? 'null') as { volume?: unknown; muted?: unknown } | null;
      if (saved && typeof saved.volume === 'number' && saved.volume >= 0 && saved.volume <= 1) el.volume = saved.volume;
      if (saved && typeof saved.muted === 'boolean') el.muted = saved.muted;
    } catch {
      // nothing kept
    }
  }

  // ---------------------------------------------------------------- media events

  onLoadStart(): void {
    this.switching = false;
  }

  onTimeUpdate(): void {
    if (this.el) this.time = this.el.currentTime;
  }

  onPlaying(): void {
    this.everPlayed = true;
    this.switching = false;
    this.waiting = false;
    this.paused = false;
    this.needsGesture = false;
  }

  onLoadedMetadata(): void {
    const { el } = this;
    if (!el) return;
    this.elementDuration = el.duration;
    if (this.seekOnLoad > 0) {
      el.currentTime = this.seekOnLoad;
      this.seekOnLoad = 0;
    }
    this.tracks.metadataLoaded();
  }

  onProgress(): void {
    const { el } = this;
    if (!el || el.buffered.length === 0) return;
    this.bufferedEnd = el.buffered.end(el.buffered.length - 1);
  }

  onEnded(): void {
    this.ended = true;
    this.paused = true;
  }

  onVolumeChange(): void {
    const { el } = this;
    if (!el) return;
    this.volume = el.volume;
    this.muted = el.muted;
    try {
      sessionStorage.setItem(VOLUME_KEY, JSON.stringify({ volume: this.volume, muted: this.muted }));
    } catch {
      // storage disabled: the next video starts at full volume
    }
  }
}
