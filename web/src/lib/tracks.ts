// Audio, subtitle and quality choices of the player, as pure functions.
import { sameLanguage } from './format';
import type { AudioStream, PlaybackInfo } from './types';

/**
 * The audio stream a server-made rendition carries, as the server picks it: the first
 * in the preferred language, else the one flagged default, else the first. (A file
 * played as it is plays its default stream too: `language` is then `null`.)
 */
export function defaultAudio(streams: readonly AudioStream[], language: string | null | undefined): AudioStream | null {
  return (
    (language ? streams.find((a) => sameLanguage(a.language, language)) : undefined) ??
    streams.find((a) => a.default) ??
    streams[0] ??
    null
  );
}

/**
 * The file audio stream a playback decision plays: a file played as it is its default
 * one, a rendition the server makes the one in the preferred language.
 */
export function playingAudio(
  streams: readonly AudioStream[],
  method: PlaybackInfo['method'],
  language: string | null | undefined,
): number | null {
  return defaultAudio(streams, method === 'direct' ? null : (language ?? null))?.index ?? null;
}

export interface SubtitleChoice {
  key: string;
  language?: string | null | undefined;
  forced?: boolean | undefined;
}

/**
 * The subtitle to show at start: one in the preferred language, else a forced one
 * (signs and foreign dialogue), else none (`off`).
 */
export function initialSubtitle(options: readonly SubtitleChoice[], language: string | null | undefined): string {
  const tracks = options.filter((o) => o.key !== 'off');
  const wanted = language ? tracks.find((o) => sameLanguage(o.language, language)) : undefined;
  if (wanted) return wanted.key;
  const forced = tracks.find((o) => o.forced);
  return forced ? forced.key : 'off';
}

/** The next key in `keys` after `current`, wrapping ("c" cycles the subtitles). */
export function cycle(keys: readonly string[], current: string): string {
  if (keys.length === 0) return current;
  const i = keys.indexOf(current);
  return keys[(i + 1) % keys.length] as string;
}

/** Lower qualities a file can be converted to, below its own height. */
export function lowerRungs(height: number | null | undefined): number[] {
  if (!height) return [];
  return [1080, 720, 480].filter((h) => h < height - 40);
}

/** Levels of an HLS ladder for the quality menu: tallest first, audio-only left out. */
export function qualityLevels(levels: readonly { height?: number | undefined }[]): { index: number; height: number }[] {
  return levels
    .map((l, index) => ({ index, height: l.height ?? 0 }))
    .filter((l) => l.height > 0)
    .sort((a, b) => b.height - a.height);
}

/**
 * The index in hls.js' audio tracks of a file's audio stream: the master playlist lists
 * the file's streams in order, so the position in the file's list; by language when the
 * lists differ.
 */
export function hlsAudioIndex(
  streams: readonly AudioStream[],
  hlsTracks: readonly { lang?: string | undefined; name?: string | undefined }[],
  streamIndex: number,
): number {
  const pos = streams.findIndex((a) => a.index === streamIndex);
  if (pos < 0) return -1;
  if (streams.length === hlsTracks.length) return pos;
  const lang = streams[pos]?.language;
  return lang ? hlsTracks.findIndex((t) => sameLanguage(t.lang, lang) || t.name === lang) : -1;
}
