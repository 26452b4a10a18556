import { apiCall, apiLogin, expect, signIn, suite, test, USERS } from './fixtures';

test.describe('sign in and out', () => {
  test('a wrong password is refused, the right one signs in, and signing out returns to sign-in', async ({ page }) => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/login$/);
    await expect(page).toHaveTitle(/Sign in/);

    await page.getByTestId('login-username').fill(USERS.alice.username);
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('login-error')).toBeVisible();
    await expect(page.getByTestId('login-error-message')).not.toBeEmpty();

    await page.getByTestId('login-password').fill(USERS.alice.password);
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('current-user')).toContainText('alice');
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByTestId('recently-added')).toBeVisible();

    // The token lives in sessionStorage only.
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('homestream.session'),
      local: Object.keys(localStorage),
      cookies: document.cookie,
    }));
    expect(stored.session).toContain('token');
    expect(stored.local).toEqual([]);
    expect(stored.cookies).toBe('');

    // A reload keeps the session (same tab).
    await page.reload();
    await expect(page.getByTestId('current-user')).toContainText('alice');

    await page.getByTestId('sign-out').click();
    await expect(page).toHaveURL(/\/login/);
    await expect(page.getByTestId('login-notice')).toContainText('signed out');
    expect(await page.evaluate(() => sessionStorage.getItem('homestream.session'))).toBeNull();
    await page.reload();
    await expect(page.getByTestId('login-form')).toBeVisible();
  });

  test('a reload while signing out is under way starts signed out, and the server still ends the session', async ({ page }) => {
    await signIn(page, USERS.alice, '/');
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('homestream.session') ?? '{}').token as string);
    expect(token).toBeTruthy();
    // The logout request is held back, before it reaches the server, while the page
    // reloads: the session is still valid there, so only the tab forgetting it first
    // makes the reload start signed out.
    let release: () => void = () => undefined;
    const released = new Promise<void>((done) => (release = done));
    let reached = false;
    await page.route('**/api/auth/logout', async (route) => {
      reached = true;
      await released;
      await route.continue().catch(() => undefined);
    });
    await page.getByTestId('sign-out').click();
    await expect.poll(() => reached).toBe(true);
    await page.reload();
    await expect(page.getByTestId('login-form')).toBeVisible();
    await expect(page.getByTestId('current-user')).toHaveCount(0);
    release();
    // The request, sent with keepalive, outlives the page it left: the token no longer works.
    await expect
      .poll(async () => (await fetch(`${suite().serverUrl}/api/users/me`, { headers: { Authorization: `Bearer ${token}` } })).status)
      .toBe(401);
  });

  test('a page opened signed out comes back after sign-in, and admin pages are not for users', async ({ page }) => {
    await page.goto('/me');
    await expect(page).toHaveURL(/\/login\?next=%2Fme/);
    await page.getByTestId('login-username').fill(USERS.alice.username);
    await page.getByTestId('login-password').fill(USERS.alice.password);
    await page.getByTestId('login-submit').click();
    await expect(page).toHaveURL(/\/me$/);
    await expect(page.getByRole('heading', { name: 'Account' })).toBeVisible();

    await expect(page.getByTestId('nav-admin')).toHaveCount(0);
    await page.goto('/admin');
    await expect(page.getByTestId('not-allowed')).toBeVisible();
  });

  test('"Log out this device" ends the current session', async ({ page }) => {
    await signIn(page, USERS.alice, '/me');
    const current = page.locator('[data-testid="session-row"][data-current="true"]');
    await expect(current.getByTestId('this-device')).toBeVisible();
    await expect(current).toContainText('Chromium on Linux');
    await current.getByTestId('end-session').click();
    await page.getByTestId('confirm-ok').click();
    await expect(page).toHaveURL(/\/login/);
    await expect(page.getByTestId('login-notice')).toContainText('logged out this device');
  });

  test('preferences are saved, and a password change takes effect', async ({ page }) => {
    // The fields wait for the saved values: a choice made before they arrived would be
    // overwritten by them (and saved as the old value). Hold the first read back.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/users/me/preferences', async (route) => {
      if (route.request().method() === 'GET') await held;
      await route.continue();
    });
    await signIn(page, USERS.jack, '/me');
    await expect(page.getByTestId('pref-quality')).toBeDisabled();
    await expect(page.getByTestId('pref-device-type')).toBeDisabled();
    release();
    await expect(page.getByTestId('pref-quality')).toBeEnabled();
    await page.getByTestId('pref-quality').selectOption('720p');
    await page.getByTestId('pref-bandwidth').fill('4000');
    await page.getByTestId('pref-audio-language').selectOption('fra');
    await page.getByTestId('pref-subtitle-language').selectOption('eng');
    await page.getByTestId('pref-device-type').selectOption('tv');
    await page.getByTestId('save-preferences').click();
    await expect(page.getByTestId('toasts')).toContainText('Preferences saved');
    await page.reload();
    await expect(page.getByTestId('pref-quality')).toHaveValue('720p');
    await expect(page.getByTestId('pref-bandwidth')).toHaveValue('4000');
    await expect(page.getByTestId('pref-audio-language')).toHaveValue('fra');
    await expect(page.getByTestId('pref-subtitle-language')).toHaveValue('eng');
    await expect(page.getByTestId('pref-device-type')).toHaveValue('tv');

    // Mismatched new passwords are caught here; a wrong current one by the server.
    await page.getByTestId('pw-current').fill(USERS.jack.password);
    await page.getByTestId('pw-new').fill('brand-new-pass-1');
    await page.getByTestId('pw-again').fill('brand-new-pass-2');
    await expect(page.getByTestId('change-password')).toBeDisabled();
    await page.getByTestId('pw-current').fill('wrong-current-1');
    await page.getByTestId('pw-again').fill('brand-new-pass-1');
    await page.getByTestId('change-password').click();
    // A 401 for the wrong current password, from a session that goes on.
    await expect(page.getByTestId('password-error')).toBeVisible();
    await expect(page.getByTestId('current-user')).toContainText('jack');

    await page.getByTestId('pw-current').fill(USERS.jack.password);
    await page.getByTestId('change-password').click();
    // Every session of the account ends, this one too: sign in with the new password.
    await expect(page.getByTestId('login-notice')).toContainText('password was changed');
    await page.getByTestId('login-username').fill(USERS.jack.username);
    await page.getByTestId('login-password').fill(USERS.jack.password);
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('login-error')).toBeVisible();
    await page.getByTestId('login-password').fill('brand-new-pass-1');
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('current-user')).toContainText('jack');

    // Back to the suite's password (through the API).
    const token = await apiLogin({ ...USERS.jack, password: 'brand-new-pass-1' });
    await apiCall(token, 'PUT', '/api/users/me/password', {
      current_password: 'brand-new-pass-1',
      new_password: USERS.jack.password,
    });
  });
});
