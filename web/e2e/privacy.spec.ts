import { apiCall, apiLogin, expect, signIn, test, USERS, videoId } from './fixtures';

test.describe('privacy between users', () => {
  test('a second user never sees the first one\'s history, continue watching or private playlists', async ({ page }) => {
    const id = videoId('h264.mp4');
    const hank = await apiLogin(USERS.hank);
    await apiCall(hank, 'PUT', `/api/videos/${id}/progress`, { position_seconds: 5, state: 'stopped' });
    const secret = await apiCall<{ id: string }>(hank, 'POST', '/api/playlists', { name: 'Hank private list' });
    await apiCall(hank, 'POST', `/api/playlists/${secret.id}/videos`, { video_id: id });

    // Hank sees his own.
    await signIn(page, USERS.hank);
    await expect(page.getByTestId('continue-watching').getByTestId('video-card')).toHaveCount(1);
    await page.getByTestId('sign-out').click();
    // Signed out (the sign-in page), before the next user signs in.
    await expect(page).toHaveURL(/\/login/);

    // Ivy sees none of it.
    await signIn(page, USERS.ivy);
    // Absent once every section has its answer (before that it is absent anyway).
    await expect(page.getByTestId('home')).toHaveAttribute('data-loaded', 'true');
    await expect(page.getByTestId('recent-grid')).toBeVisible();
    await expect(page.getByTestId('continue-watching')).toHaveCount(0);
    await page.goto('/me');
    await expect(page.getByTestId('history-empty')).toBeVisible();
    await page.goto('/playlists');
    await expect(page.getByTestId('no-playlists')).toBeVisible();
    await expect(page.getByText('Hank private list')).toHaveCount(0);
    await page.goto(`/playlists/${secret.id}`);
    await expect(page.getByTestId('problem')).toContainText('Not found');
    await page.goto(`/videos/${id}`);
    await expect(page.getByTestId('play')).toBeVisible();
    await expect(page.getByTestId('resume')).toHaveCount(0);
  });
});
