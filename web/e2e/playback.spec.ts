import { expect, media, playsPast, previewsReady, signIn, test, USERS, videoId } from './fixtures';

test.describe('playback', () => {
  test('a refused autoplay shows a big play button that a tap on a phone starts', async ({ page }) => {
    // The browser refuses the first play() as it refuses autoplay with sound without a
    // recent click on the site.
    await page.addInitScript(() => {
      const play = HTMLMediaElement.prototype.play;
      let refused = false;
      HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
        if (refused) return play.call(this);
        refused = true;
        return Promise.reject(new DOMException('play() needs a user gesture', 'NotAllowedError'));
      };
    });
    await page.setViewportSize({ width: 390, height: 844 });
    const id = videoId('h264.mp4');
    await signIn(page, USERS.nina, `/watch/${id}`);
    const bigPlay = page.getByTestId('big-play');
    await expect(bigPlay).toBeVisible();
    await expect(page.getByTestId('player')).toHaveAttribute('data-state', 'paused');
    // A tap where the button is drawn reaches it, not the control bar over the video.
    await bigPlay.click();
    await expect(bigPlay).toBeHidden();
    await playsPast(page, 0.5);
  });

  test('an H.264 MP4 plays directly, seeks, and resumes after a reload', async ({ page }) => {
    const id = videoId('h264.mp4');
    await signIn(page, USERS.bob, `/videos/${id}`);
    await page.getByTestId('play').click();
    await expect(page).toHaveURL(new RegExp(`/watch/${id}$`));
    const player = page.getByTestId('player');
    await expect(player).toHaveAttribute('data-engine', 'direct');
    await expect(player).toHaveAttribute('data-method', 'direct');
    await playsPast(page, 1);
    expect((await media(page)).src).toContain(`/api/stream/${id}?token=`);

    // Seek with the seek bar, then pause: the paused position is reported.
    await page.getByTestId('seek').fill('6');
    await playsPast(page, 6.2);
    const reported = page.waitForRequest(
      (r) => r.method() === 'PUT' && r.url().endsWith(`/api/videos/${id}/progress`) && (r.postData() ?? '').includes('paused'),
    );
    await page.keyboard.press('k');
    const body = JSON.parse((await reported).postData() ?? '{}') as { position_seconds: number; state: string };
    expect(body.state).toBe('paused');
    expect(body.position_seconds).toBeGreaterThan(6);
    const stoppedAt = body.position_seconds;
    await expect(player).toHaveAttribute('data-state', 'paused');

    // Keyboard seek back 10 s (clamped at 0) and forward again. A seek while paused is
    // reported when it lands: wait for the server's answer to each, so the reload below
    // never cancels one on its way (the element's time moves before the seek lands).
    const saved = (at: (seconds: number) => boolean) =>
      page.waitForResponse(
        (r) =>
          r.request().method() === 'PUT' &&
          r.url().endsWith(`/api/videos/${id}/progress`) &&
          at((JSON.parse(r.request().postData() ?? '{}') as { position_seconds: number }).position_seconds),
      );
    const atStart = saved((s) => s < 1);
    await page.keyboard.press('ArrowLeft');
    expect((await atStart).ok()).toBe(true);
    await expect.poll(async () => (await media(page)).currentTime).toBeLessThan(1);
    const back = saved((s) => s > stoppedAt - 0.5);
    await page.getByTestId('seek').fill(String(stoppedAt));
    expect((await back).ok()).toBe(true);
    await expect.poll(async () => (await media(page)).currentTime).toBeGreaterThan(stoppedAt - 0.5);

    await page.reload();
    const prompt = page.getByTestId('resume-prompt');
    await expect(prompt).toBeVisible();
    const mmss = `0:${String(Math.floor(stoppedAt)).padStart(2, '0')}`;
    await expect(page.getByTestId('resume-button')).toContainText(`Resume from ${mmss}`);
    await page.getByTestId('resume-button').click();
    await expect(player).toHaveAttribute('data-engine', 'direct');
    await expect.poll(async () => (await media(page)).currentTime, { timeout: 20_000 }).toBeGreaterThan(stoppedAt - 0.5);
    const before = (await media(page)).currentTime;
    await expect.poll(async () => (await media(page)).currentTime).toBeGreaterThan(before + 0.5);
  });

  test('the HEVC/AC-3 MKV plays through hls.js with its subtitles shown', async ({ page }) => {
    const id = videoId('hevc.mkv');
    await signIn(page, USERS.carl, `/watch/${id}`);
    const player = page.getByTestId('player');
    await expect(player).toHaveAttribute('data-method', 'transcode');
    await expect(player).toHaveAttribute('data-engine', 'hls.js');
    await playsPast(page, 0.5, 45_000);
    expect((await media(page)).src).toMatch(/^blob:/);

    await page.getByTestId('subtitle-menu-button').click();
    const english = page.getByTestId('subtitle-menu-option').filter({ hasText: /English|en/ });
    await english.first().click();
    await expect(player).not.toHaveAttribute('data-subtitle', 'off');
    // hls.js' cues are drawn by the player (its own <track> nodes would break the CSP).
    const cues = page.getByTestId('subtitle-cues');
    await expect(cues).toBeVisible({ timeout: 30_000 });
    await expect(cues).toContainText(/cue|subtitles/);
    const shown = (await cues.innerText()).trim();
    const t = (await media(page)).currentTime;
    const expected = ['Hello from the subtitles', 'This line is the second cue', 'A third cue on screen', 'The last cue of the file'];
    // The cue on screen is the one of this moment (3 s each).
    expect([expected[Math.floor(t / 3)], expected[Math.floor((t - 0.5) / 3)]]).toContain(shown);

    // "c" cycles the subtitles: off again.
    await page.keyboard.press('c');
    await expect(player).toHaveAttribute('data-subtitle', 'off');
    await expect(cues).toHaveCount(0);
  });

  test('the audio menu switches the two-language file to French and keeps playing', async ({ page }) => {
    const id = videoId('two_languages.mkv');
    await signIn(page, USERS.dora, `/watch/${id}`);
    const player = page.getByTestId('player');
    // Matroska with AC-3: the server remuxes (video copied, audio made AAC).
    await expect(player).toHaveAttribute('data-method', 'remux');
    await expect(player).toHaveAttribute('data-engine', 'remux');
    await playsPast(page, 0.5, 30_000);
    await expect(player).toHaveAttribute('data-audio', 'eng');

    // A seek in the remux (within what it buffered, or by starting it again there).
    await page.getByTestId('seek').fill('3');
    await expect(page.getByTestId('time-current')).toHaveText(/0:0[3-5]/, { timeout: 20_000 });

    await page.getByTestId('audio-menu-button').click();
    const options = page.getByTestId('audio-menu-option');
    await expect(options).toHaveCount(2);
    await expect(options.filter({ hasText: 'English' })).toHaveAttribute('aria-checked', 'true');
    await options.filter({ hasText: 'French' }).click();

    // This browser cannot switch the audio of a file: the HLS rendition carries both.
    await expect(player).toHaveAttribute('data-engine', 'hls.js', { timeout: 30_000 });
    await expect(player).toHaveAttribute('data-audio', 'fra', { timeout: 30_000 });
    await page.getByTestId('audio-menu-button').click();
    await expect(options.filter({ hasText: 'French' })).toHaveAttribute('aria-checked', 'true');
    await expect(options.filter({ hasText: 'English' })).toHaveAttribute('aria-checked', 'false');
    await page.keyboard.press('Escape');
    // The switch kept the position (HLS runs on the file's own timeline).
    await expect.poll(async () => (await media(page)).currentTime, { timeout: 30_000 }).toBeGreaterThan(2.5);
    const at = (await media(page)).currentTime;
    await expect.poll(async () => (await media(page)).currentTime, { timeout: 30_000 }).toBeGreaterThan(at + 0.5);
    expect((await media(page)).paused).toBe(false);
  });

  test('a direct file shows its sidecar subtitles through <track>, drawn above the controls', async ({ page }) => {
    const id = videoId('second.mp4');
    await signIn(page, USERS.bob, `/watch/${id}?t=0`);
    const player = page.getByTestId('player');
    await expect(player).toHaveAttribute('data-engine', 'direct');
    await page.getByTestId('subtitle-menu-button').click();
    await page.getByTestId('subtitle-menu-option').filter({ hasText: /English|en/ }).first().click();
    // The <track> loads its cues (hidden: the browser would draw them under the control
    // bar) and the player draws the active one.
    await expect
      .poll(
        () =>
          page.getByTestId('video').evaluate((v: HTMLVideoElement) =>
            Array.from(v.textTracks)
              .filter((t) => t.mode === 'hidden')
              .flatMap((t) => Array.from(t.activeCues ?? []).map((c) => (c as VTTCue).text)),
          ),
        { timeout: 20_000, message: 'an active cue in the chosen <track>' },
      )
      .toEqual([expect.stringMatching(/^Direct cue/)]);
    const cues = page.getByTestId('subtitle-cues');
    await expect(cues).toContainText(/Direct cue/);
    await player.hover();
    const bar = page.getByTestId('player-controls');
    await expect(bar).toBeVisible();
    const [cueBox, barBox] = [await cues.boundingBox(), await bar.boundingBox()];
    expect(cueBox && barBox && cueBox.y + cueBox.height <= barBox.y, 'the cue sits above the control bar and its shade').toBe(true);
    const src = await page.locator('video track').first().getAttribute('src');
    expect(src).toMatch(/subtitles\.vtt\?token=/);

    // The quality menu offers no conversion for a file this small: only its own quality.
    await expect(page.getByTestId('quality-menu-button')).toHaveCount(0);
  });

  test('the quality menu of an HLS stream lists Auto and its levels', async ({ page }) => {
    await signIn(page, USERS.carl, `/watch/${videoId('hevc.mkv')}?t=0`);
    await expect(page.getByTestId('player')).toHaveAttribute('data-engine', 'hls.js');
    await playsPast(page, 0.3, 45_000);
    await page.getByTestId('quality-menu-button').click();
    const options = page.getByTestId('quality-menu-option');
    await expect(options.first()).toHaveText(/Auto/);
    await expect(options.first()).toHaveAttribute('aria-checked', 'true');
    const level = options.nth(1);
    await expect(level).toHaveText(/\d+p/);
    await level.click();
    await page.getByTestId('quality-menu-button').click();
    await expect(options.nth(1)).toHaveAttribute('aria-checked', 'true');
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('quality-menu-button')).toBeFocused();
    const at = (await media(page)).currentTime;
    await expect.poll(async () => (await media(page)).currentTime, { timeout: 20_000 }).toBeGreaterThan(at + 0.5);
  });

  test('the seek bar previews the picture where it is hovered and dragged', async ({ page }) => {
    const id = videoId('h264.mp4');
    await previewsReady(id);
    await signIn(page, USERS.pia, `/videos/${id}`);
    await page.getByTestId('play').click();
    await playsPast(page, 0.5);
    const seek = page.getByTestId('seek');
    const box = await seek.boundingBox();
    if (!box) throw new Error('no seek bar');
    const along = (f: number) => ({ x: box.x + box.width * f, y: box.y + box.height / 2 });
    const preview = page.getByTestId('seek-preview');
    const picture = page.getByTestId('seek-preview-picture');
    /** The canvas's pixels, sampled: its size, how many values differ, and a digest. */
    const drawn = () =>
      picture.evaluate((c: HTMLCanvasElement) => {
        const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
        const seen = new Set<number>();
        let digest = 0;
        for (let i = 0; i < data.length; i += 97) {
          seen.add(data[i] ?? 0);
          digest = (digest * 31 + (data[i] ?? 0)) % 1_000_000_007;
        }
        return { w: c.width, h: c.height, values: seen.size, digest };
      });

    // Hovered at three quarters of the 12 s film: 0:09, the picture made at 8 s (one
    // every 2 s), 320 x 240 like the film, drawn from its sheet.
    await page.mouse.move(along(0.75).x, along(0.75).y);
    await expect(preview).toBeVisible();
    await expect(page.getByTestId('seek-preview-time')).toHaveText('0:09');
    await expect(picture).toHaveAttribute('data-start', '8');
    const late = await drawn();
    expect(late.w).toBe(320);
    expect(late.h).toBe(240);
    expect(late.values, 'a picture, not an empty canvas').toBeGreaterThan(10);

    // Another place, another picture.
    await page.mouse.move(along(0.1).x, along(0.1).y);
    await expect(picture).toHaveAttribute('data-start', '0');
    await expect.poll(async () => (await drawn()).digest).not.toBe(late.digest);

    // Off the bar, no preview; dragged, the preview follows the thumb, and the seek
    // happens where it is let go.
    await page.mouse.move(box.x + box.width / 2, box.y - 120);
    await expect(preview).toBeHidden();
    await page.mouse.move(along(0.9).x, along(0.9).y);
    await page.mouse.down();
    await page.mouse.move(along(0.5).x, along(0.5).y, { steps: 5 });
    await expect(page.getByTestId('seek-preview-time')).toHaveText('0:06');
    await expect(picture).toHaveAttribute('data-start', '6');
    await page.mouse.up();
    await expect.poll(async () => (await media(page)).currentTime).toBeGreaterThan(5.5);
  });
});
