import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, leavePlayer, openPlayer, playsPast, signIn, test, USERS, videoId } from './fixtures';

const dir = join(import.meta.dirname, '..', 'test-results', 'screenshots');

const sizes = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1366, height: 768 },
] as const;

for (const size of sizes) {
  test(`screenshots at ${size.name} size (${size.width}x${size.height})`, async ({ page }) => {
    mkdirSync(dir, { recursive: true });
    await page.setViewportSize({ width: size.width, height: size.height });
    const shot = (name: string) => page.screenshot({ path: join(dir, `${size.name}-${name}.png`) });
    await signIn(page, USERS.shots);

    await expect(page.getByTestId('recent-grid').getByTestId('video-card').first()).toBeVisible();
    await page.waitForLoadState('networkidle');
    await shot('home');

    await page.getByTestId('nav-library').click();
    await expect(page.getByTestId('library-grid').getByTestId('video-card').first()).toBeVisible();
    await page.waitForLoadState('networkidle');
    await shot('library');

    await page.getByTestId('library-view-shows').click();
    await expect(page.getByTestId('series-card').locator('img[src^="blob:"]').first()).toBeVisible();
    await shot('shows');

    await page.getByTestId('series-card').first().click();
    await expect(page.getByTestId('episode').first()).toBeVisible();
    await page.waitForLoadState('networkidle');
    await shot('series');

    await openPlayer(page, `/watch/${videoId('hevc.mkv')}?t=0`);
    await playsPast(page, 1, 45_000);
    await page.getByTestId('player').hover();
    await shot('player');
    await leavePlayer(page);

    await page.goto('/admin');
    await expect(page.getByTestId('users-table')).toBeVisible();
    await shot('admin');

    if (size.name === 'phone') {
      // The navigation sits at the bottom, in reach of a thumb, with large targets.
      const nav = await page.getByTestId('nav-library').boundingBox();
      expect(nav).not.toBeNull();
      expect((nav?.y ?? 0) + (nav?.height ?? 0)).toBeGreaterThan(size.height - 80);
      expect(nav?.height ?? 0).toBeGreaterThanOrEqual(44);
    }
  });
}
