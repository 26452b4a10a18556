import { apiCall, apiLogin, expect, signIn, suite, test, USERS, videoId } from './fixtures';

test.describe('stream limit', () => {
  test('a stream beyond the per-user limit shows the server\'s message and when to retry', async ({ page }) => {
    const id = videoId('h264.mp4');
    // Another device of the same user is already streaming (one stream allowed).
    const token = await apiLogin(USERS.fay);
    const link = await apiCall<{ token: string }>(token, 'POST', `/api/videos/${id}/stream-url`);
    const opened = await fetch(`${suite().serverUrl}/api/stream/${id}?token=${link.token}`, {
      headers: { Range: 'bytes=0-99' },
    });
    expect(opened.status).toBe(206);
    await opened.arrayBuffer();
    await apiCall(token, 'PUT', `/api/videos/${id}/progress`, { position_seconds: 1, state: 'playing' });

    try {
      await signIn(page, USERS.fay, `/watch/${videoId('second.mp4')}`);
      const problem = page.getByTestId('player-problem');
      await expect(problem).toBeVisible({ timeout: 20_000 });
      await expect(problem).toContainText('Stream limit reached');
      await expect(page.getByTestId('player-problem-message')).toContainText(/no stream slot is free; try again in \d+ (s|min)/);
      await expect(page.getByTestId('player')).toHaveAttribute('data-state', 'error');

      // The other device stops: a retry plays.
      await apiCall(token, 'PUT', `/api/videos/${id}/progress`, { position_seconds: 1, state: 'stopped' });
      await page.getByTestId('player-problem-retry').click();
      await expect(problem).toHaveCount(0);
      await expect
        .poll(() => page.getByTestId('video').evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 })
        .toBeGreaterThan(0.3);
    } finally {
      await apiCall(token, 'PUT', `/api/videos/${id}/progress`, { position_seconds: 1, state: 'stopped' }).catch(() => undefined);
    }
  });
});
