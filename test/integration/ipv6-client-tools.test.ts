// Issue "Bindings for today's networks": the tools that prove nothing leaks
// work for an IPv6 client too — the leak-check page visited through the proxy
// by a phone at ::1 bound by prefix, and the canary with its source on ::1.
// Loopback only (::1 is the one IPv6 address of lo).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { CheckerServer, type RunningChecker } from '../../src/checker/server.js';
import { silentLogger } from '../../src/shared/log.js';
import type { CanaryResult } from '../../src/canary/canary.js';

const labs: Lab[] = [];
let checker: RunningChecker | undefined;
after(async () => {
  for (const l of labs) await l.close();
  await checker?.close();
});

test('a phone at ::1, bound by its /64: enriched at the partner, the leak-check page (over IPv6) finds nothing', async () => {
  checker = await new CheckerServer({ http: { host: '::1', port: 0 }, rateLimit: { limit: 1000, windowMs: 60_000 }, log: silentLogger }).listen();
  assert.match(checker.httpUrl!, /^http:\/\/\[::1\]:\d+$/);
  const lab = await startLab({
    proxyListen: '[::1]:0',
    edit: (y) =>
      y
        .replace(/check\.example: 127\.0\.0\.1:\d+/, `check.example: "[::1]:${checker!.httpAddress!.port}"`)
        .replace('  static:\n', '  static:\n    - ip: "::/64"\n      msisdn: "+447700900361"\n'),
  });
  labs.push(lab);
  const partner = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { localAddress: '::1' });
  assert.equal(partner.json().headers['x-msisdn'], '+447700900361');
  const page = await viaProxy(lab.gw.proxyAddress, 'http://check.example/api/check', { localAddress: '::1' });
  assert.equal(page.status, 200, page.body);
  const report = JSON.parse(page.body) as { verdict: string; headers: { name: string }[] };
  assert.equal(report.verdict, 'clean', page.body);
  assert.ok(!page.body.includes('447700900361'));
});

test('the canary runs with its source on ::1 and passes', async () => {
  const lab = await startLab({ proxyListen: '[::1]:0', adminListen: '[::1]:0', edit: (y) => y.replace(/^partners:/m, 'canary:\n  source: "::1"\npartners:') });
  labs.push(lab);
  const run = (await (await fetch(`${lab.gw.adminUrl}/canary/run`, { method: 'POST' })).json()) as CanaryResult;
  assert.equal(run.ok, true, JSON.stringify(run.findings));
  assert.ok(run.checks > 0);
  const b = (await (await fetch(`${lab.gw.adminUrl}/bindings/${encodeURIComponent('::1')}`)).json()) as { ip: string; source: string };
  assert.deepEqual([b.ip, b.source], ['::1/128', 'canary']);
});
