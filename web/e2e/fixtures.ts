// The test fixture: pages open at the suite's web URL, every page is watched for CSP
// violations (any one fails the test), and helpers to sign in and to call the API.
import { readFileSync } from 'node:fs';
import { test as base, expect, type Page } from '@playwright/test';
import { USERS, type SuiteState, type TestUser } from './state';

export { USERS } from './state';

export function suite(): SuiteState {
  const file = process.env.HS_STATE;
  if (!file) throw new Error('HS_STATE is not set: run through playwright with the global setup');
  return JSON.parse(readFileSync(file, 'utf8')) as SuiteState;
}

export function videoId(filename: string): string {
  const v = suite().videos[filename];
  if (!v) throw new Error(`no video ${filename}`);
  return v.id;
}

interface Watched {
  csp: string[];
  consoleErrors: string[];
}

const watched = new WeakMap<Page, Watched>();

/** Listens for CSP violations (the DOM event and the console report) on a page. */
export async function watch(page: Page): Promise<Watched> {
  const w: Watched = { csp: [], consoleErrors: [] };
  watched.set(page, w);
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const list = ((window as unknown as { __csp?: string[] }).__csp ??= []);
      list.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    if (/Content Security Policy|CSP violation/i.test(text)) w.csp.push(text);
    w.consoleErrors.push(text);
  });
  page.on('pageerror', (e) => w.consoleErrors.push(`pageerror: ${e.message}`));
  return w;
}

export async function cspViolations(page: Page): Promise<string[]> {
  const w = watched.get(page);
  let inPage: string[] = [];
  if (!page.isClosed()) {
    inPage = await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []).catch(() => []);
  }
  return [...(w?.csp ?? []), ...inPage];
}

export function consoleErrors(page: Page): string[] {
  return watched.get(page)?.consoleErrors ?? [];
}

/** Leaves a player page so that it reports `stopped` (its stream slot frees at once). */
export async function leavePlayer(page: Page): Promise<void> {
  if (page.isClosed() || !/\/watch\//.test(page.url())) return;
  const home = page.getByTestId('nav-home');
  if (await home.isVisible().catch(() => false)) {
    const stopped = page
      .waitForRequest((r) => r.method() === 'PUT' && /\/progress$/.test(new URL(r.url()).pathname) && (r.postData() ?? '').includes('stopped'), { timeout: 5000 })
      .catch(() => null);
    await home.click();
    await stopped;
  } else {
    await page.goto('about:blank');
  }
}

export const test = base.extend<{ autoWatch: void }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take an object first
  baseURL: async ({}, use) => {
    await use(suite().webUrl);
  },
  autoWatch: [
    async ({ page }, use) => {
      await watch(page);
      await use();
      const violations = await cspViolations(page);
      await leavePlayer(page).catch(() => undefined);
      expect(violations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Signs in through the form. */
export async function signIn(page: Page, user: TestUser, path = '/'): Promise<void> {
  await page.goto(path === '/' ? '/login' : `/login?next=${encodeURIComponent(path)}`);
  await page.getByTestId('login-username').fill(user.username);
  await page.getByTestId('login-password').fill(user.password);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('current-user')).toContainText(user.username);
}

/** Waits until the server has made the seek previews of a video (in the background after its scan). */
export async function previewsReady(id: string): Promise<void> {
  const token = await apiLogin(USERS.admin);
  await expect
    .poll(
      async () =>
        (
          await fetch(`${suite().serverUrl}/api/videos/${id}/trickplay/index.vtt`, {
            headers: { Authorization: `Bearer ${token}` },
          })
        ).status,
      { timeout: 60_000, message: 'the seek previews were made' },
    )
    .toBe(200);
}

/** A token for direct API calls from the test (its own session). */
export async function apiLogin(user: TestUser): Promise<string> {
  const r = await fetch(`${suite().serverUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user.username, password: user.password, device_name: 'e2e test' }),
  });
  if (!r.ok) throw new Error(`login ${user.username}: ${r.status}`);
  return ((await r.json()) as { access_token: string }).access_token;
}

export async function apiCall<T = unknown>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(`${suite().serverUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  const text = await r.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The `<video>` element's state. */
export async function media(page: Page) {
  return page.getByTestId('video').evaluate((v: HTMLVideoElement) => ({
    currentTime: v.currentTime,
    paused: v.paused,
    readyState: v.readyState,
    src: v.currentSrc,
    error: v.error ? v.error.code : null,
  }));
}

/**
 * Opens the player by its address (as a bookmark or a typed URL does) and sees it
 * start as a viewer would: Chromium lets a page play sound by itself only after a
 * recent click on the site, so on a slow run the player shows its big play button
 * instead (its answer to a refused autoplay), and that is clicked.
 */
export async function openPlayer(page: Page, path: string): Promise<void> {
  await page.goto(path);
  const playing = page.locator('[data-testid="player"][data-state="playing"]');
  const bigPlay = page.getByTestId('big-play');
  await expect(playing.or(bigPlay)).toBeVisible({ timeout: 45_000 });
  if (await bigPlay.isVisible()) await bigPlay.click();
  await expect(playing).toBeVisible({ timeout: 45_000 });
}

/** Waits until the video plays past `seconds` (its own time). */
export async function playsPast(page: Page, seconds: number, timeout = 30_000): Promise<void> {
  await expect
    .poll(async () => (await media(page)).currentTime, { timeout, message: `currentTime past ${seconds}` })
    .toBeGreaterThan(seconds);
}
