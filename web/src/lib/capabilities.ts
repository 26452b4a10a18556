// What this browser really plays, as the playback decision asks for it
// (`POST /api/videos/{id}/playback`): containers by extension, ffprobe's codec names.
import type { PlaybackRequest, VideoCodecSupport } from './types';

/** The two questions a browser answers about media types. */
export interface MediaProbe {
  /** `MediaSource.isTypeSupported` (false where there is no MSE). */
  mse(type: string): boolean;
  /** `HTMLVideoElement.canPlayType`: `''`, `'maybe'` or `'probably'`. */
  canPlay(type: string): string;
}

function plays(probe: MediaProbe, type: string): boolean {
  let mse = false;
  try {
    mse = probe.mse(type);
  } catch {
    mse = false;
  }
  return mse || probe.canPlay(type) !== '';
}

interface VideoCodecTest {
  codec: string;
  /** Any of these types proves the codec. */
  types: string[];
  /** Probed from the highest down: the first that plays is `max_level` (ffprobe's numbers). */
  levels?: { level: number; type: string }[];
}

const VIDEO_CODECS: VideoCodecTest[] = [
  {
    codec: 'h264',
    types: ['video/mp4; codecs="avc1.42E01E"', 'video/mp4; codecs="avc1.640028"'],
    levels: [
      { level: 52, type: 'video/mp4; codecs="avc1.640034"' },
      { level: 51, type: 'video/mp4; codecs="avc1.640033"' },
      { level: 42, type: 'video/mp4; codecs="avc1.64002A"' },
      { level: 41, type: 'video/mp4; codecs="avc1.640029"' },
      { level: 40, type: 'video/mp4; codecs="avc1.640028"' },
      { level: 31, type: 'video/mp4; codecs="avc1.64001F"' },
    ],
  },
  {
    codec: 'hevc',
    types: ['video/mp4; codecs="hvc1.1.6.L120.90"', 'video/mp4; codecs="hev1.1.6.L120.90"'],
    levels: [
      { level: 153, type: 'video/mp4; codecs="hvc1.1.6.L153.90"' },
      { level: 150, type: 'video/mp4; codecs="hvc1.1.6.L150.90"' },
      { level: 123, type: 'video/mp4; codecs="hvc1.1.6.L123.90"' },
      { level: 120, type: 'video/mp4; codecs="hvc1.1.6.L120.90"' },
    ],
  },
  { codec: 'vp9', types: ['video/webm; codecs="vp9"', 'video/mp4; codecs="vp09.00.10.08"'] },
  { codec: 'av1', types: ['video/mp4; codecs="av01.0.05M.08"', 'video/webm; codecs="av01.0.05M.08"'] },
  { codec: 'vp8', types: ['video/webm; codecs="vp8"'] },
];

const AUDIO_CODECS: { codec: string; types: string[] }[] = [
  { codec: 'aac', types: ['audio/mp4; codecs="mp4a.40.2"'] },
  { codec: 'mp3', types: ['audio/mpeg', 'audio/mp4; codecs="mp4a.69"', 'audio/mp4; codecs="mp4a.6B"'] },
  { codec: 'opus', types: ['audio/webm; codecs="opus"', 'audio/mp4; codecs="opus"'] },
  { codec: 'vorbis', types: ['audio/webm; codecs="vorbis"'] },
  { codec: 'flac', types: ['audio/mp4; codecs="flac"', 'audio/flac'] },
  { codec: 'alac', types: ['audio/mp4; codecs="alac"'] },
  { codec: 'ac3', types: ['audio/mp4; codecs="ac-3"'] },
  { codec: 'eac3', types: ['audio/mp4; codecs="ec-3"'] },
];

/**
 * Containers the `<video>` element opens by itself. Matroska is never claimed: browsers
 * that answer `maybe` for it (Chromium) do not play the container reliably.
 */
const CONTAINERS: { ext: string[]; type: string }[] = [
  { ext: ['mp4', 'm4v'], type: 'video/mp4' },
  { ext: ['webm'], type: 'video/webm' },
  { ext: ['mov'], type: 'video/quicktime' },
  { ext: ['ts'], type: 'video/mp2t' },
];

export function capabilityRequest(probe: MediaProbe): PlaybackRequest {
  const containers = CONTAINERS.filter((c) => probe.canPlay(c.type) !== '').flatMap((c) => c.ext);
  const video_codecs: VideoCodecSupport[] = [];
  for (const test of VIDEO_CODECS) {
    if (!test.types.some((t) => plays(probe, t))) continue;
    const top = test.levels?.find((l) => plays(probe, l.type));
    video_codecs.push(top ? { codec: test.codec, max_level: top.level } : { codec: test.codec });
  }
  const audio_codecs = AUDIO_CODECS.filter((a) => a.types.some((t) => plays(probe, t))).map((a) => a.codec);
  return { containers, video_codecs, audio_codecs };
}

/** The probe of this browser (`null` outside one). */
export function browserProbe(): MediaProbe | null {
  if (typeof document === 'undefined') return null;
  const video = document.createElement('video');
  const ms = (globalThis as { MediaSource?: { isTypeSupported(t: string): boolean } }).MediaSource;
  const mms = (globalThis as { ManagedMediaSource?: { isTypeSupported(t: string): boolean } }).ManagedMediaSource;
  const source = ms ?? mms;
  return {
    mse: (type) => (source ? source.isTypeSupported(type) : false),
    canPlay: (type) => video.canPlayType(type),
  };
}

/** What the player engines need to know about this browser. */
export interface EngineSupport {
  /** `canPlayType('application/vnd.apple.mpegurl')` is not empty. */
  nativeHls: boolean;
  /** Media Source Extensions (hls.js runs on them). */
  mse: boolean;
  /** `HTMLMediaElement.audioTracks` exists (Safari): the browser switches audio itself. */
  audioTracks: boolean;
}

export function browserSupport(): EngineSupport {
  const video = document.createElement('video');
  const g = globalThis as { MediaSource?: unknown; ManagedMediaSource?: unknown };
  return {
    nativeHls: video.canPlayType('application/vnd.apple.mpegurl') !== '',
    mse: typeof g.MediaSource === 'function' || typeof g.ManagedMediaSource === 'function',
    audioTracks: 'audioTracks' in video,
  };
}
