// Issue "What does my phone tell websites?", acceptance: the leak-check page
// in a real browser (Debian chromium driven by playwright-core) shows the
// right verdict for an identity leak, a clean request and a tracking token;
// the number is masked until the visitor reveals it; a screenshot is saved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { CheckerServer, type RunningChecker } from '../../src/checker/server.js';
import { silentLogger } from '../../src/shared/log.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const IN_CI = process.env.CI === 'true';

let checker: RunningChecker;
let browser: Browser | undefined;

before(async () => {
  checker = await new CheckerServer({ http: { host: '127.0.0.1', port: 0 }, rateLimit: { limit: 1000, windowMs: 60_000 }, log: silentLogger }).listen();
  if (!existsSync(CHROMIUM)) {
    if (IN_CI) throw new Error(`${CHROMIUM} missing: install Debian chromium (apt-get install -y chromium)`);
    return;
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: 60_000 });
});

after(async () => {
  await browser?.close();
  await checker.close();
});

async function visit(extraHTTPHeaders: Record<string, string>) {
  const context = await browser!.newContext({ extraHTTPHeaders, viewport: { width: 420, height: 900 } });
  const page = await context.newPage();
  const res = await page.goto(`${checker.httpUrl}/`, { waitUntil: 'load', timeout: 30_000 });
  assert.equal(res?.status(), 200);
  return { page, context };
}

test(
  'a request carrying X-Up-Calling-Line-ID shows "identity leaked", the number masked until revealed',
  { skip: !existsSync(CHROMIUM) && !IN_CI && 'chromium not installed' },
  async () => {
    const { page, context } = await visit({ 'X-Up-Calling-Line-ID': '447700900123' });
    try {
      const verdict = page.locator('#verdict');
      assert.equal(await verdict.getAttribute('data-verdict'), 'identity');
      assert.match((await verdict.innerText()).toLowerCase(), /identity leaked/);
      const row = page.locator('.hdr', { hasText: 'X-Up-Calling-Line-ID' });
      assert.equal(await row.count(), 1);
      assert.match(await row.innerText(), /identifies you/);
      assert.match(await row.innerText(), /phone number/);
      assert.match(await row.innerText(), /Openwave/, 'known senders from the catalogue');
      const body = await page.locator('body').innerText();
      assert.ok(!body.includes('447700900123'), 'the number is masked by default');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL('checker-identity-leaked.png', ARTIFACTS).pathname, fullPage: true });
      await row.locator('button.reveal').click();
      assert.match(await row.locator('.value').innerText(), /^447700900123$/, 'revealed in the browser');
      await row.locator('button.reveal').click();
      assert.ok(!(await page.locator('body').innerText()).includes('447700900123'), 'hidden again');
    } finally {
      await context.close();
    }
  },
);

test('a plain browser request shows "clean"', { skip: !existsSync(CHROMIUM) && !IN_CI && 'chromium not installed' }, async () => {
  const { page, context } = await visit({});
  try {
    assert.equal(await page.locator('#verdict').getAttribute('data-verdict'), 'clean');
    assert.match((await page.locator('#verdict h2').innerText()).toLowerCase(), /^clean$/);
    assert.equal(await page.locator('.hdr.identity, .hdr.tracking').count(), 0);
    assert.ok((await page.locator('.hdr', { hasText: 'User-Agent' }).count()) === 1, 'every received header is listed');
    await page.screenshot({ path: new URL('checker-clean.png', ARTIFACTS).pathname, fullPage: true });
  } finally {
    await context.close();
  }
});

test('an X-UIDH-style token shows the tracking verdict', { skip: !existsSync(CHROMIUM) && !IN_CI && 'chromium not installed' }, async () => {
  const { page, context } = await visit({ 'X-UIDH': 'OTgxNTk2NDk4MzIwMTMwMjA4NjQ1MjU4' });
  try {
    assert.equal(await page.locator('#verdict').getAttribute('data-verdict'), 'tracking');
    assert.match((await page.locator('#verdict h2').innerText()).toLowerCase(), /tracking token/);
    const row = page.locator('.hdr.tracking', { hasText: 'X-UIDH' });
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), /Verizon/);
    assert.ok(!(await page.locator('body').innerText()).includes('OTgxNTk2NDk4MzIwMTMwMjA4NjQ1MjU4'), 'token masked');
    await page.screenshot({ path: new URL('checker-tracking.png', ARTIFACTS).pathname, fullPage: true });
  } finally {
    await context.close();
  }
});
