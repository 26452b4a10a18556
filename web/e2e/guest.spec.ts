import { apiCall, apiLogin, expect, suite, test, USERS } from './fixtures';

test.describe('guest passes', () => {
  test("a guest pass's link opens a guest session; revoking it signs the guest out", async ({ browser }) => {
    const admin = await apiLogin(USERS.admin);
    const issued = await apiCall<{ code: string; url: string; pass: { id: string } }>(
      admin,
      'POST',
      '/api/admin/guest-passes',
      { label: 'e2e visit', valid_hours: 2, max_uses: 1 },
    );
    const link = new URL(issued.url);
    expect(link.pathname).toBe('/guest');

    const context = await browser.newContext({ baseURL: suite().webUrl, viewport: { width: 1366, height: 768 } });
    const guest = await context.newPage();
    try {
      await guest.goto(`/guest${link.search}`);
      await expect(guest.getByTestId('nav-library')).toBeVisible({ timeout: 15_000 });
      await expect(guest).toHaveURL(/\/$/);
      await expect(guest.getByTestId('nav-admin')).toHaveCount(0);
      await guest.getByTestId('nav-library').click();
      await expect(guest.getByTestId('video-card').first()).toBeVisible();

      // A guest is shown nothing the server would refuse them.
      await guest.getByTestId('video-card').first().click();
      await expect(guest.getByTestId('video-title')).toBeVisible();
      await expect(guest.getByTestId('play').or(guest.getByTestId('resume'))).toBeVisible();
      await expect(guest.getByTestId('rating-section')).toHaveCount(0);
      await expect(guest.getByTestId('add-to-playlist')).toHaveCount(0);
      await guest.goto('/me');
      await expect(guest.getByTestId('guest-preferences-hint')).toBeVisible();
      await expect(guest.getByTestId('password-form')).toHaveCount(0);
      await expect(guest.getByTestId('pref-audio-language')).toHaveCount(0);
      await guest.getByTestId('pref-quality').selectOption('720p');
      await guest.getByTestId('save-preferences').click();
      await expect(guest.getByText('Preferences saved.')).toBeVisible();
      await expect(guest.getByTestId('preferences-error')).toHaveCount(0);
      await guest.goto('/playlists');
      await expect(guest.getByTestId('create-playlist-form')).toHaveCount(0);

      // The pass is used up: the same link now says so.
      const second = await browser.newContext({ baseURL: suite().webUrl });
      const again = await second.newPage();
      await again.goto(`/guest${link.search}`);
      await expect(again.getByTestId('guest-error')).toContainText(/used/i);
      await second.close();

      // Revoked: the guest's next request is refused and the page returns to sign-in.
      await apiCall(admin, 'DELETE', `/api/admin/guest-passes/${issued.pass.id}`);
      await guest.getByTestId('nav-home').click();
      await expect(guest).toHaveURL(/\/login/, { timeout: 15_000 });
    } finally {
      await context.close();
    }
  });
});
