// Which player plays a playback decision, and the signed links around it.
import type { EngineSupport } from './capabilities';
import type { PlaybackInfo } from './types';

/** `direct`: `<video src>`; `native-hls`: the browser's own HLS; `hls.js`: MSE. */
export type EngineKind = 'direct' | 'native-hls' | 'hls.js';

export function isHls(info: Pick<PlaybackInfo, 'content_type' | 'url'>): boolean {
  if (/mpegurl/i.test(info.content_type)) return true;
  try {
    return new URL(info.url, 'http://localhost').pathname.endsWith('.m3u8');
  } catch {
    return false;
  }
}

/**
 * The engine for a decision. Files and fragmented MP4 (`direct`, `remux`) go to
 * `<video src>`. HLS (`transcode`) plays natively where the browser also switches
 * audio tracks itself (Safari) or has no MSE (iPhone); elsewhere through hls.js, which
 * exposes audio tracks, subtitles and qualities (Chromium answers `maybe` for HLS but
 * offers none of those). `null`: this browser cannot play it.
 */
export function chooseEngine(
  info: Pick<PlaybackInfo, 'content_type' | 'url'>,
  support: EngineSupport,
): EngineKind | null {
  if (!isHls(info)) return 'direct';
  if (support.nativeHls && (!support.mse || support.audioTracks)) return 'native-hls';
  if (support.mse) return 'hls.js';
  if (support.nativeHls) return 'native-hls';
  return null;
}

/** The signed link's token (`?token=`) of a playback URL. */
export function linkToken(url: string): string | null {
  try {
    return new URL(url, 'http://localhost').searchParams.get('token');
  } catch {
    return null;
  }
}

/** A server path with the link's `?token=` added (subtitle tracks for `<track>`). */
export function withToken(path: string, token: string | null): string {
  if (!token) return path;
  const hash = path.indexOf('#');
  const base = hash >= 0 ? path.slice(0, hash) : path;
  const sep = base.includes('?') ? '&' : '?';
  return `${base}${sep}token=${encodeURIComponent(token)}${hash >= 0 ? path.slice(hash) : ''}`;
}

const HLS_MASTER = '/api/hls/{video_id}/master.m3u8';

/**
 * The HLS master playlist of a video, opened with the same signed link (the link opens
 * every streaming route of its video): how a file playing directly switches to one of
 * its other audio streams in a browser that cannot switch them itself.
 */
export function hlsMasterUrl(
  info: Pick<PlaybackInfo, 'url' | 'max_height' | 'max_bitrate_kbps'>,
  videoId: string,
): string | null {
  const token = linkToken(info.url);
  if (!token) return null;
  const url = new URL(info.url, 'http://localhost');
  const master = new URL(HLS_MASTER.replace('{video_id}', encodeURIComponent(videoId)), url);
  master.searchParams.set('token', token);
  if (info.max_height != null) master.searchParams.set('max_height', String(Math.min(4320, Math.max(144, info.max_height))));
  if (info.max_bitrate_kbps != null) master.searchParams.set('max_bitrate_kbps', String(info.max_bitrate_kbps));
  return url.origin === 'http://localhost' && !/^https?:/.test(info.url)
    ? `${master.pathname}${master.search}`
    : master.toString();
}

/** The progressive stream (`remux`) URL started at `start` seconds. */
export function progressiveAt(url: string, start: number): string {
  const u = new URL(url, 'http://localhost');
  if (start > 0.5) u.searchParams.set('start', start.toFixed(3));
  else u.searchParams.delete('start');
  return /^https?:/.test(url) ? u.toString() : `${u.pathname}${u.search}`;
}
