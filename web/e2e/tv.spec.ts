import type { Locator, Page } from '@playwright/test';
import { apiCall, apiLogin, expect, media, playsPast, previewsReady, suite, test, USERS, videoId } from './fixtures';

// The 10-foot layout as an LG TV's browser gets it (its User-Agent says webOS), worked
// with a remote's keys only: arrows, OK (Enter) and Back. No clicks, no filled fields:
// text is typed into the field that has the focus.
const WEBOS =
  'Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/94.0.4606.128 Safari/537.36 WebAppManager';

test.use({ viewport: { width: 1920, height: 1080 }, userAgent: WEBOS });

/** The focus as a viewer across the room sees it: on `target`, on screen, in a thick ring. */
async function expectFocus(target: Locator): Promise<void> {
  await expect(target).toBeFocused();
  await expect(target).toBeInViewport();
  const ring = await target.evaluate((el) => {
    const s = getComputedStyle(el);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  expect(ring.style, 'the focus ring').not.toBe('none');
  expect(ring.width, 'the focus ring').toBeGreaterThanOrEqual(4);
}

/** What has the focus, for messages. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    return `${a?.tagName ?? ''} ${a?.dataset.testid ?? ''} ${a?.getAttribute('aria-label') ?? ''}`.trim();
  });
}

/**
 * The remote's Back key as webOS sends it (key code 461): a key of the browser's own
 * input, through the DevTools protocol (Playwright's keyboard knows no such key).
 */
async function remoteBack(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  for (const type of ['rawKeyDown', 'keyUp'] as const) {
    await cdp.send('Input.dispatchKeyEvent', { type, key: 'GoBack', windowsVirtualKeyCode: 461, nativeVirtualKeyCode: 461 });
  }
  await cdp.detach();
}

test('a remote’s arrows, OK and Back work the library, the player and its menus', async ({ page }) => {
  await previewsReady(videoId('hevc.mkv'));
  // The fifth video by title has subtitles: its player has a subtitle menu.
  const fifth = Object.values(suite().videos)[4];
  expect(fifth?.id, 'the fifth video by title is hevc.mkv (with subtitles)').toBe(videoId('hevc.mkv'));
  const id = fifth?.id ?? '';
  // It starts from the beginning (a repeated run left a resume point).
  const token = await apiLogin(USERS.tv);
  await apiCall(token, 'DELETE', `/api/users/me/history/${id}`).catch(() => undefined);
  await apiCall(token, 'POST', '/api/auth/logout').catch(() => undefined);

  // Signing in on the way to the library (by title, as a bookmark keeps it).
  await page.goto(`/login?next=${encodeURIComponent('/library?sort=title')}`);
  await expect(page.locator('html')).toHaveClass(/\btv\b/);
  await expectFocus(page.getByTestId('login-username'));
  await page.keyboard.type(USERS.tv.username);
  await page.keyboard.press('ArrowDown');
  await expectFocus(page.getByTestId('login-password'));
  await page.keyboard.type(USERS.tv.password);
  await page.keyboard.press('ArrowDown');
  await expectFocus(page.getByTestId('login-submit'));
  await page.keyboard.press('Enter');

  // The library opens with its first card focused (not <main>).
  await expect(page).toHaveURL(/\/library\?sort=title$/);
  const cards = page.getByTestId('library-grid').getByTestId('video-card');
  await expectFocus(cards.first());

  // Up leaves the grid for the filters and on to the search field; Down leaves the
  // field (it once kept the focus for good) and comes back to the grid.
  const search = page.getByTestId('library-search');
  for (let i = 0; i < 6 && !(await search.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('ArrowUp');
    await expect(page.locator('form[role="search"] :focus'), await focused(page)).toHaveCount(1);
  }
  await expectFocus(search);
  await page.keyboard.press('ArrowDown');
  await expect(search).not.toBeFocused();
  for (let i = 0; i < 6 && !(await cards.first().evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('ArrowDown');
  }
  await expectFocus(cards.first());

  // The fifth card, card by card: focused, larger, in view.
  for (let i = 1; i <= 4; i++) {
    await page.keyboard.press('ArrowRight');
    await expectFocus(cards.nth(i));
  }
  await expect(cards.nth(4)).toHaveAttribute('data-video-id', id);
  expect(await cards.nth(4).evaluate((el) => getComputedStyle(el).transform)).not.toBe('none');

  // OK opens it, on its Play button; OK plays it, on the player's play/pause.
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/videos/${id}$`));
  await expectFocus(page.getByTestId('play'));
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/watch/${id}$`));
  const player = page.getByTestId('player');
  const playPause = page.getByTestId('play-pause');
  await expect(playPause).toBeFocused();
  await playsPast(page, 0.5, 45_000);

  // Playing untouched, the controls fade and the focus goes to the video, where Left
  // seeks back and OK pauses.
  await expect(player).toBeFocused({ timeout: 10_000 });
  await expect(page.getByTestId('player-controls')).toHaveClass(/\bhidden\b/);
  await page.keyboard.press('ArrowLeft');
  await expect.poll(async () => (await media(page)).currentTime, { timeout: 20_000 }).toBeLessThan(2);
  await page.keyboard.press('Enter');
  await expect(player).toHaveAttribute('data-state', 'paused');

  // Up brings the controls, on play/pause; Up again is the seek bar, where Right seeks.
  await page.keyboard.press('ArrowUp');
  await expectFocus(playPause);
  await page.keyboard.press('ArrowUp');
  const seek = page.getByTestId('seek');
  await expectFocus(seek);
  // Right held: the seek preview shows where letting go will seek (its picture, its
  // time); the video stays put until then.
  const before = (await media(page)).currentTime;
  await page.keyboard.down('ArrowRight');
  await expect(page.getByTestId('seek-preview')).toBeVisible();
  await expect(page.getByTestId('seek-preview-picture')).toBeVisible();
  // 10 s on from a paused start under 2 s (the film is 12 s long).
  await expect(page.getByTestId('seek-preview-time')).toHaveText(/^0:1[0-2]$/);
  expect((await media(page)).currentTime).toBeLessThan(before + 1);
  await page.keyboard.up('ArrowRight');
  await expect(page.getByTestId('seek-preview')).toBeHidden();
  await expect.poll(async () => (await media(page)).currentTime, { timeout: 30_000 }).toBeGreaterThan(before + 8);
  await expectFocus(seek);

  // Down to the buttons, Right along them to the subtitles.
  await page.keyboard.press('ArrowDown');
  await expectFocus(playPause);
  const subtitles = page.getByTestId('subtitle-menu-button');
  for (let i = 0; i < 8 && !(await subtitles.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('ArrowRight');
    await expectFocus(page.locator('[data-testid="player-controls"] :focus'));
  }
  await expectFocus(subtitles);

  // OK opens the menu on its choice; the arrows move in it; Escape closes it, back on its button.
  const chosen = await player.getAttribute('data-subtitle');
  await page.keyboard.press('Enter');
  const options = page.getByTestId('subtitle-menu-option');
  await expectFocus(options.and(page.locator('[aria-checked="true"]')));
  const count = await options.count();
  expect(count, 'Off and the English subtitles').toBeGreaterThanOrEqual(2);
  const checked = await options.evaluateAll((els) => els.findIndex((el) => el.getAttribute('aria-checked') === 'true'));
  await page.keyboard.press('ArrowDown');
  await expectFocus(options.nth((checked + 1) % count));
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('subtitle-menu-list')).toHaveCount(0);
  await expectFocus(subtitles);
  await expect(player).toHaveAttribute('data-subtitle', chosen ?? '');

  // The remote's Back closes the menu first, and the page stays.
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('subtitle-menu-list')).toBeVisible();
  await remoteBack(page);
  await expect(page.getByTestId('subtitle-menu-list')).toHaveCount(0);
  await expectFocus(subtitles);
  await expect(page).toHaveURL(new RegExp(`/watch/${id}$`));

  // Back again leaves the player, to the video page, on its Play (Resume, now that the
  // video was stopped part way).
  await remoteBack(page);
  await expect(page).toHaveURL(new RegExp(`/videos/${id}$`));
  await expectFocus(page.getByTestId('resume').or(page.getByTestId('play')));

  // Backspace (no field is typed in) goes back once more: the library, on the fifth card.
  await page.keyboard.press('Backspace');
  await expect(page).toHaveURL(/\/library\?sort=title$/);
  await expectFocus(cards.nth(4));
  await expect(cards.nth(4)).toHaveAttribute('data-video-id', id);
});
