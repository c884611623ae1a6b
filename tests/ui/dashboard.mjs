// The dashboard (GET /__admin/ui, issue #18) in a real headless Chromium.
//
// Black-box: the server is already running (.ci/ui.sh starts it); this script
// is told where by CRM_MOCK_UI_URL and, when the server has --admin-token, the
// token by CRM_MOCK_UI_TOKEN. It drives Debian's /usr/bin/chromium through
// playwright-core (no browser download) and checks the page by the DOM
// contract of #18: it loads with no console error, no page error and no failed
// request; it asks for the token and goes live; a request sent from here
// appears as a row; pause and resume; the catalogue's "stick" control makes
// the next request answer that scenario; a too-early retry is marked in the
// timeline; a row opens by keyboard; light and dark differ, each saved as a
// full-page screenshot to $UI_ARTIFACTS (default target/ui-artifacts/); and
// #clear empties the list, which goes on listing.
//
// Bounded: every wait has a timeout of at most 10 s, and the whole run at most
// 60 s (a watchdog ends the process after that, whatever hangs).
//
//   CRM_MOCK_UI_URL=http://127.0.0.1:8080 CRM_MOCK_UI_TOKEN=... \
//     node --test-reporter=spec tests/ui/dashboard.mjs

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASE = (process.env.CRM_MOCK_UI_URL || '').replace(/\/+$/, '');
const TOKEN = process.env.CRM_MOCK_UI_TOKEN || '';
const ARTIFACTS = resolve(process.env.UI_ARTIFACTS || join(HERE, '..', '..', 'target', 'ui-artifacts'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT = 10_000; // the longest any single wait may take
const WHOLE = 60_000; // the longest the whole run may take

if (!BASE) {
  console.error('CRM_MOCK_UI_URL must name the running server, e.g. http://127.0.0.1:8080');
  process.exit(2);
}

// Whatever hangs (a browser that never answers, a wait without its own
// timeout), the run ends with a failure after WHOLE milliseconds.
setTimeout(() => {
  console.error(`the browser test did not finish within ${WHOLE / 1000} s`);
  process.exit(1);
}, WHOLE).unref();

/** An admin call from the test itself (not the page), with the token when there is one. */
async function admin(method, path) {
  const headers = TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {};
  const response = await fetch(BASE + path, { method, headers, signal: AbortSignal.timeout(WAIT) });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A connector request from the test, as a client would send it. */
async function related(recordId, headers = {}) {
  const url = `${BASE}/api/related-records?recordType=account&recordId=${encodeURIComponent(recordId)}`;
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(WAIT) });
  await response.arrayBuffer();
  return response;
}

describe('the dashboard in headless Chromium', { timeout: WHOLE }, () => {
  let context;
  let page;
  let userDataDir;
  // What the page must never produce; each entry says what and where.
  const problems = [];
  // Chromium's console errors, judged at the end, when every answer is in.
  const consoleErrors = [];
  // Admin URLs that answered 401 to a call sent without a token: the one
  // error the contract makes (that 401 is how the page knows to ask), which
  // Chromium also logs to the console. A 401 to a call that carried the
  // token, or any other error, is a failure.
  const unauthorized = new Set();  // The steps build on each other (one page, one journal): after the first
  // failure the later ones are skipped rather than each waiting out its
  // timeouts, so the report names the step that broke.
  let broken = null;
  const step = (name, body) =>
    it(name, async (t) => {
      if (broken) return t.skip(`an earlier step failed: ${broken}`);
      try {
        await body();
      } catch (error) {
        broken = name;
        throw error;
      }
    });

  before(async () => {
    // A clean journal and no stickies, so the rows below are this run's only.
    await admin('POST', '/__admin/reset');
    userDataDir = mkdtempSync(join(tmpdir(), 'crm-mock-ui-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
      timeout: WAIT,
    });
    context.setDefaultTimeout(WAIT);
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(WAIT);
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push({ text: message.text(), url: message.location().url || '' });
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => {
      const error = request.failure()?.errorText || '';
      // Pause may end the stream's fetch on purpose (an AbortController):
      // that is the page's own doing, not a failure. Whether the stream is
      // up is what #stream-state says, checked below.
      const ownAbort = error === 'net::ERR_ABORTED' && request.url().startsWith(`${BASE}/__admin/requests/stream`);
      if (!ownAbort) problems.push(`request failed: ${request.method()} ${request.url()}: ${error}`);
    });
    page.on('response', async (response) => {
      const status = response.status();
      if (status < 400) return;
      const sentToken = 'authorization' in (await response.request().allHeaders().catch(() => ({})));
      if (status === 401 && TOKEN && !sentToken && response.url().startsWith(`${BASE}/__admin/`)) {
        unauthorized.add(response.url());
      } else {
        problems.push(`answer ${status}: ${response.request().method()} ${response.url()}`);
      }
    });
  });

  after(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  step('serves the page with a Content-Security-Policy that forbids inline script and other origins', async () => {
    const response = await page.goto(`${BASE}/__admin/ui`, { waitUntil: 'load', timeout: WAIT });
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'] || '', /^text\/html/);
    const csp = response.headers()['content-security-policy'] || '';
    assert.match(csp, /default-src 'none'/, `CSP: ${csp}`);
    assert.match(csp, /script-src 'self'(;|$)/, `CSP: ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, `CSP: ${csp}`);
  });

  step('asks for the admin token only when the server wants one, and goes live with it', async () => {
    const form = page.locator('#token-form');
    if (TOKEN) {
      await form.waitFor({ state: 'visible' });
      await page.locator('#token').fill(TOKEN);
      await page.locator('#token').press('Enter');
      await form.waitFor({ state: 'hidden' });
      const kept = await page.evaluate(() => sessionStorage.getItem('crm-mock-admin-token'));
      assert.equal(kept, TOKEN, 'the token is kept in sessionStorage under crm-mock-admin-token');
    }
    await waitForText('#stream-state', 'live');
    assert.equal(await form.isVisible(), false, 'the token form is hidden once the page has its data');
  });

  step('lists a request sent from the test as a row of #requests', async () => {
    const response = await related('UI-1');
    assert.equal(response.status, 200);
    const row = page.locator('#requests tr[data-record="UI-1"]');
    await row.waitFor({ state: 'attached' });
    assert.equal(await row.count(), 1);
    assert.equal(await row.getAttribute('data-status'), '200');
    const activityId = response.headers.get('x-ms-request-id');
    assert.ok(activityId, 'the answer names its activityId');
    assert.ok((await row.textContent()).includes(activityId), 'the row shows the activityId');
  });

  step('pauses and resumes the stream with #pause', async () => {
    await page.locator('#pause').click();
    await waitForText('#stream-state', 'paused');
    await page.locator('#pause').click();
    await waitForText('#stream-state', 'live');
  });

  step("makes the next request answer 429 after a click on scenario 429's stick control", async () => {
    await page.locator('#catalogue li[data-scenario="429"] button[data-action="stick"]').click();
    await waitUntil(stickies, 'the sticky is set');
    const response = await related('UI-2');
    assert.equal(response.status, 429, 'the request after the click answers 429');
    const row = page.locator('#requests tr[data-record="UI-2"]');
    await row.waitFor({ state: 'attached' });
    assert.equal(await row.getAttribute('data-status'), '429');
    // Newest first: the 429 row comes before the earlier 200 row.
    const order = await page.$$eval('#requests tr[data-id]', (rows) => rows.map((r) => r.dataset.record));
    assert.ok(order.indexOf('UI-2') < order.indexOf('UI-1'), `rows newest first: ${order}`);
    await page.locator('#clear-sticky').click();
    await waitUntil(async () => !(await stickies()), 'the stickies are cleared');
    assert.equal((await related('UI-3')).status, 200, 'with the stickies cleared the next request succeeds');
  });

  step('marks a retry that came before its Retry-After in #timeline', async () => {
    const session = { 'X-Simulate-Session': 'ui-retry' };
    const first = await related('UI-4', { ...session, 'X-Simulate-Error': '429' });
    assert.equal(first.status, 429);
    assert.ok(Number(first.headers.get('retry-after')) >= 1, 'the 429 says when to come back');
    const early = await related('UI-4', session);
    assert.equal(early.status, 429, 'the retry came too early and is throttled again');
    const marked = page.locator('#timeline [data-violation="retry-after"]');
    await marked.first().waitFor({ state: 'attached' });
    assert.ok((await page.locator('#timeline').textContent()).includes('ui-retry'), 'the timeline names the session');
    const rows = page.locator('#requests tr[data-session="ui-retry"]');
    await waitUntil(async () => (await rows.count()) === 2, 'both requests of the session are listed');
    assert.equal(await page.locator('#requests tr[data-session="ui-retry"][data-violation="retry-after"]').count(), 1);
  });

  step('opens a row by keyboard: Tab reaches it, Enter shows the whole entry in #detail', async () => {
    await page.evaluate(() => document.activeElement?.blur());
    let id = null;
    for (let press = 0; press < 200 && id === null; press += 1) {
      await page.keyboard.press('Tab');
      id = await page.evaluate(() => document.activeElement?.closest('#requests tr[data-id]')?.dataset.id ?? null);
    }
    assert.ok(id !== null, 'Tab reaches a row of #requests within 200 presses');
    const { requests } = await admin('GET', '/__admin/requests?limit=1000');
    const entry = requests.find((e) => String(e.id) === id);
    assert.ok(entry, `the focused row ${id} is an entry of the journal`);
    await page.keyboard.press('Enter');
    const detail = page.locator('#detail');
    await detail.waitFor({ state: 'visible' });
    await waitUntil(async () => ((await detail.locator('pre').textContent()) || '').includes(entry.activityId), 'the detail shows the entry');
  });

  // Not skipped after a failure: the screenshots are what shows why.
  it('reads in light and dark and saves a full-page screenshot of each', async () => {
    assert.ok(page, 'the browser started');
    mkdirSync(ARTIFACTS, { recursive: true });
    const colours = {};
    for (const colorScheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      // The page may paint its background on <html> or on <body>: compare both, and the text.
      colours[colorScheme] = await page.evaluate(() => {
        const [root, body] = [document.documentElement, document.body].map((e) => getComputedStyle(e));
        return `${root.backgroundColor} / ${body.backgroundColor} / ${body.color}`;
      });
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-${colorScheme}.png`), fullPage: true, timeout: WAIT });
    }
    assert.notEqual(colours.light, colours.dark, 'prefers-color-scheme changes the colours');
    console.log(`screenshots: ${join(ARTIFACTS, 'dashboard-light.png')}, ${join(ARTIFACTS, 'dashboard-dark.png')}`);
  });

  step('empties the list with #clear, and clears the journal only if the button says so', async () => {
    const before = (await admin('GET', '/__admin/requests/count')).count;
    assert.ok(before > 0, 'the journal holds the earlier requests');
    const clear = page.locator('#clear');
    const says = `${await clear.textContent()} ${(await clear.getAttribute('title')) || ''} ${(await clear.getAttribute('aria-label')) || ''}`;
    await clear.click();
    await waitUntil(async () => (await page.locator('#requests tr[data-id]').count()) === 0, 'the list is empty');
    // The contract: DELETE /__admin/requests only if the button says so.
    const after = (await admin('GET', '/__admin/requests/count')).count;
    if (!/journal|server/i.test(says) || /page only|journal is kept|kept/i.test(says)) {
      assert.equal(after, before, `"${says.trim()}" does not say it clears the server's journal, and it must not`);
    }
    assert.equal((await related('UI-6')).status, 200);
    await page.locator('#requests tr[data-record="UI-6"]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('#requests tr[data-id]').count(), 1);
  });

  it('produced no console error, no page error and no failed request', () => {
    const unexpected = consoleErrors
      .filter(({ text, url }) => !(text.includes('status of 401') && unauthorized.has(url)))
      .map(({ text, url }) => `console error: ${text} (${url})`);
    assert.deepEqual([...problems, ...unexpected], []);
  });

  /** Whether the server holds any sticky scenario. */
  async function stickies() {
    return (await admin('GET', '/__admin/sticky')).sticky.length !== 0;
  }

  /** Waits (at most WAIT) until the element's text is exactly `text`. */
  async function waitForText(selector, text) {
    await page.waitForFunction(
      ([s, t]) => document.querySelector(s)?.textContent.trim() === t,
      [selector, text],
      { timeout: WAIT },
    );
  }

  /** Polls `check` every 100 ms, at most WAIT, then fails naming `what`. */
  async function waitUntil(check, what) {
    const deadline = Date.now() + WAIT;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out after ${WAIT / 1000} s waiting until ${what}`);
  }
});
