import { apiCall, apiLogin, expect, signIn, suite, test, USERS } from './fixtures';

test.describe('library', () => {
  test('shows every video, and search narrows it (kept in the URL)', async ({ page }) => {
    const total = Object.keys(suite().videos).length;
    await signIn(page, USERS.alice);
    await page.getByTestId('nav-library').click();
    await expect(page).toHaveURL(/\/library$/);
    await expect(page.getByTestId('result-count')).toHaveText(`${total.toLocaleString('en')} videos`);
    const cards = page.getByTestId('library-grid').getByTestId('video-card');
    await expect(cards).toHaveCount(total);
    await expect(cards.getByTestId('resolution-badge').first()).toBeVisible();
    // Thumbnails come through the API (bearer token) as blob: images.
    await expect(cards.locator('img[src^="blob:"]').first()).toBeVisible();

    await page.getByTestId('library-search').fill('extra');
    await expect(cards).toHaveCount(3);
    await expect(page).toHaveURL(/\?q=extra$/);
    for (const title of await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-title') ?? ''))) {
      expect(title.toLowerCase()).toContain('extra');
    }

    await page.getByTestId('library-search').fill('extra beta');
    await expect(cards).toHaveCount(1);

    // A reload keeps the search.
    await page.reload();
    await expect(page.getByTestId('library-search')).toHaveValue('extra beta');
    await expect(cards).toHaveCount(1);

    await page.getByTestId('clear-filters').click();
    await expect(cards).toHaveCount(total);
    await expect(page).toHaveURL(/\/library$/);
  });

  test('filters by codec and sorts by title; the grid moves with arrow keys', async ({ page }) => {
    await signIn(page, USERS.alice, '/library');
    const cards = page.getByTestId('library-grid').getByTestId('video-card');
    await page.getByTestId('filter-codec').selectOption('hevc');
    await expect(cards).toHaveCount(1);
    await expect(page).toHaveURL(/codec=hevc/);
    await page.getByTestId('filter-codec').selectOption('');
    await expect(cards).toHaveCount(Object.keys(suite().videos).length);

    // The order expected comes from the suite's own list (the API's title order when the
    // suite began: articles ignored, a show's episodes together), never from the page
    // (which may still show the filtered list when it is read).
    const titles = Object.values(suite().videos).map((v) => v.title);
    await page.getByTestId('sort').selectOption('title');
    await expect(page).toHaveURL(/sort=title/);
    const titlesNow = () => cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-title') ?? ''));
    await expect.poll(titlesNow).toEqual(titles);
    await page.getByTestId('order').selectOption('desc');
    await expect(page).toHaveURL(/order=desc/);
    await expect.poll(titlesNow).toEqual([...titles].reverse());

    // Roving focus: one tab stop, arrows move between cards.
    await cards.first().focus();
    await page.keyboard.press('ArrowRight');
    await expect(cards.nth(1)).toBeFocused();
    await expect(cards.nth(1)).toHaveAttribute('tabindex', '0');
    await expect(cards.first()).toHaveAttribute('tabindex', '-1');
    await page.keyboard.press('End');
    await expect(cards.last()).toBeFocused();
    const opened = await cards.last().getAttribute('data-video-id');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/videos\//);
    await expect(page.getByTestId('video-title')).toBeVisible();

    // Back: the same list, in the same order.
    await page.goBack();
    await expect(page).toHaveURL(/sort=title&order=desc/);
    await expect(cards.last()).toHaveAttribute('data-video-id', opened ?? '');
  });

  test('the video page shows the file, its tracks, a rating and adds to a playlist', async ({ page }) => {
    const { videos } = suite();
    await signIn(page, USERS.alice, `/videos/${videos['hevc.mkv']?.id}`);
    await expect(page.getByTestId('video-title')).toHaveText(videos['hevc.mkv']?.title ?? '');
    await expect(page.getByTestId('video-facts')).toContainText('HEVC');
    await expect(page.getByTestId('video-facts')).toContainText('640×360');
    await expect(page.getByTestId('audio-tracks')).toContainText('AC-3');
    await expect(page.getByTestId('subtitle-tracks')).toContainText('hevc.en.srt');

    await page.getByTestId('rate-4').click();
    await expect(page.getByTestId('rating')).toHaveAttribute('data-rating', '4');
    // The stars change at once; the toast comes with the server's answer, and only
    // then may the page be reloaded (a reload cancels a request still on its way).
    await expect(page.getByTestId('toasts')).toContainText('Rated 4 stars');
    await page.reload();
    await expect(page.getByTestId('rating')).toHaveAttribute('data-rating', '4');
    await expect(page.getByTestId('rate-4')).toHaveAttribute('aria-pressed', 'true');
    // Keyboard: the stars are buttons.
    await page.getByTestId('rate-4').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('rate-5')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('rating')).toHaveAttribute('data-rating', '5');

    await page.getByTestId('add-to-playlist').click();
    await page.getByTestId('playlist-choice').selectOption({ label: 'New playlist…' });
    await page.getByTestId('new-playlist-name').fill('Alice picks');
    await page.getByTestId('add-to-playlist-submit').click();
    await expect(page.getByTestId('toasts')).toContainText('Alice picks');
  });
});

