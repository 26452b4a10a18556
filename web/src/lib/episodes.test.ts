import { describe, expect, it } from 'vitest';
import {
  episodeCardText,
  episodeCode,
  episodeFacts,
  episodeLabel,
  episodeProgress,
  hasFollower,
  initialSeason,
  seasonKey,
  seasonName,
  seasonProgress,
  seasonRequest,
  seasonWatched,
  seriesCounts,
  upNextText,
  watchHref,
} from './episodes';
import { aVideo } from './player-fixtures';
import type { Episode, Season, UserData } from './types';

const episode = (season: number | null, number: number | null, title = 'Pilot', over = {}) =>
  aVideo({
    id: `e${season}-${number}`,
    kind: 'episode',
    title,
    display_title: `Show - ${title}`,
    series_id: 's1',
    series_title: 'The Show',
    season,
    episode: number,
    ...over,
  });

const season = (number: number | null, episode_count = 10, watched_count = 0): Season => ({
  number,
  name: seasonName(number),
  episode_count,
  watched_count,
  has_poster: false,
});

const watched = (over: Partial<UserData> = {}): UserData => ({
  position_seconds: 0,
  progress_percent: 0,
  watched: false,
  watch_time_seconds: 0,
  play_count: 0,
  ...over,
});

describe('episodeCode', () => {
  it('numbers an episode by season and number, two digits at least', () => {
    expect(episodeCode({ season: 1, episode: 2 })).toBe('S01E02');
    expect(episodeCode({ season: 12, episode: 104 })).toBe('S12E104');
    expect(episodeCode({ season: 0, episode: 3 })).toBe('S00E03');
  });

  it('gives the range of a file that covers several', () => {
    expect(episodeCode({ season: 1, episode: 23, episode_end: 24 })).toBe('S01E23-E24');
    expect(episodeCode({ season: 1, episode: 5, episode_end: 5 })).toBe('S01E05');
    expect(episodeCode({ season: null, episode: 12, episode_end: 13 })).toBe('E12-E13');
  });

  it('makes do with what is known', () => {
    expect(episodeCode({ season: null, episode: 12 })).toBe('E12');
    expect(episodeCode({ season: 2, episode: null })).toBe('S02');
    expect(episodeCode({ season: null, episode: null })).toBe('');
    expect(episodeCode({})).toBe('');
  });
});

describe('episode text', () => {
  it('puts the number before the title', () => {
    expect(episodeLabel(episode(1, 2, 'Two'))).toBe('S01E02 · Two');
    expect(episodeLabel(episode(null, null, 'Special'))).toBe('Special');
  });

  it("names the series on a card's first line and the episode on its second", () => {
    expect(episodeCardText(episode(1, 2, 'Two'))).toEqual({ title: 'The Show', subtitle: 'S01E02 · Two' });
    const film = aVideo({ kind: 'film', display_title: 'Alien (1979)' });
    expect(episodeCardText(film)).toEqual({ title: 'Alien (1979)', subtitle: '' });
  });

  it('lists number, length and air date in the facts line', () => {
    expect(episodeFacts({ season: 1, episode: 2, duration: 1320, premiered: '2020-03-04' })).toBe('S01E02 · 22 min · 2020-03-04');
    expect(episodeFacts({ season: null, episode: null, duration: null })).toBe('');
  });

  it('names what plays next: the episode under its series, a part of a film', () => {
    expect(upNextText(episode(2, 1, 'Return'))).toEqual({ title: 'S02E01 · Return', context: 'The Show' });
    expect(upNextText(aVideo({ kind: 'film', display_title: 'Dune (2021)', part: 2 }))).toEqual({ title: 'Dune (2021)', context: 'Part 2' });
    expect(hasFollower(episode(1, 1))).toBe(true);
    expect(hasFollower(aVideo({ kind: 'film', part: 1 }))).toBe(true);
    expect(hasFollower(aVideo({ kind: 'film' }))).toBe(false);
    expect(hasFollower(aVideo({ kind: 'video' }))).toBe(false);
  });
});

describe('seasons', () => {
  it('has names and URL keys for specials and unknown seasons', () => {
    expect(seasonName(3)).toBe('Season 3');
    expect(seasonName(0)).toBe('Specials');
    expect(seasonName(null)).toBe('Episodes');
    expect([seasonKey(1), seasonKey(0), seasonKey(null), seasonKey(undefined)]).toEqual(['1', '0', 'none', 'none']);
  });

  const seasons = [season(null), season(1), season(2), season(0)];

  it('opens on the season in the URL, else the next episode’s, else the first real one', () => {
    expect(initialSeason(seasons, '2', 1)?.number).toBe(2);
    expect(initialSeason(seasons, '0')?.number).toBe(0);
    expect(initialSeason(seasons, 'none')?.number).toBeNull();
    expect(initialSeason(seasons, '9', 2)?.number).toBe(2);
    expect(initialSeason(seasons, null, null)?.number).toBeNull();
    expect(initialSeason([season(0), season(1)], null)?.number).toBe(1);
    expect(initialSeason([season(0)], null)?.number).toBe(0);
    expect(initialSeason([], '1')).toBeNull();
  });

  it('asks for a numbered season by number, and for an unknown one by the whole series', () => {
    const e = (s: number | null): Episode => ({ video: episode(s, 1) });
    const first = seasonRequest(season(1));
    expect(first.query).toEqual({ season: 1 });
    expect([e(1), e(2), e(null)].filter(first.keep).map((x) => x.video.season)).toEqual([1]);
    const specials = seasonRequest(season(0));
    expect(specials.query).toEqual({ season: 0 });
    const unknown = seasonRequest(season(null));
    expect(unknown.query).toEqual({});
    expect([e(1), e(null), e(0)].filter(unknown.keep).map((x) => x.video.season)).toEqual([null]);
  });

  it('says how much of a season was watched', () => {
    expect(seasonProgress(season(1, 10, 0))).toBe('10 episodes');
    expect(seasonProgress(season(1, 1, 0))).toBe('1 episode');
    expect(seasonProgress(season(1, 10, 3))).toBe('3 of 10 watched');
    expect(seasonProgress(season(1, 10, 10))).toBe('All 10 watched');
    expect(seasonProgress(season(1, 1, 1))).toBe('Watched');
    expect(seasonWatched(season(1, 0, 0))).toBe(false);
    expect(seriesCounts({ season_count: 1, episode_count: 1 })).toBe('1 episode');
    expect(seriesCounts({ season_count: 3, episode_count: 30 })).toBe('3 seasons · 30 episodes');
  });
});

describe('progress and where play starts', () => {
  it('draws a bar only for an episode under way', () => {
    expect(episodeProgress(undefined)).toBeNull();
    expect(episodeProgress(watched())).toBeNull();
    expect(episodeProgress(watched({ progress_percent: 40 }))).toBe(40);
    expect(episodeProgress(watched({ progress_percent: 95, watched: true }))).toBeNull();
    expect(episodeProgress(watched({ progress_percent: 140 }))).toBe(100);
  });

  it('resumes where it was left, else starts at the beginning', () => {
    const v = { id: 'v9', duration: 1200 };
    expect(watchHref(v, null)).toBe('/watch/v9');
    expect(watchHref(v, watched({ resume_seconds: 300.7 }))).toBe('/watch/v9?t=300');
    expect(watchHref(v, watched({ resume_seconds: 300, watched: true }))).toBe('/watch/v9');
    expect(watchHref(v, watched({ resume_seconds: 2 }))).toBe('/watch/v9');
  });
});
