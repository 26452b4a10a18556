// Series, seasons and episodes as people read them: `S01E02`, `S01E02 · Title`,
// `Season 1`, "3 of 10 watched", which season a series page opens on, and where a
// click on an episode starts playing.
import { formatDuration } from './format';
import { resumePoint } from './resume';
import type { Episode, Season, UserData, Video } from './types';

const two = (n: number) => String(n).padStart(2, '0');

/**
 * An episode's number: `S01E02`, `S01E02-E03` (a file covering several), `E12` when
 * its season is unknown (an absolute number), `S01` without a number; '' for a video
 * that is no episode.
 */
export function episodeCode(v: Pick<Video, 'season' | 'episode' | 'episode_end'>): string {
  const season = v.season ?? null;
  const episode = v.episode ?? null;
  const end = v.episode_end ?? null;
  if (episode === null) return season === null ? '' : `S${two(season)}`;
  const range = end !== null && end > episode ? `-E${two(end)}` : '';
  return season === null ? `E${two(episode)}${range}` : `S${two(season)}E${two(episode)}${range}`;
}

/** An episode under its series' name: `S01E02 · Title` (the title alone without a number). */
export function episodeLabel(v: Pick<Video, 'season' | 'episode' | 'episode_end' | 'title'>): string {
  return [episodeCode(v), v.title].filter(Boolean).join(' · ');
}

/** The two lines of an episode's card: its series, then `S01E02 · Title`. */
export function episodeCardText(v: Video): { title: string; subtitle: string } {
  if (v.kind !== 'episode' || !v.series_title) return { title: v.display_title, subtitle: '' };
  return { title: v.series_title, subtitle: episodeLabel(v) };
}

/** A season as its tab names it, when the server gave no name. */
export function seasonName(number: number | null | undefined): string {
  if (number == null) return 'Episodes';
  return number === 0 ? 'Specials' : `Season ${number}`;
}

/** The key of a season in a URL (`?season=1`, `0` for specials, `none` for unknown). */
export function seasonKey(number: number | null | undefined): string {
  return number == null ? 'none' : String(number);
}

/**
 * The season a series page shows first: the one in the URL when the series has it,
 * else the season of the episode "Play" starts, else the first season that is not the
 * specials, else the first.
 */
export function initialSeason(seasons: readonly Season[], wanted: string | null, nextSeason?: number | null): Season | null {
  if (seasons.length === 0) return null;
  const byKey = (key: string) => seasons.find((s) => seasonKey(s.number) === key);
  if (wanted !== null) {
    const found = byKey(wanted);
    if (found) return found;
  }
  if (nextSeason !== undefined) {
    const found = byKey(seasonKey(nextSeason));
    if (found) return found;
  }
  return seasons.find((s) => s.number !== 0) ?? (seasons[0] as Season);
}

/**
 * How to ask for a season's episodes: `?season=N` when it has a number; a season of
 * unknown number has none to ask by, so the whole series is fetched and `keep` picks
 * its episodes.
 */
export function seasonRequest(season: Pick<Season, 'number'>): {
  query: { season?: number };
  keep: (e: Episode) => boolean;
} {
  const n = season.number ?? null;
  if (n === null) return { query: {}, keep: (e) => e.video.season == null };
  return { query: { season: n }, keep: (e) => e.video.season === n };
}

/** Every episode of the season watched. */
export function seasonWatched(season: Pick<Season, 'episode_count' | 'watched_count'>): boolean {
  return season.episode_count > 0 && season.watched_count >= season.episode_count;
}

/** `10 episodes`, `3 of 10 watched`, `All 10 watched`. */
export function seasonProgress(season: Pick<Season, 'episode_count' | 'watched_count'>): string {
  const n = season.episode_count;
  if (seasonWatched(season)) return n === 1 ? 'Watched' : `All ${n} watched`;
  if (season.watched_count > 0) return `${season.watched_count} of ${n} watched`;
  return `${n} episode${n === 1 ? '' : 's'}`;
}

/** Seasons and episodes of a series: `2 seasons · 14 episodes`. */
export function seriesCounts(series: { season_count: number; episode_count: number }): string {
  const parts: string[] = [];
  if (series.season_count > 1) parts.push(`${series.season_count} seasons`);
  parts.push(`${series.episode_count} episode${series.episode_count === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/**
 * The bar under an episode: how far in, 0 to 100; `null` for none (not started, or
 * watched: the check says so).
 */
export function episodeProgress(userData: Pick<UserData, 'watched' | 'progress_percent'> | null | undefined): number | null {
  if (!userData || userData.watched || !(userData.progress_percent > 0)) return null;
  return Math.min(100, userData.progress_percent);
}

/** The player's address for a video: from its resume point when it has one. */
export function watchHref(
  video: Pick<Video, 'id' | 'duration'>,
  userData: Pick<UserData, 'resume_seconds' | 'watched'> | null | undefined,
): string {
  const at = resumePoint(userData, video.duration);
  return at === null ? `/watch/${video.id}` : `/watch/${video.id}?t=${Math.floor(at)}`;
}

/** The facts line of an episode's row: `S01E02 · 22 min · 2020-03-04`. */
export function episodeFacts(v: Pick<Video, 'season' | 'episode' | 'episode_end' | 'duration' | 'premiered'>): string {
  return [episodeCode(v), formatDuration(v.duration), v.premiered ?? ''].filter(Boolean).join(' · ');
}

/** What "Up next" names after a video: the next episode under its series, a film's part. */
export function upNextText(next: Video): { title: string; context: string } {
  if (next.kind === 'episode') return { title: episodeLabel(next), context: next.series_title ?? '' };
  if (next.part != null) return { title: next.display_title, context: `Part ${next.part}` };
  return { title: next.display_title, context: '' };
}

/** Whether a video may have something that plays after it (an episode, a film's part). */
export function hasFollower(v: Pick<Video, 'kind' | 'part'>): boolean {
  return v.kind === 'episode' || v.part != null;
}
