// Starts a real homestream for the suite: a fresh data folder, media made with ffmpeg
// (lavfi sources), accounts made with `homestream user create`, and `homestream serve`
// with scan_on_startup. Exposes HS_URL and HS_STATE (a JSON file) to the tests and
// returns the teardown that stops the server.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { chromium } from '@playwright/test';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USERS, type SuiteState } from './state';

const here = dirname(fileURLToPath(import.meta.url));

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'inherit' });
}

function srt(cues: readonly (readonly [number, number, string])[]): string {
  const t = (s: number) => `00:00:${String(s).padStart(2, '0')},000`;
  return cues.map(([a, b, text], i) => `${i + 1}\n${t(a)} --> ${t(b)}\n${text}\n`).join('\n');
}

function makeMedia(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const tone = (f: number, d: number) => ['-f', 'lavfi', '-i', `sine=frequency=${f}:duration=${d}:sample_rate=48000`];
  const h264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '25'];
  // (a) 12 s 320x240 H.264/AAC, moov first: plays directly.
  ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=12', ...tone(440, 12),
    ...h264, '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', '-shortest', join(dir, 'h264.mp4'),
  ]);
  // (b) 12 s 640x360 HEVC/AC-3 in Matroska with a sidecar subtitle: HLS in Chromium.
  ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=12', ...tone(330, 12),
    '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p',
    '-c:a', 'ac3', '-b:a', '128k', '-shortest', join(dir, 'hevc.mkv'),
  ]);
  writeFileSync(
    join(dir, 'hevc.en.srt'),
    srt([
      [0, 3, 'Hello from the subtitles'],
      [3, 6, 'This line is the second cue'],
      [6, 9, 'A third cue on screen'],
      [9, 12, 'The last cue of the file'],
    ]),
  );
  // (c) 8 s H.264 with two AC-3 streams, English (default) and French.
  ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=8', ...tone(440, 8), ...tone(880, 8),
    '-map', '0:v', '-map', '1:a', '-map', '2:a', ...h264, '-c:a', 'ac3', '-b:a', '96k',
    '-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=fra',
    '-disposition:a:0', 'default', '-disposition:a:1', '0', '-shortest', join(dir, 'two_languages.mkv'),
  ]);
  // (d) a second 6 s H.264 file, for playlists.
  ffmpeg([
    '-f', 'lavfi', '-i', 'smptebars=size=320x240:rate=25:duration=6', ...tone(523, 6),
    ...h264, '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', '-shortest', join(dir, 'second.mp4'),
  ]);
  // A sidecar for a file that plays directly: subtitles through <track>.
  writeFileSync(
    join(dir, 'second.en.srt'),
    srt([
      [0, 2, 'Direct cue one'],
      [2, 4, 'Direct cue two'],
      [4, 6, 'Direct cue three'],
    ]),
  );
  // (e) a few more small ones, each different, so that search has something to narrow.
  for (const [name, color] of [
    ['extra_alpha', 'red'],
    ['extra_beta', 'green'],
    ['extra_gamma', 'blue'],
  ] as const) {
    ffmpeg([
      '-f', 'lavfi', '-i', `color=c=${color}:size=320x240:rate=25:duration=3`, ...tone(660, 3),
      ...h264, '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', '-shortest', join(dir, `${name}.mp4`),
    ]);
  }
  makeSeries(dir);
}

/**
 * A small series, named as households name them (`Show (Year)/Season 01/Show - S01E02 -
 * Title.mp4`), with a `tvshow.nfo` (its plot carries markup, which the app must show as
 * text) and a poster: two 3 s episodes, for next up and the next episode's countdown.
 */
function makeSeries(dir: string): void {
  const show = join(dir, 'Shows', 'Test Show (2020)');
  const season = join(show, 'Season 01');
  mkdirSync(season, { recursive: true });
  for (const [file, color, f] of [
    ['Test Show - S01E01 - One.mp4', 'teal', 587],
    ['Test Show - S01E02 - Two.mp4', 'olive', 698],
  ] as const) {
    ffmpeg([
      '-f', 'lavfi', '-i', `color=c=${color}:size=320x240:rate=25:duration=3`,
      '-f', 'lavfi', '-i', `sine=frequency=${f}:duration=3:sample_rate=48000`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '25',
      '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', '-shortest', join(season, file),
    ]);
  }
  ffmpeg(['-f', 'lavfi', '-i', 'color=c=maroon:size=200x300', '-frames:v', '1', join(show, 'poster.jpg')]);
  writeFileSync(
    join(show, 'tvshow.nfo'),
    [
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
      '<tvshow>',
      '  <title>Test Show</title>',
      '  <year>2020</year>',
      '  <plot>Two friends test things. &lt;b&gt;bold&lt;/b&gt; &lt;img src=x onerror=alert(1)&gt;</plot>',
      '  <genre>Comedy</genre>',
      '  <rating>7.5</rating>',
      '</tvshow>',
      '',
    ].join('\n'),
  );
}

/** A second library with one clip of its own, for per-library access. */
function makeSecondLibrary(dir: string): void {
  mkdirSync(dir, { recursive: true });
  ffmpeg([
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=4', '-f', 'lavfi', '-i', 'sine=frequency=392:duration=4:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '25',
    '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', '-shortest', join(dir, 'shows_pilot.mp4'),
  ]);
}

/**
 * The two libraries' folders. Made under `root` for this run, or, when HS_E2E_MEDIA
 * names a folder (`cargo test` runs each spec file as a run of its own), made once
 * there for every run, keyed by this file's text so a change to the media remakes
 * them. The suite only reads them.
 */
