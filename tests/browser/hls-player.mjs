// hls.js 1.x in Debian's Chromium, driven by playwright-core, playing a homestream
// master playlist as a web app on another origin would. Prints one JSON line of what
// the player saw: time to the first frame, a seek to 80% playing again, a forced
// quality switch, and every HTTP status the page got from the server.
//
//   node hls-player.mjs MASTER_URL PAGE_ORIGIN
//
// PAGE_ORIGIN (http://player.test) is served by the script itself, so every request to
// the server is cross-origin and needs the server's CORS answer.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const [master, origin] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const hlsJs = readFileSync(require.resolve('hls.js/dist/hls.min.js'), 'utf8');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // The page is served by this script (no address), the server on loopback: Chrome's
  // local-network checks would treat that as a public page reaching a private host.
  args: [
    '--no-sandbox',
    '--autoplay-policy=no-user-gesture-required',
    '--mute-audio',
    '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights',
  ],
});
const result = { statuses: {}, errors: [] };
try {
  const page = await browser.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') result.errors.push(m.text());
    else if (process.env.HS_PLAYER_DEBUG) process.stderr.write(`${m.text()}\n`);
  });
  page.on('pageerror', (e) => result.errors.push(String(e)));
  page.on('response', (r) => {
    if (r.url().startsWith(origin)) return;
    const s = String(r.status());
    result.statuses[s] = (result.statuses[s] || 0) + 1;
  });
  await page.route(`${origin}/**`, (route) => route.fulfill({
    contentType: 'text/html',
    body: '<!doctype html><title>player</title><video id="v" muted playsinline></video>',
  }));
  await page.goto(`${origin}/`);
  await page.addScriptTag({ content: hlsJs });
  const figures = await page.evaluate(async ({ src, progressive, chunk }) => {
    const video = document.getElementById('v');
    const now = () => performance.now();
    const lines = [];
    const log = (m) => lines.push(`[${Math.round(performance.now())}] ${m}`);
    // The first frame presented (requestVideoFrameCallback) at or after `min` on the
    // media timeline, with no seek under way: when the viewer sees the picture again.
    const frameAt = (min, ms) => new Promise((resolve) => {
      const start = now();
      let done = false;
      const timer = setTimeout(() => { done = true; resolve(null); }, ms);
      const cb = (_, meta) => {
        if (done) return;
        if (meta.mediaTime >= min && !video.seeking && !video.paused) {
          done = true;
          clearTimeout(timer);
          resolve(now() - start);
          return;
        }
        video.requestVideoFrameCallback(cb);
      };
      video.requestVideoFrameCallback(cb);
    });
    const until = (check, ms) => new Promise((resolve) => {
      const start = now();
      const tick = () => {
        if (check()) return resolve(now() - start);
        if (now() - start > ms) return resolve(null);
        setTimeout(tick, 20);
      };
      tick();
    });
    const out = { hlsErrors: [], log: lines };
    // As the web player configures it (web/src/lib/playback.svelte.ts): segments read
    // as they arrive, which the server sends while ffmpeg makes them. HS_PLAYER_CHUNK
    // (bytes) hands a segment on to hls.js's parser in smaller pieces than its own
    // 128 KB, for experiments (16 KB against 128 KB: first frame 0.2 s sooner, forced
    // switch 0.2 s later, 16 runs each; not taken into the web player).
    let fLoader;
    if (progressive && chunk > 0) {
      // hls.js's fetch loader, which it picks for progressive reading (the UMD build
      // does not export it).
      const probe = new Hls({ progressive: true });
      const FetchLoader = probe.config.loader;
      probe.destroy();
      fLoader = class extends FetchLoader {
        load(context, config, callbacks) {
          const smaller = Number.isFinite(config.highWaterMark) && config.highWaterMark > chunk;
          super.load(context, smaller ? { ...config, highWaterMark: chunk } : config, callbacks);
        }
      };
    }
    const hls = new Hls({ enableWorker: true, progressive, ...(fLoader ? { fLoader } : {}) });
    hls.on(Hls.Events.ERROR, (_, d) => out.hlsErrors.push(`${d.type}:${d.details}:${d.fatal}`));
    hls.on(Hls.Events.FRAG_LOADING, (_, d) => log(`loading ${d.frag.type} L${d.frag.level} sn${d.frag.sn} from ${d.frag.start.toFixed(3)}`));
    hls.on(Hls.Events.MANIFEST_LOADED, () => log('master loaded'));
    hls.on(Hls.Events.LEVEL_LOADED, (_, d) => log(`level L${d.level} loaded`));
    hls.on(Hls.Events.MEDIA_ATTACHED, () => log('media attached'));
    hls.on(Hls.Events.FRAG_LOADED, (_, d) => log(`loaded ${d.frag.type} L${d.frag.level} sn${d.frag.sn}`));
    let stalled = 0;
    let stallStart = null;
    video.addEventListener('waiting', () => { stallStart = now(); });
    video.addEventListener('playing', () => {
      if (stallStart !== null) { stalled = Math.max(stalled, now() - stallStart); stallStart = null; }
    });
    const started = now();
    const firstShown = frameAt(0, 60000);
    hls.loadSource(src);
    hls.attachMedia(video);
    const parsed = await new Promise((r) => {
      hls.on(Hls.Events.MANIFEST_PARSED, () => r(true));
      hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) r(false); });
    });
    if (!parsed) return out;
    log('manifest parsed');
    out.levels = hls.levels.map((l) => l.height);
    out.startLevel = hls.levels[hls.firstLevel] ? hls.levels[hls.firstLevel].height : null;
    video.play().catch(() => {});
    const shown = await firstShown;
    out.firstFrameMs = shown;
    const first = await until(() => video.currentTime > 0.1, 60000);
    out.firstPlayedMs = first === null ? null : now() - started;
    log(`first frame ${out.firstFrameMs}, played 0.1 s ${out.firstPlayedMs}`);
    // A seek to 80%: the first picture at the new position, and the time moving on.
    const target = video.duration * 0.8;
    log(`seek to ${target.toFixed(3)} of ${video.duration}`);
    const seekStart = now();
    const seekShown = frameAt(target - 0.05, 60000);
    video.currentTime = target;
    out.seekMs = await seekShown;
    const seeked = await until(() => !video.seeking && video.currentTime > target + 0.2, 60000);
    out.seekPlayedMs = seeked === null ? null : now() - seekStart;
    log(`seek ${out.seekMs}, played 0.2 s ${out.seekPlayedMs}`);
    // A forced switch to another quality, from the start of the video.
    video.currentTime = 0;
    await until(() => !video.seeking && video.currentTime > 0.3, 60000);
    stalled = 0;
    const other = hls.levels.findIndex((l, i) => i !== hls.currentLevel && l.height);
    // Done when the new level's pictures play: hls.js says LEVEL_SWITCHED once playback
    // reaches a fragment of it, and the time then moves on.
    let switchedAt = null;
    hls.on(Hls.Events.LEVEL_SWITCHED, (_, d) => {
      log(`level switched to L${d.level}`);
      if (d.level === other && switchedAt === null) switchedAt = video.currentTime;
    });
    const switchStart = now();
    log(`switch to L${other} at ${video.currentTime.toFixed(2)}`);
    hls.currentLevel = other;
    await until(() => switchedAt !== null, 60000);
    const switchShown = switchedAt === null ? null : await frameAt(switchedAt, 60000);
    out.switchMs = switchShown === null ? null : now() - switchStart;
    log(`switch ${out.switchMs}`);
    await until(() => false, 3000); // play on a while after the switch: stalls count
    out.switchedTo = hls.levels[other] ? hls.levels[other].height : null;
    out.maxStallMs = stalled;
    // Back to the first level the way the web player switches (hls.nextLevel): what is
    // buffered ahead is replaced from the next fragment on while the picture plays on.
    // Done when the level's pictures play; the longest stall on the way counts.
    const back = hls.levels.findIndex((l, i) => i !== other && l.height);
    let backAt = null;
    hls.on(Hls.Events.LEVEL_SWITCHED, (_, d) => {
      if (d.level === back && backAt === null) backAt = video.currentTime;
    });
    stalled = 0;
    stallStart = null;
    const smoothStart = now();
    log(`smooth switch to L${back} at ${video.currentTime.toFixed(2)}`);
    hls.nextLevel = back;
    await until(() => backAt !== null, 60000);
    const smoothShown = backAt === null ? null : await frameAt(backAt, 60000);
    out.smoothSwitchMs = smoothShown === null ? null : now() - smoothStart;
    out.smoothStallMs = stallStart === null ? stalled : Math.max(stalled, now() - stallStart);
    log(`smooth switch ${out.smoothSwitchMs}, longest stall ${out.smoothStallMs}`);
    out.endTime = video.currentTime;
    hls.destroy();
    return out;
  }, {
    src: master,
    progressive: process.env.HS_PLAYER_PROGRESSIVE !== '0',
    chunk: Number(process.env.HS_PLAYER_CHUNK ?? 0),
  });
  Object.assign(result, figures);
  if (process.env.HS_PLAYER_DEBUG) process.stderr.write(`${(figures.log || []).join('\n')}\n`);
  delete result.log;
} catch (e) {
  result.errors.push(String(e && e.stack || e));
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
