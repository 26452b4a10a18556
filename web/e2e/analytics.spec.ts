import { expect, playsPast, signIn, test, USERS, videoId } from './fixtures';

test.describe('analytics', () => {
  test("after a playback, the admin's Analytics tab counts it and the Me page shows one's viewing", async ({ page }) => {
    const id = videoId('second.mp4');
    await signIn(page, USERS.milo, `/videos/${id}`);
    await page.getByTestId('play').click();
    await expect(page).toHaveURL(new RegExp(`/watch/${id}$`));
    await playsPast(page, 1.5);
    await page.getByTestId('nav-me').click();
    await expect(page).toHaveURL(/\/me$/);

    const mine = page.getByTestId('my-stats');
    await expect(mine.getByRole('heading', { name: 'Your viewing (last 30 days)' })).toBeVisible();
    await expect(async () => {
      await page.reload();
      await expect(mine.getByTestId('figure-plays')).toHaveText(/^[1-9]\d*$/, { timeout: 2000 });
    }).toPass({ timeout: 20_000 });
    await expect(mine.getByTestId('my-top-videos')).toBeVisible();

    await page.getByTestId('sign-out').click();
    await expect(page).toHaveURL(/\/login/);
    await signIn(page, USERS.admin, '/admin?tab=analytics');
    const panel = page.getByTestId('admin-panel-analytics');
    await expect(panel.getByTestId('analytics-total')).toBeVisible();
    const plays = Number(await panel.getByTestId('analytics-total').getByTestId('figure-plays').textContent());
    expect(plays).toBeGreaterThanOrEqual(1);
    await expect(panel.getByTestId('analytics-users')).toContainText('milo');
    await expect(panel.getByTestId('analytics-top-videos')).toBeVisible();
    expect(await panel.getByTestId('analytics-bar').count()).toBeGreaterThan(0);

    // Another period: 24 hours by the hour, then watch hours.
    await panel.getByTestId('analytics-period').selectOption('24h');
    await expect.poll(() => panel.getByTestId('analytics-bar').count()).toBeGreaterThanOrEqual(24);
    await panel.getByTestId('analytics-measure').selectOption('watch_hours');
    await expect(panel.getByTestId('analytics-chart')).toBeVisible();
  });
});
