// Test doubles of the player's tests (never imported by the app): a video, a playback
// decision, an hls.js stand-in that tests drive by emitting its events, and a `<video>`
// element whose media methods and lists are plain data.
import type Hls from 'hls.js';
import type { PlayerAction } from './player-keys';
import type { AudioStream, PlaybackInfo, TextTrack as ApiTextTrack, Video } from './types';

export const ENG: AudioStream = { index: 1, codec: 'ac3', default: true, language: 'eng', channels: 6 };
export const FRA: AudioStream = { index: 2, codec: 'aac', default: false, language: 'fra', channels: 2 };

export function aVideo(over: Partial<Video> = {}): Video {
  return {
    id: 'v1',
    title: 'Big Buck',
    display_title: 'Big Buck',
    kind: 'film',
    genres: [],
    has_poster: false,
    has_backdrop: false,
    filename: 'big.mkv',
    path: '/media/big.mkv',
    library: 'Movies',
    container: 'matroska',
    content_type: 'video/x-matroska',
    added_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    size: 1000,
    has_thumbnail: false,
    duration: 600,
    width: 1920,
    height: 1080,
    audio: [ENG, FRA],
    subtitles: [],
    sidecars: [],
    text_tracks: [],
    ...over,
  };
}

export function aSubtitle(id: string, language: string, forced = false): ApiTextTrack {
  return { id, language, forced, label: `${language} sub`, source: 'sidecar', url: `/api/videos/v1/subtitles/${id}.vtt` };
}

export function aDecision(over: Partial<PlaybackInfo> = {}): PlaybackInfo {
  return {
    method: 'direct',
    video_id: 'v1',
    url: '/api/stream/v1?token=tok',
    content_type: 'video/mp4',
    path: '/api/stream/v1',
    expires_at: '2099-01-01T00:00:00Z',
    reasons: ['plays as it is'],
    subtitles: [],
    ...over,
  };
}

/** The seek bar's own keys and what each does (player-keys.ts, and the control bar sending them). */
export const SEEK_BAR_KEYS: readonly (readonly [string, PlayerAction])[] = [
  ['ArrowLeft', { type: 'skip', seconds: -10 }],
  ['ArrowDown', { type: 'skip', seconds: -10 }],
  ['ArrowRight', { type: 'skip', seconds: 10 }],
  ['ArrowUp', { type: 'skip', seconds: 10 }],
  ['PageDown', { type: 'skip', seconds: -60 }],
  ['PageUp', { type: 'skip', seconds: 60 }],
  ['Home', { type: 'seek', to: 0 }],
  ['End', { type: 'seek-end' }],
];

/** hls.js' event names the player listens to (their values as in hls.js). */
export const HLS_EVENTS = {
  MANIFEST_PARSED: 'hlsManifestParsed',
  LEVEL_SWITCHED: 'hlsLevelSwitched',
  AUDIO_TRACKS_UPDATED: 'hlsAudioTracksUpdated',
  AUDIO_TRACK_SWITCHED: 'hlsAudioTrackSwitched',
  SUBTITLE_TRACKS_UPDATED: 'hlsSubtitleTracksUpdated',
  SUBTITLE_TRACK_SWITCH: 'hlsSubtitleTrackSwitch',
  CUES_PARSED: 'hlsCuesParsed',
  ERROR: 'hlsError',
} as const;

type Handler = (event: string, data: never) => void;

/** An hls.js player: what the player reads and sets, and `emit` for the test. */
export class FakeHls {
  static Events = HLS_EVENTS;
  static ErrorTypes = { MEDIA_ERROR: 'mediaError', NETWORK_ERROR: 'networkError' };
  static supported = true;
  static instances: FakeHls[] = [];
  static isSupported(): boolean {
    return FakeHls.supported;
  }

  levels: { height?: number }[] = [];
  audioTracks: { lang?: string; name: string }[] = [];
  audioTrack = 0;
  subtitleTracks: { lang?: string; name: string; forced: boolean }[] = [];
  subtitleTrack = -1;
  subtitleDisplay = false;
  autoLevelEnabled = true;
  currentLevel = -1;
  nextLevel = -1;
  source = '';
  media: HTMLVideoElement | null = null;
  destroyed = false;
  recoveries = 0;
  private readonly handlers = new Map<string, Handler[]>();

  constructor(readonly config: Record<string, unknown>) {
    FakeHls.instances.push(this);
  }

  on(event: string, handler: Handler): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }

  emit(event: string, data: unknown = {}): void {
    for (const h of this.handlers.get(event) ?? []) h(event, data as never);
  }

  loadSource(url: string): void {
    this.source = url;
  }

  attachMedia(el: HTMLVideoElement): void {
    this.media = el;
  }

  destroy(): void {
    this.destroyed = true;
  }

  recoverMediaError(): void {
    this.recoveries += 1;
  }

  /** As the player's code sees it. */
  get asHls(): Hls {
    return this as unknown as Hls;
  }
}

export interface FakeTextTrack {
  kind: string;
  id: string;
  label: string;
  language: string;
  mode: TextTrackMode;
  /** The cues active now (a `TextTrackCueList` in a browser). */
  activeCues?: { startTime: number; endTime: number; text: string }[];
}

export interface FakeVideo extends HTMLVideoElement {
  plays: number;
  pauses: number;
  /** What the next `play()` does: resolve, or reject with this. */
  playError: unknown;
  fakeTracks: FakeTextTrack[];
  /** Buffered up to (seconds), `0`: nothing. */
  bufferedTo: number;
  fakeError: MediaError | null;
}

/** A `<video>` (jsdom's has no media) whose play, pause and lists are the test's. */
export function fakeVideo(): FakeVideo {
  const el = document.createElement('video') as FakeVideo;
  el.plays = 0;
  el.pauses = 0;
  el.playError = null;
  el.fakeTracks = [];
  el.bufferedTo = 0;
  el.fakeError = null;
  let paused = true;
  let time = 0;
  Object.defineProperties(el, {
    paused: { get: () => paused, configurable: true },
    currentTime: { get: () => time, set: (t: number) => (time = t), configurable: true },
    textTracks: { get: () => el.fakeTracks, configurable: true },
    error: { get: () => el.fakeError, configurable: true },
    buffered: {
      get: () => ({ length: el.bufferedTo > 0 ? 1 : 0, start: () => 0, end: () => el.bufferedTo }),
      configurable: true,
    },
  });
  el.play = () => {
    el.plays += 1;
    if (el.playError) return Promise.reject(el.playError);
    paused = false;
    return Promise.resolve();
  };
  el.pause = () => {
    el.pauses += 1;
    paused = true;
  };
  el.load = () => undefined;
  return el;
}
