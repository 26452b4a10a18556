// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import EpisodeRow from './EpisodeRow.svelte';
import { aVideo } from '../lib/player-fixtures';
import type { Episode } from '../lib/types';

vi.mock('../lib/api', () => ({ api: { GET: vi.fn(() => new Promise(() => undefined)) } }));

function anEpisode(over: Partial<Episode> = {}): Episode {
  return {
    video: aVideo({
      id: 'e2',
      kind: 'episode',
      title: 'Two',
      display_title: 'Test Show - S01E02 - Two',
      series_id: 's1',
      series_title: 'Test Show',
      season: 1,
      episode: 2,
      duration: 1320,
      has_thumbnail: true,
      plot: 'They <b>meet</b>.<script>alert(1)</script>',
    }),
    ...over,
  };
}

function setup(episode: Episode) {
  const ontoggle = vi.fn();
  const { container } = render(EpisodeRow, { props: { episode, ontoggle } });
  return { ontoggle, container, row: screen.getByTestId('episode') };
}

describe('EpisodeRow', () => {
  it('shows number, title and facts, and plays from the title', () => {
    const { row } = setup(anEpisode());
    const play = screen.getByTestId('episode-play');
    expect(play.textContent?.replace(/\s+/g, ' ').trim()).toBe('Play 2. Two');
    expect(play.getAttribute('href')).toBe('/watch/e2');
    expect(row.textContent).toContain('S01E02 · 22 min');
    expect(row.dataset.code).toBe('S01E02');
  });

  it('shows a hostile plot as text, never as markup', () => {
    const { container } = setup(anEpisode());
    expect(container.querySelector('.plot')?.textContent).toBe('They <b>meet</b>.<script>alert(1)</script>');
    expect(container.querySelector('b, script')).toBeNull();
  });

  it('resumes an episode under way and shows how far it got', () => {
    const { row } = setup(
      anEpisode({ user_data: { resume_seconds: 600, position_seconds: 600, progress_percent: 45, watched: false, watch_time_seconds: 600, play_count: 0 } }),
    );
    expect(screen.getByTestId('episode-play').getAttribute('href')).toBe('/watch/e2?t=600');
    expect(row.textContent).toContain('45% watched');
    expect(row.querySelector('.bar')).not.toBeNull();
  });

  it('marks it watched, or unwatched once watched', async () => {
    const first = setup(anEpisode());
    const check = screen.getByRole('button', { name: 'Watched: S01E02 · Two' });
    expect(check.getAttribute('aria-pressed')).toBe('false');
    await fireEvent.click(check);
    expect(first.ontoggle).toHaveBeenCalledWith(true);
    first.container.remove();

    const done = setup(
      anEpisode({ user_data: { position_seconds: 1320, progress_percent: 100, watched: true, watch_time_seconds: 1320, play_count: 1 } }),
    );
    const pressed = done.row.querySelector<HTMLButtonElement>('[data-testid="episode-watched"]');
    expect(pressed?.getAttribute('aria-pressed')).toBe('true');
    expect(done.row.querySelector('.bar')).toBeNull();
    if (pressed) await fireEvent.click(pressed);
    expect(done.ontoggle).toHaveBeenCalledWith(false);
  });
});
