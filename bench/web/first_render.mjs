// First render of the web app's long pages (the library's every video, the shows, a
// series) and a scroll to the end of each, signed in, in Debian's Chromium (headless,
// through tests/browser's playwright-core; no browser is downloaded).
//   (cd tests/browser && npm ci)                              (once)
//   node bench/web/first_render.mjs http://127.0.0.1:3000 USER PASSWORD
// Env: RUNS (5) first renders per page and way in; SCROLL_SECONDS (120) at most per
// page's scroll; SERIES (a series id; default the first card of /shows); CHROMIUM
// (/usr/bin/chromium); PROFILE=FILE.cpuprofile: a CPU profile of the library's scroll,
// its heaviest functions printed (the bundle's file:line:column).
//
// First render, two ways in (median and every run, ms):
//   load: page.goto (a full page load), from navigation start;
//   app:  a click on the link users take (Home's "Library", the library's "Shows", the
//         series' card on /shows) once that page has settled, from the click.
// RUNS times each: with Playwright waiting for the first card visible, then taking
// performance.now(), by waitForSelector ("selector", as lighthouse.mjs measures with
// Puppeteer; but Playwright polls it from Node with a backoff, 0, 20, 50, 100, 100, then
// 500 ms apart, so it sees a card up to that late) and by a waitForFunction polled in the
// page every animation frame ("raf", as Puppeteer polls); then with only an in-page
// watcher ("painted": the end of the first frame that drew a card, requestAnimationFrame
// then a message task, after that frame's style, layout and paint; "asked"/"api": when
// the request the cards come from started and was answered, by Resource Timing).
// painted - api is the app's own work. (Playwright's waiting also runs its own scripts
// in a new document, some 20-30 ms of its main thread.)
// Scroll: every animation frame, the window scrolled to the bottom (the list fetches its
// next 60 as its end comes near: all 50,000 is some 830 pages, no jumping ahead) until
// every item is listed and the end is in view, or SCROLL_SECONDS; frames timed by
// requestAnimationFrame (longest, 95th percentile, how many over 50 and 100 ms), Long
// Tasks summed, the cards left in the document (the grids keep the rows near the view).
// The machine's load average is printed: anything else running skews every figure.
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";

