import { expect, media, playsPast, signIn, test, USERS, videoId } from './fixtures';

test.describe('series', () => {
  test('a show opens from Shows; Play starts its next episode, and the one after follows when it ends', async ({ page }) => {
    const one = videoId('Test Show - S01E01 - One.mp4');
    const two = videoId('Test Show - S01E02 - Two.mp4');
    await signIn(page, USERS.olga);

    await page.getByTestId('nav-library').click();
    await page.getByTestId('library-view-shows').click();
    await expect(page).toHaveURL(/\/shows$/);
    const card = page.getByTestId('shows-grid').getByTestId('series-card').filter({ hasText: 'Test Show' });
    await expect(card).toContainText('2020');
    // The poster comes through the API (bearer token) as a blob: image.
    await expect(card.locator('img[src^="blob:"]')).toBeVisible();
    await card.click();

    await expect(page).toHaveURL(/\/series\//);
    const seriesUrl = new URL(page.url()).pathname;
    await expect(page.getByTestId('series-title')).toHaveText('Test Show');
    await expect(page.getByTestId('series-genres')).toContainText('Comedy');
    // The .nfo's plot carries markup: shown as text, never as elements.
    const plot = page.getByTestId('series-plot');
    await expect(plot).toContainText('<b>bold</b> <img src=x onerror=alert(1)>');
    await expect(plot.locator('b, img')).toHaveCount(0);
    const episodes = page.getByTestId('episode');
    await expect(episodes).toHaveCount(2);
    await expect(episodes.nth(0)).toHaveAttribute('data-code', 'S01E01');
    await expect(episodes.nth(1)).toHaveAttribute('data-code', 'S01E02');

    // Play: the next episode of someone who watched nothing yet is the first.
    const play = page.getByTestId('series-play');
    await expect(play).toHaveText(/Play S01E01/);
    await play.click();
    await expect(page).toHaveURL(new RegExp(`/watch/${one}$`));
    await expect(page.getByTestId('now-playing')).toHaveText('Test Show - S01E01 - One');
    await playsPast(page, 0.3);
    expect((await media(page)).src).toContain(`/api/stream/${one}?token=`);

    // It ends: "Up next" names the next episode, counts down, then plays it.
    const upNext = page.getByTestId('up-next');
    await expect(upNext).toBeVisible({ timeout: 20_000 });
    await expect(upNext).toContainText('Up next (Test Show)');
    await expect(page.getByTestId('up-next-title')).toHaveText('S01E02 · Two');
    await expect(page).toHaveURL(new RegExp(`/watch/${two}$`), { timeout: 15_000 });
    await expect(page.getByTestId('now-playing')).toHaveText('Test Show - S01E02 - Two');
    await expect(page.getByTestId('player')).toHaveAttribute('aria-label', 'Player: Test Show - S01E02 - Two');
    await playsPast(page, 0.5);
    expect((await media(page)).src).toContain(`/api/stream/${two}?token=`);
    expect((await media(page)).paused).toBe(false);

    // Back on the show: the first episode is watched, Play goes on with the second.
    await page.getByTestId('series-link').click();
    await expect(page).toHaveURL(new RegExp(`${seriesUrl}$`));
    const checks = page.getByTestId('episode-watched');
    await expect(checks.nth(0)).toHaveAttribute('aria-pressed', 'true');
    await expect(checks.nth(1)).toHaveAttribute('aria-pressed', 'false');
    await expect(play).toHaveText(/S01E02/);

    // The whole show watched, then unwatched; then the first episode alone.
    await page.getByTestId('series-watched').click();
    await expect(checks.nth(1)).toHaveAttribute('aria-pressed', 'true');
    await expect(checks.nth(0)).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('series-watched')).toHaveText(/Mark show unwatched/);
    await page.getByTestId('series-watched').click();
    await expect(checks.nth(0)).toHaveAttribute('aria-pressed', 'false');
    await expect(checks.nth(1)).toHaveAttribute('aria-pressed', 'false');
    await checks.nth(0).click();
    await expect(checks.nth(0)).toHaveAttribute('aria-pressed', 'true');
    await expect(play).toHaveText(/Play S01E02/);

    // Home's "Next up": the show, then the episode; a click plays it.
    await page.getByTestId('nav-home').click();
    const next = page.getByTestId('next-up-grid').getByTestId('video-card');
    await expect(next).toHaveCount(1);
    await expect(next.getByTestId('card-title')).toHaveText('Test Show');
    await expect(next.getByTestId('card-subtitle')).toHaveText('S01E02 · Two');
    await next.click();
    await expect(page).toHaveURL(new RegExp(`/watch/${two}$`));
    await playsPast(page, 0.3);
  });
});