function mediaFolders(root: string): { media: string; shows: string } {
  const base = process.env.HS_E2E_MEDIA;
  let dir = root;
  if (base) {
    const source = readFileSync(fileURLToPath(import.meta.url));
    dir = `${base}-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`;
  }
  const folders = { media: join(dir, 'media'), shows: join(dir, 'shows') };
  if (base && existsSync(join(dir, 'made'))) return folders;
  const into = base ? `${dir}.tmp-${process.pid}` : dir;
  makeMedia(join(into, 'media'));
  makeSecondLibrary(join(into, 'shows'));
  if (base) {
    writeFileSync(join(into, 'made'), '');
    try {
      renameSync(into, dir);
    } catch {
      // Another run made them first.
      rmSync(into, { recursive: true, force: true });
    }
  }
  return folders;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => ok(port));
    });
  });
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

async function warmUp(base: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true });
  try {
    const page = await browser.newPage();
    const started = Date.now();
    await page.goto(`${base}/login`, { timeout: 60_000 });
    try {
      await page.getByTestId('login-username').waitFor({ timeout: 60_000 });
    } catch (e) {
      throw new Error(`the sign-in page never showed its form: ${String(e)}\n${await page.content()}`);
    }
    const ms = Date.now() - started;
    if (ms > 5_000) console.warn(`global setup: the first sign-in page took ${ms} ms`);
  } finally {
    await browser.close();
  }
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const bin = resolve(here, '..', process.env.HS_BIN ?? '../target/debug/homestream');
  const root = mkdtempSync(join(tmpdir(), 'homestream-e2e-'));
  const { media, shows } = mediaFolders(root);
  const data = join(root, 'data');
  mkdirSync(data);

  const port = process.env.HS_PORT ? Number(process.env.HS_PORT) : await freePort();
  const config = join(root, 'homestream.toml');
  writeFileSync(
    config,
    [
      `data_dir = ${JSON.stringify(data)}`,
      '[server]',
      'host = "127.0.0.1"',
      `port = ${port}`,
      '[media]',
      `libraries = [{ name = "Movies", path = ${JSON.stringify(media)} }, { name = "Shows", path = ${JSON.stringify(shows)} }]`,
      'scan_on_startup = true',
      'watch = false',
      '[streaming]',
      // Small on purpose: the limit test provokes it; every other test plays with its own user.
      'max_streams_per_user = 1',
      '[transcode]',
      // A seek preview every 2 s: the 12 s films get six.
      'trickplay_interval = "2s"',
      '[auth]',
      'max_sessions_per_user = 50',
      'max_failed_logins = 50',
      '[log]',
      'level = "info"',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, HOMESTREAM_CONFIG: config };

  for (const user of Object.values(USERS)) {
    execFileSync(bin, ['user', 'create', user.username, '--role', user.role, '--password-stdin'], {
      cwd: root,
      env,
      input: `${user.password}\n`,
      stdio: ['pipe', 'ignore', 'inherit'],
    });
  }

  const log = openSync(join(root, 'server.log'), 'a');
  const server: ChildProcess = spawn(bin, ['serve'], { cwd: root, env, stdio: ['ignore', log, log] });
  let exited = false;
  server.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;

  await until('/ready', 60_000, async () => {
    if (exited) throw new Error(`homestream exited; see ${join(root, 'server.log')}`);
    const r = await fetch(`${url}/ready`);
    return r.ok ? true : undefined;
  });

  // Wait for the startup scan to find every file.
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: USERS.admin.username, password: USERS.admin.password }),
  });
  if (!login.ok) throw new Error(`admin login: ${login.status} ${await login.text()}`);
  const { access_token: token } = (await login.json()) as { access_token: string };
  const expected = 10;
  const videos = await until('the scan', 120_000, async () => {
    const r = await fetch(`${url}/api/videos?limit=200&sort=title`, { headers: { Authorization: `Bearer ${token}` } });
    const page = (await r.json()) as { total: number; items: { id: string; filename: string; title: string }[] };
    return page.total >= expected ? page.items : undefined;
  });
  await fetch(`${url}/api/auth/logout`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });

  // The browser's first start and the app's first page, once, before any test: a cold
  // Chromium on a loaded machine (CI runs other tests beside these) has taken longer
  // than a test's 15 s to show the first sign-in form. A page that never shows it fails
  // here, with what it showed.
  await warmUp(process.env.HS_WEB_URL ?? url);

  const state: SuiteState = {
    serverUrl: url,
    webUrl: process.env.HS_WEB_URL ?? url,
    videos: Object.fromEntries(videos.map((v) => [v.filename, { id: v.id, title: v.title }])),
    root,
  };
  const stateFile = join(root, 'state.json');
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  process.env.HS_URL = url;
  process.env.HS_STATE = stateFile;
  mkdirSync(join(here, '..', 'test-results', 'screenshots'), { recursive: true });

  return async () => {
    if (!exited) {
      server.kill('SIGTERM');
      await until('the server to stop', 15_000, async () => (exited ? true : undefined)).catch(() => {
        server.kill('SIGKILL');
      });
    }
    // The server's log, kept where the runner reads it after a failure (HS_SERVER_LOG).
    const keep = process.env.HS_SERVER_LOG;
    if (keep) {
      mkdirSync(dirname(keep), { recursive: true });
      copyFileSync(join(root, 'server.log'), keep);
    }
    if (!process.env.HS_KEEP) rmSync(root, { recursive: true, force: true });
  };
}