const require = createRequire(new URL("../../tests/browser/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [base, user, password] = process.argv.slice(2);
if (!base || !user || !password) {
  console.error("usage: node bench/web/first_render.mjs BASE_URL USER PASSWORD");
  process.exit(2);
}
const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");
const loadBefore = load();
const RUNS = Number(process.env.RUNS ?? 5);
const SCROLL_SECONDS = Number(process.env.SCROLL_SECONDS ?? 120);

// Where each page's first card is (scoped to the page's own list: Home has video cards too).
const PAGES = {
  library: {
    card: '[data-testid="library-grid"] [data-testid="video-card"]',
    grid: '[data-testid="library-grid"]',
    api: /\/api\/videos\?/,
    from: "/",
    link: '[data-testid="nav-library"]',
  },
  shows: {
    card: '[data-testid="shows-grid"] [data-testid="series-card"]',
    grid: '[data-testid="shows-grid"]',
    api: /\/api\/series\?/,
    from: "/library",
    link: '[data-testid="library-view-shows"]',
  },
  series: {
    card: '[data-testid="series-page"] [data-testid="episode"]',
    grid: null,
    api: /\/api\/series\/[^/?]+\/episodes/,
    from: "/shows",
    link: null, // the series' card on /shows
  },
};

// In every document: a watcher (requestAnimationFrame) that notes the end of the first
// frame showing a selector, and when the list request was asked and answered; it tells
// through the console, so that waiting for it runs nothing in the page.
const INIT = () => {
  performance.setResourceTimingBufferSize(100000);
  window.__frWatch = (sel, api, t0) => {
    const tick = () => {
      const el = document.querySelector(sel);
      const r = el?.getBoundingClientRect();
      if (!(r && r.width > 0 && r.height > 0)) return requestAnimationFrame(tick);
      const frame = performance.now();
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        const painted = performance.now();
        const re = new RegExp(api);
        const req = performance.getEntriesByType("resource").find((e) => e.startTime >= t0 - 1 && re.test(e.name));
        const done = {
          frame: frame - t0,
          painted: painted - t0,
          asked: req ? req.startTime - t0 : null,
          api: req ? req.responseEnd - t0 : null,
        };
        console.debug(`__frDone ${JSON.stringify(done)}`);
      };
      ch.port2.postMessage(0);
    };
    requestAnimationFrame(tick);
  };
  const armed = sessionStorage.getItem("__frWatch");
  if (armed) {
    sessionStorage.removeItem("__frWatch");
    const { sel, api } = JSON.parse(armed);
    window.__frWatch(sel, api, 0);
  }
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox"],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
await context.addInitScript(INIT);
const page = await context.newPage();
page.setDefaultTimeout(60000);

await page.goto(`${base}/login`, { waitUntil: "networkidle" });
await page.fill('[data-testid="login-username"]', user);
await page.fill('[data-testid="login-password"]', password);
await page.click('[data-testid="login-submit"]');
await page.waitForSelector('[data-testid="nav-library"]');

let seriesId = process.env.SERIES;
if (!seriesId) {
  await page.goto(`${base}/shows`, { waitUntil: "domcontentloaded" });
  await page.waitForSelector(PAGES.shows.card);
  seriesId = await page.$eval(PAGES.shows.card, (a) => a.dataset.seriesId);
}
const urlOf = { library: "/library", shows: "/shows", series: `/series/${seriesId}` };
PAGES.series.link = `[data-testid="shows-grid"] [data-series-id="${seriesId}"]`;

/** What the page's watcher tells. */
function watched() {
  return page
    .waitForEvent("console", (m) => m.text().startsWith("__frDone "))
    .then((m) => JSON.parse(m.text().slice("__frDone ".length)));
}

async function settle() {
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(300);
}

/**
 * performance.now() once Playwright sees the card visible: "selector", waitForSelector
 * (as lighthouse.mjs does with Puppeteer; but Playwright polls it from Node, 0, 20, 50,
 * 100, 100 then 500 ms apart, so a card is seen up to that late); "raf", a
 * waitForFunction polled in the page every animation frame (as Puppeteer polls).
 */
async function seen(sel, how) {
  if (how === "selector") await page.waitForSelector(sel, { state: "visible" });
  else {
    await page.waitForFunction(
      (sel) => {
        const el = document.querySelector(sel);
        const r = el?.getBoundingClientRect();
        return !!r && r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
      },
      sel,
      { polling: "raf" },
    );
  }
  return page.evaluate(() => performance.now());
}

/**
 * A full load of the page; `how`: how Playwright waits for the card (seen), or "quiet":
 * it does not, and only the watcher runs in the page.
 */
async function loadOnce(name, how) {
  const p = PAGES[name];
  // The watcher starts in the new document (init script), armed through sessionStorage.
  await page.evaluate((armed) => sessionStorage.setItem("__frWatch", armed), JSON.stringify({ sel: p.card, api: p.api.source }));
  const done = watched();
  await page.goto(`${base}${urlOf[name]}`, { waitUntil: "commit" });
  const visible = how === "quiet" ? null : await seen(p.card, how);
  return { visible, ...(await done) };
}

/** The page reached by a click on its link, once the page before it has settled. */
async function appOnce(name, how) {
  const p = PAGES[name];
  await page.goto(`${base}${p.from}`, { waitUntil: "domcontentloaded" });
  await page.waitForSelector(p.link, { state: "visible" });
  await settle();
  const done = watched();
  const t0 = await page.evaluate(
    ({ link, card, api }) => {
      performance.clearResourceTimings();
      const t0 = performance.now();
      window.__frWatch(card, api, t0);
      document.querySelector(link).click();
      return t0;
    },
    { link: p.link, card: p.card, api: p.api.source },
  );
  const visible = how === "quiet" ? null : (await seen(p.card, how)) - t0;
  return { visible, ...(await done) };
}

/** Scrolls the window to the bottom every frame until the list's end is in view. */
async function scrollToEnd(name, ready = async () => {}) {
  const p = PAGES[name];
  await page.goto(`${base}${urlOf[name]}`, { waitUntil: "domcontentloaded" });
  await page.waitForSelector(p.card, { state: "visible" });
  await settle();
  await ready();
  return page.evaluate(
    ({ grid, seconds }) =>
      new Promise((resolve) => {
        const longTasks = [];
        const po = new PerformanceObserver((l) => {
          for (const e of l.getEntries()) longTasks.push(e.duration);
        });
        po.observe({ type: "longtask" });
        const count = document.querySelector('[data-testid="result-count"]');
        const total = count ? Number(count.textContent.replace(/[^0-9]/g, "")) || null : null;
        const loaded = () => {
          const g = grid && document.querySelector(grid);
          const last = g?.querySelector(":scope > li:last-child");
          if (!last) return 0;
          return Number(last.getAttribute("aria-setsize") ?? g.querySelectorAll(":scope > li").length);
        };
        const lastShown = () => {
          const last = grid && document.querySelector(grid)?.querySelector(":scope > li:last-child");
          return last ? Number(last.dataset.index) + 1 : 0;
        };
        const frames = [];
        /** Frames over 50 ms with how many items were listed then. */
        const slow = [];
        const t0 = performance.now();
        let prev = t0;
        let atEnd = 0;
        const step = (now) => {
          const dt = now - prev;
          prev = now;
          frames.push(dt);
          if (dt > 50) slow.push([Math.round(dt), loaded()]);
          const se = document.scrollingElement;
          se.scrollTop = se.scrollHeight;
          const bottom = se.scrollTop + window.innerHeight >= se.scrollHeight - 2;
          const busy = document.querySelector('[data-testid="loading"]') || document.querySelector('[data-testid="load-more"]');
          const all = !grid || (total !== null && lastShown() >= total);
          atEnd = bottom && !busy && all ? atEnd + 1 : 0;
          if (atEnd >= 3 || now - t0 > seconds * 1000) {
            po.disconnect();
            frames.sort((a, b) => b - a);
            const ms = now - t0;
            resolve({
              seconds: ms / 1000,
              reachedEnd: atEnd >= 3,
              total,
              listed: grid ? loaded() : null,
              lastShown: grid ? lastShown() : null,
              frames: frames.length,
              fps: frames.length / (ms / 1000),
              longestFrame: frames[0] ?? 0,
              p95Frame: frames[Math.floor(frames.length * 0.05)] ?? 0,
              over50: frames.filter((f) => f > 50).length,
              over100: frames.filter((f) => f > 100).length,
              longTasks: longTasks.length,
              longTaskMs: longTasks.reduce((a, b) => a + b, 0),
              longestTask: Math.max(0, ...longTasks),
              cardsInDom: document.querySelectorAll('[data-testid="video-card"], [data-testid="series-card"], [data-testid="episode"]').length,
              domNodes: document.getElementsByTagName("*").length,
              heapMB: performance.memory ? performance.memory.usedJSHeapSize / 2 ** 20 : null,
              slow,
            });
            return;
          }
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      }),
    { grid: p.grid, seconds: SCROLL_SECONDS },
  );
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r = (x) => (x === null || x === undefined ? "-" : Math.round(x));

// Per page and way in: RUNS runs for each way of waiting; the watcher's figures come from
// the quiet runs (Playwright's waiting runs its own scripts in a new document).
const HOW = ["selector", "raf", "quiet"];
const results = {};
for (const name of Object.keys(PAGES)) {
  results[name] = {};
  for (const [way, once] of [["load", loadOnce], ["app", appOnce]]) {
    results[name][way] = {};
    for (const how of HOW) {
      results[name][way][how] = [];
      for (let i = 0; i < RUNS; i++) results[name][way][how].push(await once(name, how));
    }
  }
}

console.log(`first render, ${base}, series ${seriesId}; ${cpus().length} CPUs, load ${loadBefore} at start`);
console.log(`median of ${RUNS} (ms): visible by waitForSelector, by a rAF-polled waitForFunction; painted, asked, api by the watcher alone`);
console.log("page     way   selector  raf  painted  asked  api  painted-api | raw selector | raw raf | raw painted");
for (const [name, ways] of Object.entries(results)) {
  for (const [way, { selector, raf, quiet }] of Object.entries(ways)) {
    const m = (runs, k) => String(r(median(runs.map((x) => x[k] ?? NaN))));
    const split = String(r(median(quiet.map((x) => x.painted - x.api))));
    const raw = (runs, k) => runs.map((x) => r(x[k])).join(" ");
    console.log(
      `${name.padEnd(8)} ${way.padEnd(5)} ${m(selector, "visible").padStart(8)}  ${m(raf, "visible").padStart(3)}  ` +
        `${m(quiet, "painted").padStart(7)}  ${m(quiet, "asked").padStart(5)}  ${m(quiet, "api").padStart(3)}  ${split.padStart(11)} | ` +
        `${raw(selector, "visible")} | ${raw(raf, "visible")} | ${raw(quiet, "painted")}`,
    );
  }
}

const scrolls = {};
for (const name of Object.keys(PAGES)) {
  if (name !== "library" || !process.env.PROFILE) {
    scrolls[name] = await scrollToEnd(name);
    continue;
  }
  // The library's scroll under the sampling profiler (started once the page is up).
  const cdp = await context.newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
  scrolls[name] = await scrollToEnd(name, () => cdp.send("Profiler.start"));
  const { profile } = await cdp.send("Profiler.stop");
  writeFileSync(process.env.PROFILE, JSON.stringify(profile));
  const took = new Map();
  profile.samples.forEach((id, i) => took.set(id, (took.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const self = new Map();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const k = `${f.functionName || "(anonymous)"} ${f.url.split("/").pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + (took.get(n.id) ?? 0) / 1000);
  }
  console.log(`\nCPU profile of the library's scroll (${process.env.PROFILE}), self time:`);
  for (const [k, ms] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`${String(Math.round(ms)).padStart(7)} ms  ${k}`);
  }
}

console.log(`\nscroll to the end (window to the bottom every frame, at most ${SCROLL_SECONDS} s)`);
console.log("page        s  end  listed/total  frames  fps  longest  p95  >50ms >100ms  longtasks(ms)  cards  nodes  heapMB");
for (const [name, s] of Object.entries(scrolls)) {
  console.log(
    `${name.padEnd(8)} ${s.seconds.toFixed(1).padStart(5)}  ${s.reachedEnd ? "yes" : "no "}  ` +
      `${`${s.lastShown ?? "-"}/${s.total ?? "-"}`.padStart(12)}  ${String(s.frames).padStart(6)}  ${String(r(s.fps)).padStart(3)}  ` +
      `${String(r(s.longestFrame)).padStart(7)}  ${String(r(s.p95Frame)).padStart(3)}  ${String(s.over50).padStart(5)} ${String(s.over100).padStart(6)}  ` +
      `${`${s.longTasks} (${r(s.longTaskMs)})`.padStart(13)}  ${String(s.cardsInDom).padStart(5)}  ${String(s.domNodes).padStart(5)}  ${s.heapMB === null ? "-" : s.heapMB.toFixed(0).padStart(6)}`,
  );
}
// The slow frames by how far the list was (quarters of the total): does it worsen as it grows?
for (const [name, s] of Object.entries(scrolls)) {
  if (!s.slow.length || !s.total) continue;
  const q = [0, 0, 0, 0].map(() => ({ n: 0, max: 0, sum: 0 }));
  for (const [ms, listed] of s.slow) {
    const b = q[Math.min(3, Math.floor((listed / s.total) * 4))];
    b.n += 1;
    b.sum += ms;
    b.max = Math.max(b.max, ms);
  }
  console.log(
    `${name} frames over 50 ms by items listed: ` +
      q.map((b, i) => `${i * 25}-${(i + 1) * 25}%: ${b.n} (max ${b.max}, mean ${b.n ? Math.round(b.sum / b.n) : 0})`).join("; "),
  );
}

const scrollSummary = Object.fromEntries(Object.entries(scrolls).map(([k, { slow, ...v }]) => [k, { ...v, slowFrames: slow.length }]));
console.log(`load ${load()} at the end`);
console.log(`\n${JSON.stringify({ base, seriesId, runs: RUNS, load: { before: loadBefore, after: load() }, firstRender: results, scroll: scrollSummary })}`);
await browser.close();
