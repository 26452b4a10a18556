import { apiCall, apiLogin, cspViolations, expect, signIn, suite, test, USERS, watch } from './fixtures';

test.describe('library access', () => {
  test('a guest pass limited to one library: the guest sees only it, changes nothing, and is signed out when it is revoked', async ({ page, browser }) => {
    const shows = suite().videos['shows_pilot.mp4'];
    expect(shows).toBeDefined();

    await signIn(page, USERS.admin, '/admin?tab=guests');
    await expect(page.getByTestId('admin-panel-guests')).toBeVisible();
    await page.getByTestId('pass-label').fill('Shows only');
    await page.getByTestId('pass-hours').fill('2');
    await page.getByTestId('pass-uses-input').fill('1');
    await page.locator('[data-testid="pass-library"][data-library="Movies"]').uncheck();
    await expect(page.locator('[data-testid="pass-library"][data-library="Shows"]')).toBeChecked();
    await page.getByTestId('create-pass').click();
    const url = await page.getByTestId('issued-url').inputValue();
    expect(await page.getByTestId('issued-code').inputValue()).not.toBe('');
    const row = page.getByTestId('pass-row').filter({ hasText: 'Shows only' });
    await expect(row).toContainText('Shows');
    await expect(row.getByTestId('pass-state')).toHaveText('active');

    const link = new URL(url);
    expect(link.pathname).toBe('/guest');
    const context = await browser.newContext({ baseURL: suite().webUrl });
    const guest = await context.newPage();
    await watch(guest);
    try {
      await guest.goto(`/guest${link.search}`);
      await expect(guest.getByTestId('nav-library')).toBeVisible();
      await expect(guest).toHaveURL(/\/$/);
      await guest.getByTestId('nav-library').click();
      await expect(guest.getByTestId('result-count')).toHaveText('1 video');
      const cards = guest.getByTestId('video-card');
      await expect(cards).toHaveCount(1);
      await expect(cards.first()).toContainText(shows?.title ?? 'shows');
      await expect(guest.getByTestId('filter-library').locator('option')).toHaveText(['All libraries', 'Shows']);

      await cards.first().click();
      await expect(guest.getByTestId('video-title')).toBeVisible();
      await expect(guest.getByTestId('rating')).toHaveCount(0);
      await expect(guest.getByTestId('add-to-playlist')).toHaveCount(0);
      await guest.getByTestId('nav-playlists').click();
      await expect(guest).toHaveURL(/\/playlists$/);
      await expect(guest.getByTestId('create-playlist-form')).toHaveCount(0);

      // The admin sees the session, then revokes the pass (after confirming).
      await page.reload();
      await expect(row.getByTestId('pass-uses')).toHaveText('1 / 1');
      await expect(row.getByTestId('pass-sessions')).toHaveText('1');
      await row.getByTestId('revoke-pass').click();
      await page.getByTestId('confirm-ok').click();
      await expect(row.getByTestId('pass-state')).toHaveText('revoked');
      await expect(row.getByTestId('revoke-pass')).toHaveCount(0);

      await guest.getByTestId('nav-library').click();
      await expect(guest).toHaveURL(/\/login/);
      await expect(guest.getByTestId('login-form')).toBeVisible();
      expect(await cspViolations(guest)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('an admin limits a user to one library; the user sees only its videos', async ({ page }) => {
    const movies = Object.keys(suite().videos).filter((f) => f !== 'shows_pilot.mp4').length;
    await signIn(page, USERS.admin, '/admin');
    const row = page.locator('[data-testid="user-row"][data-username="lena"]');
    await expect(row.getByTestId('user-libraries')).toHaveText('All libraries');
    await row.getByTestId('edit-libraries').click();
    const dialog = page.getByTestId('access-dialog');
    await expect(dialog.getByTestId('access-hint')).toContainText('ends');
    await dialog.getByTestId('access-some').check();
    await dialog.locator('[data-testid="access-library"][data-library="Shows"]').uncheck();
    await expect(dialog.locator('[data-testid="access-library"][data-library="Movies"]')).toBeChecked();
    await dialog.getByTestId('access-save').click();
    await expect(dialog).toBeHidden();
    await expect(row.getByTestId('user-libraries')).toHaveText('Movies');
    await page.getByTestId('sign-out').click();
    await expect(page).toHaveURL(/\/login/);

    await signIn(page, USERS.lena, '/library');
    await expect(page.getByTestId('result-count')).toHaveText(`${movies.toLocaleString('en')} videos`);
    await expect(page.getByTestId('video-card')).toHaveCount(movies);
    await expect(page.getByTestId('video-card').filter({ hasText: suite().videos['shows_pilot.mp4']?.title ?? 'x' })).toHaveCount(0);
    await expect(page.getByTestId('filter-library').locator('option')).toHaveText(['All libraries', 'Movies']);

    // Back to every library (through the API: the suite's other tests are not affected).
    const admin = await apiLogin(USERS.admin);
    const users = await apiCall<{ items: { id: string; username: string }[] }>(admin, 'GET', '/api/users?limit=100');
    const lena = users.items.find((u) => u.username === 'lena');
    if (lena) await apiCall(admin, 'PATCH', `/api/users/${lena.id}`, { all_libraries: true });
  });
});

test('a guest code typed on the sign-in page opens a guest session', async ({ page }) => {
  const admin = await apiLogin(USERS.admin);
  const issued = await apiCall<{ code: string }>(admin, 'POST', '/api/admin/guest-passes', {
    label: 'typed code',
    valid_hours: 1,
    max_uses: 1,
  });
  await page.goto('/login');
  await page.getByText('Have a guest code?').click();
  await page.getByTestId('guest-code').fill(` ${issued.code} `);
  await page.getByTestId('guest-code-submit').click();
  await expect(page.getByTestId('nav-library')).toBeVisible();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('nav-admin')).toHaveCount(0);
});
