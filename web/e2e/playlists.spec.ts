import { expect, playsPast, signIn, test, USERS, videoId } from './fixtures';

test.describe('playlists', () => {
  test('create, fill, reorder by drag and by keyboard, then play through to the second entry', async ({ page }) => {
    const first = videoId('h264.mp4');
    const second = videoId('second.mp4');
    await signIn(page, USERS.erin, '/playlists');

    await page.getByTestId('create-playlist-name').fill('Road trip');
    await page.getByTestId('create-playlist-submit').click();
    await expect(page.getByTestId('playlist-name')).toHaveText('Road trip');
    await expect(page.getByTestId('playlist-visibility')).toHaveText('Private');
    const playlistUrl = page.url();

    for (const id of [first, second]) {
      await page.goto(`/videos/${id}`);
      await page.getByTestId('add-to-playlist').click();
      await expect(page.getByTestId('playlist-choice').locator('option').first()).toHaveText(/^Road trip/);
      await page.getByTestId('playlist-choice').selectOption({ index: 0 });
      await page.getByTestId('add-to-playlist-submit').click();
      await expect(page.getByTestId('toasts')).toContainText('Road trip');
    }

    await page.goto(playlistUrl);
    const entries = page.getByTestId('playlist-entry');
    const order = () => entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-entry-id')));
    await expect.poll(order).toEqual([first, second]);

    // Drag the second above the first.
    const moved = page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().includes(`/videos/${second}`));
    await entries.nth(1).dragTo(entries.nth(0), { targetPosition: { x: 40, y: 5 } });
    expect((await moved).ok()).toBe(true);
    await expect.poll(order).toEqual([second, first]);

    // And back down with the keyboard.
    await entries.nth(0).getByTestId('move-down').focus();
    await page.keyboard.press('Enter');
    await expect.poll(order).toEqual([first, second]);
    // The focus stays with the moved entry (its "down" button is now disabled: its title).
    await expect(page.locator(`[data-entry-id="${second}"] [data-testid="entry-title"]`)).toBeFocused();
    await page.reload();
    await expect.poll(order).toEqual([first, second]);

    // Rename, share, download.
    await page.getByTestId('rename').click();
    await page.getByTestId('rename-input').fill('Road trip 2');
    await page.getByTestId('rename-save').click();
    await expect(page.getByTestId('playlist-name')).toHaveText('Road trip 2');
    await page.getByTestId('public-toggle').check();
    await expect(page.getByTestId('playlist-visibility')).toHaveText('Public');
    const download = page.waitForEvent('download');
    await page.getByTestId('download-m3u').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/\.m3u8?$/);

    // Play all: the first entry, near its end, then "Up next" opens the second.
    await page.getByTestId('play-all').click();
    await expect(page).toHaveURL(new RegExp(`/watch/${first}\\?playlist=[^&]+&index=0`));
    await playsPast(page, 0.3);
    await page.getByTestId('seek').fill('10.5');
    await expect(page.getByTestId('up-next')).toBeVisible({ timeout: 20_000 });
    await expect(page.getByTestId('up-next')).toContainText('2 of 2');
    await expect(page).toHaveURL(new RegExp(`/watch/${second}\\?playlist=[^&]+&index=1`), { timeout: 15_000 });
    await playsPast(page, 0.5);
  });
});
