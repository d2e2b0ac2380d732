// Issue 16, accessible and understandable: axe-core (WCAG 2.0/2.1/2.2 A and
// AA rules) reports no violation on the subscriber's page — recognised and
// unknown visitor, English and German — nor on the leak-check page, in real
// Chromium; the pages stay usable at 320 px (no horizontal scrolling) and
// screenshots at 320 px and 1280 px are written to test-artifacts/.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser } from 'playwright-core';
import { CheckerServer, type RunningChecker } from '../../src/checker/server.js';
import { silentLogger } from '../../src/shared/log.js';
import { viaProxy } from '../helpers/gateway.js';
import { auditBackend, type AuditBackend } from '../helpers/audit.js';
import { startPageLab, type PageLab } from './lab.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const AXE_SOURCE = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

interface AxeResult {
  violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
  passes: unknown[];
}

describe('accessibility in Chromium (axe-core)', () => {
  let be: AuditBackend | string;
  let lab: PageLab;
  let checker: RunningChecker;
  let browser: Browser | undefined;
  let skip: string | undefined;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === 'true') throw new Error(`${CHROMIUM} missing: install Debian chromium (apt-get install -y chromium)`);
      skip = 'Chromium not installed';
      return;
    }
    be = await auditBackend('sqlite');
    if (typeof be === 'string') return;
    lab = await startPageLab(be, be.fresh(), { node: 'a11y' });
    await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
    await viaProxy(lab.gw.proxyAddress, 'http://www.agegate.example/');
    checker = await new CheckerServer({ http: { host: '127.0.0.1', port: 0 }, rateLimit: { limit: 1000, windowMs: 60_000 }, log: silentLogger }).listen();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true, timeout: 60_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await checker?.close();
    await lab?.close();
    if (typeof be !== 'string') await be?.close();
  });

  /** Runs axe at 320 px and 1280 px and saves a full-page screenshot of each. */
  async function audit(url: string, name: string, lang: string): Promise<AxeResult> {
    const results: AxeResult[] = [];
    for (const width of [320, 1280]) {
      // bypassCSP only lets the test inject axe; the page itself runs no script.
      const context = await browser!.newContext({ viewport: { width, height: 900 }, locale: lang, extraHTTPHeaders: { 'accept-language': lang }, bypassCSP: true });
      try {
        const page = await context.newPage();
        const res = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
        assert.equal(res?.status(), 200);
        assert.equal(await page.evaluate<string>('document.documentElement.lang'), lang.split('-')[0]);
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        assert.ok(overflow <= 0, `${name} ${lang} at ${width}px scrolls sideways by ${overflow}px`);
        await page.screenshot({ path: new URL(`${name}-${lang}-${width}.png`, ARTIFACTS).pathname, fullPage: true });
        await page.evaluate(AXE_SOURCE);
        results.push(
          await page.evaluate(
            async (tags) => (await (globalThis as unknown as { axe: { run(o: unknown): Promise<AxeResult> } }).axe.run({ runOnly: { type: 'tag', values: tags } })) as AxeResult,
            TAGS,
          ),
        );
      } finally {
        await context.close();
      }
    }
    return { violations: results.flatMap((r) => r.violations), passes: results.flatMap((r) => r.passes) };
  }

  const describeViolations = (r: AxeResult) => r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('\n');

  for (const lang of ['en', 'de']) {
    test(`the subscriber's page, recognised visitor, ${lang}: no violations`, async (t) => {
      if (skip) return t.skip(skip);
      if (typeof be === 'string') return t.skip(be);
      // Chromium connects from 127.0.0.1: the demo subscriber.
      const r = await audit(`${lab.gw.transparencyUrl}/`, 'transparency-recognised', lang);
      assert.equal(r.violations.length, 0, describeViolations(r));
      assert.ok(r.passes.length > 10, 'axe ran its rules');
    });
  }

  test("the subscriber's page, unknown visitor: no violations", async (t) => {
    if (skip) return t.skip(skip);
    if (typeof be === 'string') return t.skip(be);
    await lab.gw.bindings.remove('127.0.0.1');
    try {
      for (const lang of ['en', 'de']) {
        const r = await audit(`${lab.gw.transparencyUrl}/`, 'transparency-unknown', lang);
        assert.equal(r.violations.length, 0, describeViolations(r));
      }
    } finally {
      await lab.gw.bindings.set({ ip: '127.0.0.1', subscriber: { msisdn: '+447700900123', ageVerified: true, source: 'static' } });
    }
  });

  test('the leak-check page: no violations', async (t) => {
    if (skip) return t.skip(skip);
    const r = await audit(`${checker.httpUrl}/`, 'checker', 'en');
    assert.equal(r.violations.length, 0, describeViolations(r));
  });
});
