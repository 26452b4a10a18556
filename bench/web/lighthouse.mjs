// Lighthouse (accessibility, best practices, performance) on the library and player
// pages of a running homestream, signed in, in Debian's Chromium; and the library's
// first render: from navigation to the first video card on screen, median of 5.
//   mkdir /tmp/lh && cd /tmp/lh && npm i lighthouse@12      (once; not a project dep)
//   cp bench/web/lighthouse.mjs /tmp/lh/ && node /tmp/lh/lighthouse.mjs \
//      http://127.0.0.1:3000 USER PASSWORD
// (an ES module finds lighthouse and its puppeteer-core next to itself).
import puppeteer from "puppeteer-core";
import { startFlow } from "lighthouse";

const [base, user, password] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox"],
  defaultViewport: { width: 1366, height: 768 },
});
const page = await browser.newPage();
await page.goto(`${base}/login`, { waitUntil: "networkidle0" });
await page.type('[data-testid="login-username"]', user);
await page.type('[data-testid="login-password"]', password);
await page.click('[data-testid="login-submit"]');
await page.waitForSelector('[data-testid="video-card"]', { timeout: 30000 });

// First render of the library: navigation start to the first card painted.
const times = [];
for (let i = 0; i < 5; i++) {
  await page.goto(`${base}/library`, { waitUntil: "domcontentloaded" });
  await page.waitForSelector('[data-testid="video-card"]', { visible: true });
  times.push(await page.evaluate(() => performance.now()));
}
times.sort((a, b) => a - b);
const total = await page.$eval('[data-testid="result-count"]', (e) => e.textContent);
const firstId = await page.$eval('[data-testid="video-card"]', (a) => a.getAttribute("href"));
const videoId = firstId.split("/").pop();

const flow = await startFlow(page, {
  config: { extends: "lighthouse:default", settings: { disableStorageReset: true } },
  flags: { disableStorageReset: true, screenEmulation: { disabled: true } },
});
await flow.navigate(`${base}/library`, { name: "library" });
await flow.navigate(`${base}/watch/${videoId}`, { name: "player" });
const result = await flow.createFlowResult();
const scores = {};
for (const step of result.steps) {
  const c = step.lhr.categories;
  scores[step.name] = Object.fromEntries(
    Object.entries(c).map(([k, v]) => [k, v.score === null ? null : Math.round(v.score * 100)]),
  );
  const failed = Object.values(step.lhr.audits)
    .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary")
    .map((a) => a.id);
  scores[step.name].failedAudits = failed;
  // What performance is made of: the largest paint and the blocking time, in ms.
  for (const id of ["largest-contentful-paint", "total-blocking-time", "first-contentful-paint"]) {
    const a = step.lhr.audits[id];
    if (a) scores[step.name][id] = Math.round(a.numericValue);
  }
}
console.log(JSON.stringify({ library: total, firstRenderMs: { median: times[2], all: times.map(Math.round) }, scores }, null, 1));
await browser.close();
