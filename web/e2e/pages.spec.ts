import { apiCall, apiLogin, consoleErrors, expect, openPlayer, signIn, test, USERS, videoId } from './fixtures';

// Every page under the server's Content-Security-Policy (the fixture fails a test on any
// violation), with a title, a main landmark and no console errors.
test.describe('every page', () => {
  test('opens without CSP violations or console errors', async ({ page }) => {
    await page.goto('/login');
    await expect(page.getByTestId('login-form')).toBeVisible();
    await signIn(page, USERS.pages);

    await page.goto('/playlists');
    await page.getByTestId('create-playlist-name').fill('Page check');
    await page.getByTestId('create-playlist-submit').click();
    await expect(page.getByTestId('playlist-name')).toHaveText('Page check');
    const playlistPath = new URL(page.url()).pathname;
    const token = await apiLogin(USERS.pages);
    const shows = await apiCall<{ items: { id: string }[] }>(token, 'GET', '/api/series?q=Test%20Show');

    const pages: [string, string][] = [
      ['/', 'Home'],
      ['/library', 'Library'],
      ['/shows', 'Shows'],
      ['/films', 'Films'],
      [`/series/${shows.items[0]?.id}`, 'Test Show'],
      [`/videos/${videoId('hevc.mkv')}`, 'homestream'],
      ['/playlists', 'Playlists'],
      [playlistPath, 'Page check'],
      ['/me', 'Account'],
      ['/admin', 'Admin'],
      ['/admin?tab=guests', 'Admin'],
      ['/admin?tab=analytics', 'Admin'],
      ['/admin?tab=streams', 'Admin'],
      ['/admin?tab=sessions', 'Admin'],
      ['/admin?tab=library', 'Admin'],
      ['/admin?tab=server', 'Admin'],
      ['/no-such-page', 'Not found'],
    ];
    for (const [path, title] of pages) {
      await page.goto(path);
      await expect(page.locator('main#main')).toBeVisible();
      await expect(page).toHaveTitle(new RegExp(title));
      await page.waitForLoadState('networkidle');
    }

    // The player, with its chunk of hls.js.
    await openPlayer(page, `/watch/${videoId('hevc.mkv')}`);
    await expect(page.getByTestId('player')).toHaveAttribute('data-engine', 'hls.js');
    await expect
      .poll(() => page.getByTestId('video').evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 45_000 })
      .toBeGreaterThan(0.3);
    await page.getByTestId('nav-library').click();
    await expect(page.getByTestId('library-grid')).toBeVisible();

    expect(consoleErrors(page)).toEqual([]);
  });

  test('the document has a language, a description and a viewport', async ({ page }) => {
    await page.goto('/login');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.locator('meta[name="description"]')).toHaveAttribute('content', /.+/);
    await expect(page.locator('meta[name="viewport"]')).toHaveAttribute('content', /width=device-width/);
    // No inline scripts or styles in the page as served.
    const html = await (await page.request.get('/')).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style/);
  });
});
