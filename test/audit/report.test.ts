// Issue 5 acceptance, on both stores: after a window in which a widened policy
// was live, `audit report --outside-policy demo.yaml` lists exactly the
// subscribers and sites it exposed; the HTML report opens in headless
// Chromium and its numbers match the JSON; the admin API serves the report.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startLab, viaProxy, DEMO_YAML, type Lab } from '../helpers/gateway.js';
import { auditBackend, hedgeCli, writeConfig, ROOT, type AuditBackend } from '../helpers/audit.js';
import { unavailable } from '../helpers/services.js';
import type { BreachReport } from '../../src/audit/report.js';

const DEMO_FILE = join(ROOT, 'examples/demo.yaml');
// The 2012 incident in miniature: a maintenance change adds other sites to the self-care grant
// (a wildcard-all pattern would be refused by the policy lints, so the change lists them).
const widen = (y: string) => y.replace('hosts: [my.operator.example]', 'hosts: [my.operator.example, news.example, other.example]');

async function bind(lab: Lab, ip: string, msisdn: string) {
  const r = await fetch(`${lab.gw.adminUrl}/bindings/${ip}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msisdn }) });
  assert.equal(r.status, 201);
}

async function visit(lab: Lab, url: string, localAddress = '127.0.0.1') {
  const r = await viaProxy(lab.gw.proxyAddress, url, { localAddress });
  assert.equal(r.status, 200);
  return r.json();
}

for (const name of ['sqlite', 'postgres'] as const) {
  describe(`breach report on ${name}`, () => {
    let be: AuditBackend | undefined;
    let skip: string | undefined;
    let cfg: string;
    let windowFrom: number;
    let windowTo: number;
    let adminReport: BreachReport;

    before(async () => {
      const b = await auditBackend(name);
      if (typeof b === 'string') {
        skip = b;
        return;
      }
      be = b;
      const loc = b.fresh();
      cfg = writeConfig(b.dir, 'report.yaml', DEMO_YAML + b.yaml(loc));
      const start = (node: string, edit: (y: string) => string = (y) => y) => startLab({ edit: (y) => edit(y) + b.yaml(loc, { node }) });

      // Before: the approved policy.
      let lab = await start('gw-before');
      await bind(lab, '127.0.0.5', '+447700900555');
      await visit(lab, 'http://news.example/');
      await visit(lab, 'http://my.operator.example/');
      await visit(lab, 'http://my.operator.example/', '127.0.0.5');
      await lab.close();

      // The bad change is live.
      windowFrom = Date.now();
      lab = await start('gw-widened', widen);
      await bind(lab, '127.0.0.5', '+447700900555');
      await bind(lab, '127.0.0.6', '+447700900666');
      assert.equal((await visit(lab, 'http://news.example/')).headers['x-msisdn'], '+447700900123', 'the widened policy leaks');
      await visit(lab, 'http://news.example/story');
      await visit(lab, 'http://other.example/', '127.0.0.5');
      await visit(lab, 'http://my.operator.example/', '127.0.0.6'); // allowed by the approved policy too
      await visit(lab, 'http://www.agegate.example/', '127.0.0.6'); // a claim to its own partner: allowed
      await visit(lab, 'http://my.operator.example/');
      adminReport = (await (await fetch(`${lab.gw.adminUrl}/audit/report?outsidePolicy=current`)).json()) as BreachReport;
      await lab.close();
      windowTo = Date.now() + 1;

      // After the fix.
      lab = await start('gw-after');
      await bind(lab, '127.0.0.5', '+447700900555');
      assert.equal((await visit(lab, 'http://news.example/', '127.0.0.5')).headers['x-msisdn'], undefined);
      await visit(lab, 'http://my.operator.example/', '127.0.0.5');
      await lab.close();
    });
    after(async () => be?.close());

    test('--outside-policy demo.yaml lists exactly the subscribers and sites the widened policy exposed', async (t) => {
      if (skip) return t.skip(skip);
      const r = await hedgeCli(['audit', 'report', '-c', cfg, '--outside-policy', DEMO_FILE, '--format', 'json']);
      assert.equal(r.code, 0, r.stderr);
      const rep = JSON.parse(r.stdout) as BreachReport;
      assert.deepEqual(
        rep.subscribers.map((s) => [s.msisdn, s.disclosures, s.sites]),
        [
          ['+447700900123', 2, ['news.example']],
          ['+447700900555', 1, ['other.example']],
        ],
      );
      assert.deepEqual(
        rep.sites.map((s) => [s.host, s.partner, s.disclosures, s.subscribers, s.attributes]),
        [
          ['news.example', 'selfcare', 2, 1, ['msisdn/raw']],
          ['other.example', 'selfcare', 1, 1, ['msisdn/raw']],
        ],
      );
      assert.deepEqual(rep.totals, { disclosures: 3, subscribers: 2, sites: 2, partners: 1 });
      assert.ok(Date.parse(rep.firstAt!) >= windowFrom && Date.parse(rep.lastAt!) < windowTo, 'first/last inside the window the bad policy was live');
      assert.match(rep.filters.outsidePolicy!, /demo\.yaml/);
    });

    test('a time window and filters select what was disclosed then', async (t) => {
      if (skip) return t.skip(skip);
      const all = JSON.parse(
        (await hedgeCli(['audit', 'report', '-c', cfg, '--from', new Date(windowFrom).toISOString(), '--to', new Date(windowTo).toISOString(), '--format', 'json'])).stdout,
      ) as BreachReport;
      assert.equal(all.totals.disclosures, 6, 'every disclosure while the widened policy was live');
      assert.deepEqual(all.subscribers.map((s) => s.msisdn).sort(), ['+447700900123', '+447700900555', '+447700900666']);
      const hosts = JSON.parse((await hedgeCli(['audit', 'report', '-c', cfg, '--host', '*.operator.example', '--format', 'json'])).stdout) as BreachReport;
      assert.deepEqual(
        hosts.sites.map((s) => s.host),
        ['my.operator.example'],
      );
      assert.equal(hosts.totals.disclosures, 5);
      const partner = JSON.parse((await hedgeCli(['audit', 'report', '-c', cfg, '--partner', 'agegate', '--format', 'json'])).stdout) as BreachReport;
      assert.deepEqual(
        partner.sites.map((s) => [s.host, s.attributes]),
        [['www.agegate.example', ['age-verified/claim']]],
      );
    });

    test('table and CSV carry the same rows', async (t) => {
      if (skip) return t.skip(skip);
      const table = await hedgeCli(['audit', 'report', '-c', cfg, '--outside-policy', DEMO_FILE]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /disclosures 3 +subscribers 2 +sites 2/);
      assert.match(table.stdout, /\+447700900555 +1 +other\.example/);
      const csv = await hedgeCli(['audit', 'report', '-c', cfg, '--outside-policy', DEMO_FILE, '--format', 'csv']);
      const lines = csv.stdout.trim().split('\r\n');
      assert.match(lines[0]!, /^msisdn,reference,partner,host,attributes,disclosures,first,last,exposure_started,/);
      assert.equal(lines.length, 4, 'header, two rows, the report seal');
      assert.match(lines[3]!, /^# hedge-report-signature v1 /);
      assert.match(lines[1]!, /^\+447700900123,[0-9a-f]{32},selfcare,news\.example,msisdn\/raw,2,/);
    });

    test('bad input gets a clear error', async (t) => {
      if (skip) return t.skip(skip);
      const r = await hedgeCli(['audit', 'report', '-c', cfg, '--from', 'yesterday-ish']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /HEDGE_ERR_AUDIT_REPORT: --from: "yesterday-ish" is not a time/);
    });

    test('the admin API serves the report read-only', async (t) => {
      if (skip) return t.skip(skip);
      // Taken while the widened policy was in force, against that same policy: nothing is outside it.
      assert.equal(adminReport.totals.disclosures, 0);
      const lab = await startLab({ edit: (y) => y + be!.yaml(parseLoc(cfg), { node: 'gw-admin' }) });
      try {
        const rep = (await (await fetch(`${lab.gw.adminUrl}/audit/report?outsidePolicy=current`)).json()) as BreachReport;
        assert.equal(rep.totals.disclosures, 3, 'the approved policy in force: the widened window shows');
        const html = await fetch(`${lab.gw.adminUrl}/audit/report?format=html&outsidePolicy=current`);
        assert.match(html.headers.get('content-type')!, /text\/html/);
        assert.match(await html.text(), /id="total-disclosures" data-total="disclosures">3</);
        const del = await fetch(`${lab.gw.adminUrl}/audit/report`, { method: 'DELETE' });
        assert.equal(del.status, 405);
        assert.equal(del.headers.get('allow'), 'GET', 'a 405 names the methods the endpoint takes (RFC 9110)');
        assert.equal((await fetch(`${lab.gw.adminUrl}/audit/report?from=nonsense`)).status, 400);
      } finally {
        await lab.close();
      }
    });

    test('the HTML report opens in headless Chromium and its numbers match the JSON', async (t) => {
      if (skip) return t.skip(skip);
      if (!existsSync('/usr/bin/chromium')) return t.skip(unavailable('Chromium', '/usr/bin/chromium not installed'));
      const htmlFile = join(be!.dir, 'report.html');
      const h = await hedgeCli(['audit', 'report', '-c', cfg, '--format', 'html', '-o', htmlFile]);
      assert.equal(h.code, 0, h.stderr);
      const rep = JSON.parse((await hedgeCli(['audit', 'report', '-c', cfg, '--format', 'json'])).stdout) as BreachReport;
      assert.ok(readFileSync(htmlFile, 'utf8').length > 1000);
      const browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
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
      });
      try {
        const page = await browser.newPage();
        const requests: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        await page.goto(`file://${htmlFile}`);
        assert.deepEqual(requests, [`file://${htmlFile}`], 'self-contained: loads nothing else');
        const totals = await page.$$eval('[data-total]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-total'), Number(e.textContent)])));
        assert.deepEqual(totals, rep.totals);
        const subs = await page.$$eval('#subscribers tbody tr', (rows) => rows.map((r) => [r.children[0]!.textContent, Number(r.children[1]!.textContent)]));
        assert.deepEqual(
          subs,
          rep.subscribers.map((s) => [s.msisdn, s.disclosures]),
        );
        const sites = await page.$$eval('#sites tbody tr', (rows) =>
          rows.map((r) => [r.children[0]!.textContent, Number(r.children[2]!.textContent), Number(r.children[3]!.textContent)]),
        );
        assert.deepEqual(
          sites,
          rep.sites.map((s) => [s.host, s.disclosures, s.subscribers]),
        );
        const bars = await page.$$eval('#timeline rect.bar', (els) => els.map((e) => Number(e.getAttribute('data-disclosures'))));
        assert.equal(bars.length, rep.timeline.buckets.length);
        assert.equal(
          bars.reduce((a, b) => a + b, 0),
          rep.totals.disclosures,
          'the timeline adds up to the total',
        );
        const box = await page.$eval('#timeline', (e) => e.getBoundingClientRect().height);
        assert.ok(box > 50, 'the chart renders');
        assert.match(await page.title(), /Subscriber identity disclosures/);
      } finally {
        await browser.close();
      }
    });
  });
}

/** The store location written into a config file's audit section. */
function parseLoc(cfgFile: string): { spec: string; schema: string } {
  const text = readFileSync(cfgFile, 'utf8');
  return { spec: JSON.parse(/store: (".*")/.exec(text)![1]!) as string, schema: JSON.parse(/schema: (".*")/.exec(text)![1]!) as string };
}