test('a long library keeps only the cards near the view, and the keys still reach both ends', async ({ page }) => {
  // A library of 2,400 videos: the server's pages are made up from one real video.
  const total = 2400;
  const token = await apiLogin(USERS.alice);
  const real = await apiCall<{ items: Record<string, unknown>[] }>(token, 'GET', '/api/videos?limit=1');
  const idOf = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  await page.route(/\/api\/videos\?/, (route) => {
    const url = new URL(route.request().url());
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? 60);
    const items = [];
    for (let i = offset; i < Math.min(total, offset + limit); i++) {
      items.push({ ...real.items[0], id: idOf(i), title: `Clip ${i}`, display_title: `Clip ${i}`, has_thumbnail: false });
    }
    return route.fulfill({ json: { items, total, limit, offset } });
  });
  await signIn(page, USERS.alice, '/library');
  await expect(page.getByTestId('result-count')).toHaveText(`${total.toLocaleString('en')} videos`);
  const grid = page.getByTestId('library-grid');
  const last = grid.locator(':scope > li').last();
  await expect
    .poll(
      async () => {
        await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
        return last.getAttribute('data-index');
      },
      { timeout: 45_000, message: 'the last card, scrolled to' },
    )
    .toBe(String(total - 1));
  await expect(grid.locator(`[data-video-id="${idOf(total - 1)}"]`)).toBeInViewport();
  expect(await grid.locator(':scope > li').count()).toBeLessThan(150);
  await expect(last).toHaveAttribute('aria-setsize', String(total));

  // Home and End move the focus to cards far out of the document, bringing them in.
  await grid.locator('[data-grid-item]').last().focus();
  await page.keyboard.press('Home');
  await expect(page.locator(':focus')).toHaveAttribute('data-video-id', idOf(0));
  await expect(page.locator(':focus')).toBeInViewport();
  expect(await grid.locator(':scope > li').count()).toBeLessThan(150);
  await page.keyboard.press('End');
  await expect(page.locator(':focus')).toHaveAttribute('data-video-id', idOf(total - 1));
  await page.keyboard.press('ArrowUp');
  await expect(page.locator(':focus')).toBeInViewport();
});

test.describe('TV layout', () => {
  test('arrow keys reach every control, with a clearly visible focus ring', async ({ page }) => {
    await signIn(page, USERS.alice, '/library?layout=tv');
    await expect(page.locator('html')).toHaveClass(/\btv\b/);
    await expect(page.getByTestId('library-grid').getByTestId('video-card').first()).toBeVisible();

    // From the main navigation, Down moves into the page, through the search field and the
    // filters (fields let Up and Down go), and on to the grid.
    await page.getByTestId('nav-library').focus();
    for (let i = 0; i < 12; i++) {
      const inGrid = await page.evaluate(() => !!document.activeElement?.closest('[data-testid="library-grid"]'));
      if (inGrid) break;
      await page.keyboard.press('ArrowDown');
    }
    const focused = page.locator(':focus');
    await expect(focused).toHaveAttribute('data-testid', 'video-card');
    const outline = await focused.evaluate((el) => getComputedStyle(el).outlineWidth);
    expect(parseFloat(outline)).toBeGreaterThanOrEqual(4);

    // In the grid the arrows move card by card; Up from the first row leaves it.
    const cards = page.getByTestId('library-grid').getByTestId('video-card');
    await cards.first().focus();
    await page.keyboard.press('ArrowRight');
    await expect(cards.nth(1)).toBeFocused();
    await page.keyboard.press('ArrowUp');
    await expect(page.locator(':focus')).not.toHaveAttribute('data-testid', 'video-card');
  });
});
