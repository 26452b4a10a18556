import { apiCall, apiLogin, expect, signIn, suite, test, USERS, videoId } from './fixtures';

test.describe('administration', () => {
  test('an admin creates a user who signs in; deactivating them signs them out', async ({ page, browser }) => {
    await signIn(page, USERS.admin, '/admin');
    await expect(page.getByTestId('nav-admin')).toBeVisible();
    await expect(page.getByTestId('users-table')).toBeVisible();

    await page.getByTestId('new-username').fill('gina');
    await page.getByTestId('new-password').fill('gina-password-1');
    await page.getByTestId('new-email').fill('gina@example.org');
    await page.getByTestId('new-role').selectOption('user');
    await page.getByTestId('create-user').click();
    const row = page.locator('[data-testid="user-row"][data-username="gina"]');
    await expect(row).toBeVisible();
    await expect(row.getByTestId('user-status')).toHaveText('Active');

    // Gina signs in elsewhere.
    const other = await browser.newContext({ baseURL: suite().webUrl, viewport: { width: 1366, height: 768 } });
    const gina = await other.newPage();
    try {
      await signIn(gina, { username: 'gina', password: 'gina-password-1', role: 'user' });
      await expect(gina.getByTestId('nav-admin')).toHaveCount(0);

      await row.getByTestId('deactivate-user').click();
      await page.getByTestId('confirm-ok').click();
      await expect(row.getByTestId('user-status')).toHaveText('Inactive');

      // Her next request is refused (401) and she is back at sign-in (at once if her
      // page was already asking for something, else on her next click).
      const nav = gina.getByTestId('nav-library');
      if (await nav.isVisible()) await nav.click({ timeout: 2000 }).catch(() => undefined);
      await expect(gina).toHaveURL(/\/login/, { timeout: 15_000 });
      await expect(gina.getByTestId('login-notice')).toContainText('session has ended');
      expect(await gina.evaluate(() => sessionStorage.getItem('homestream.session'))).toBeNull();

      // And cannot sign in again.
      await gina.getByTestId('login-username').fill('gina');
      await gina.getByTestId('login-password').fill('gina-password-1');
      await gina.getByTestId('login-submit').click();
      await expect(gina.getByTestId('login-error')).toBeVisible();
    } finally {
      await other.close();
    }

    // Role change and password reset.
    await row.getByTestId('user-role').selectOption('guest');
    await expect(page.getByTestId('toasts')).toContainText('gina is now a guest');
    await row.getByTestId('reset-password').click();
    await page.getByTestId('reset-password-input').fill('another-password-2');
    await page.getByTestId('reset-password-submit').click();
    await expect(page.getByTestId('toasts')).toContainText('New password set for gina');

    await row.getByTestId('delete-user').click();
    await page.getByTestId('confirm-ok').click();
    await expect(row).toHaveCount(0);
  });

  test('streams, sessions, a library scan and the server status', async ({ page }) => {
    await signIn(page, USERS.admin, '/admin');
    await page.getByTestId('admin-tab-streams').click();
    await expect(page).toHaveURL(/tab=streams/);
    await expect(page.getByTestId('no-streams').or(page.getByTestId('streams-table'))).toBeVisible();

    // A stream of another user shows up within the 5 s poll and can be ended.
    const kim = await apiLogin(USERS.kim);
    const id = videoId('h264.mp4');
    const link = await apiCall<{ token: string }>(kim, 'POST', `/api/videos/${id}/stream-url`);
    const r = await fetch(`${suite().serverUrl}/api/stream/${id}?token=${link.token}`, { headers: { Range: 'bytes=0-99' } });
    await r.arrayBuffer();
    await apiCall(kim, 'PUT', `/api/videos/${id}/progress`, { position_seconds: 1, state: 'playing' });
    const row = page.locator('[data-testid="stream-row"][data-username="kim"]');
    await expect(row).toBeVisible({ timeout: 12_000 });
    await row.getByTestId('end-stream').click();
    await expect(row).toHaveCount(0);

    await page.getByTestId('admin-tab-sessions').click();
    await expect(page.getByTestId('all-sessions')).toContainText('admin');

    await page.getByTestId('admin-tab-library').click();
    // The start-up scan has finished: wait for this one's end, not that one's.
    const card = page.getByTestId('scan-progress');
    await expect(card).toHaveAttribute('data-running', 'false');
    const before = await card.getAttribute('data-finished-at');
    await page.getByTestId('start-scan').click();
    await expect
      .poll(async () => [await card.getAttribute('data-running'), (await card.getAttribute('data-finished-at')) !== before], {
        timeout: 30_000,
      })
      .toEqual(['false', true]);
    await expect(page.getByTestId('scan-found')).toHaveText(String(Object.keys(suite().videos).length));

    // DLNA devices: none has browsed this server, so the section explains where they come from.
    await page.getByTestId('admin-tab-dlna').click();
    await expect(page).toHaveURL(/tab=dlna/);
    await expect(page.getByRole('heading', { name: 'DLNA devices' })).toBeVisible();
    await expect(page.getByTestId('no-dlna-devices')).toContainText('appear here once they browse the DLNA server');
    await expect(page.getByTestId('no-dlna-devices')).toContainText('dlna.enable');
    await expect(page.getByTestId('dlna-table')).toHaveCount(0);

    await page.getByTestId('admin-tab-server').click();
    await expect(page.getByTestId('ready-status')).toHaveText(/ready|degraded/);
    await expect(page.getByTestId('server-version')).not.toBeEmpty();

    // Tabs follow the arrow keys.
    await page.getByTestId('admin-tab-server').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('admin-tab-users')).toBeFocused();
    await expect(page.getByTestId('admin-panel-users')).toBeVisible();
  });
});
