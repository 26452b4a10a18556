import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, openPlayer, signIn, test, USERS, videoId } from './fixtures';

// axe-core, the engine of Lighthouse's accessibility audit: no WCAG 2.1 A/AA or
// best-practice violation on any page, at desktop and phone sizes.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

async function audit(page: Page): Promise<Violation[]> {
  await page.waitForLoadState('networkidle');
  // Evaluated through the DevTools protocol: the page's CSP does not apply to it.
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    type AxeResult = { violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] };
    const axe = (window as unknown as { axe: { run: (c: Document, o: object) => Promise<AxeResult> } }).axe;
    const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
}

for (const size of [
  { name: 'desktop', width: 1366, height: 768 },
  { name: 'phone', width: 390, height: 844 },
]) {
  test(`no accessibility violations at ${size.name} size`, async ({ page }) => {
    await page.setViewportSize(size);
    const found: Record<string, Violation[]> = {};
    const check = async (name: string) => {
      const v = await audit(page);
      if (v.length > 0) found[name] = v;
    };
    await page.goto('/login');
    await check('login');
    await signIn(page, USERS.pages);
    await check('home');
    await page.goto('/library');
    await expect(page.getByTestId('video-card').first()).toBeVisible();
    await check('library');
    await page.goto('/shows');
    await expect(page.getByTestId('series-card').first()).toBeVisible();
    await check('shows');
    await page.getByTestId('series-card').first().click();
    await expect(page.getByTestId('episode').first()).toBeVisible();
    await check('series');
    await page.goto('/films');
    await expect(page.getByTestId('video-card').first()).toBeVisible();
    await check('films');
    await page.goto(`/videos/${videoId('hevc.mkv')}`);
    await expect(page.getByTestId('video-title')).toBeVisible();
    await check('video');
    await openPlayer(page, `/watch/${videoId('hevc.mkv')}?t=0`);
    await check('player');
    await page.goto('/playlists');
    await check('playlists');
    await page.goto('/me');
    await check('me');
    for (const tab of ['users', 'guests', 'analytics', 'streams', 'sessions', 'library', 'dlna', 'server']) {
      await page.goto(`/admin?tab=${tab}`);
      await expect(page.getByTestId(`admin-panel-${tab}`)).toBeVisible();
      if (tab === 'analytics') await expect(page.getByTestId('analytics-total')).toBeVisible();
      if (tab === 'guests') await expect(page.getByTestId('create-pass')).toBeEnabled();
      if (tab === 'dlna') await expect(page.getByTestId('no-dlna-devices').or(page.getByTestId('dlna-table'))).toBeVisible();
      await check(`admin ${tab}`);
    }
    expect(found).toEqual({});
  });
}
