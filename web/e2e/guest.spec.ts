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
