// Issue "What does my phone tell websites?", acceptance: the leak checker
// mounted in the demo network at check.example. Through the demo gateway, as
// a non-partner host it sees a clean connection; configured as a partner host
// it sees exactly the granted headers, and says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, type RunningGateway } from '../../src/node/gateway.js';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { CheckerServer, type RunningChecker } from '../../src/checker/server.js';
import { silentLogger } from '../../src/shared/log.js';
import { demoConfig, viaProxy } from '../helpers/gateway.js';

interface Report {
  verdict: string;
  headers: { name: string; kind: string; masked: string; value?: string; findings: { kind: string; what: string }[] }[];
}

let origin: EchoOrigin;
let checker: RunningChecker;
const pinChecker = (y: string) => y.replace('check.example: 127.0.0.1:8082', `check.example: 127.0.0.1:${checker.httpAddress!.port}`);

before(async () => {
  origin = await startEchoOrigin('127.0.0.1', 0);
  checker = await new CheckerServer({ http: { host: '127.0.0.1', port: 0 }, rateLimit: { limit: 1000, windowMs: 60_000 }, log: silentLogger }).listen();
});
after(async () => {
  await checker.close();
  await origin.close();
});

async function withGateway(edit: (y: string) => string, fn: (gw: RunningGateway) => Promise<void>) {
  const gw = await startGateway(
    demoConfig(origin, (y) => edit(pinChecker(y))),
    { log: silentLogger },
  );
  try {
    await fn(gw);
  } finally {
    await gw.stop(100);
  }
}

const CLIENT_HEADERS = { 'User-Agent': 'Mozilla/5.0 (Linux; Android 14) Mobile', Accept: 'text/html' };

test('the demo config routes check.example to the checker, not the echo origin', async () => {
  assert.match(demoConfig(origin).config.proxy.resolve['check.example'] ?? '', /^127\.0\.0\.1:8082$/);
});

test('through the demo gateway, the checker as a non-partner host shows clean', async () => {
  await withGateway(
    (y) => y,
    async (gw) => {
      const r = await viaProxy(gw.proxyAddress, 'http://check.example/api/check', { headers: CLIENT_HEADERS });
      assert.equal(r.status, 200, r.body);
      const rep = r.json<Report>();
      assert.equal(rep.verdict, 'clean');
      assert.deepEqual(
        rep.headers.filter((h) => h.kind !== 'ordinary').map((h) => h.name),
        [],
      );
      const page = await viaProxy(gw.proxyAddress, 'http://check.example/', { headers: CLIENT_HEADERS });
      assert.match(page.body, /data-verdict="clean"/);
    },
  );
});

test('the same checker configured as a partner host shows exactly the granted headers', async () => {
  const partner = `
  - id: leakcheck
    name: Leak checker as a partner
    purpose: self-care
    hosts: [check.example]
    send:
      - { attribute: msisdn, form: raw, format: digits, header: X-Up-Calling-Line-ID, cleartext: allowed }
      - { attribute: age-verified, header: X-Age-Verified }
`;
  await withGateway(
    (y) => y.trimEnd() + '\n' + partner,
    async (gw) => {
      const r = await viaProxy(gw.proxyAddress, 'http://check.example/api/check?reveal=1', { headers: CLIENT_HEADERS });
      assert.equal(r.status, 200, r.body);
      const rep = r.json<Report>();
      assert.equal(rep.verdict, 'identity');
      const sent = new Set(['host', ...Object.keys(CLIENT_HEADERS).map((h) => h.toLowerCase())]);
      const added = rep.headers.map((h) => h.name.toLowerCase()).filter((n) => !sent.has(n) && n !== 'via' && n !== 'connection');
      // Exactly the granted headers, plus the gateway's RFC 9421 signature over them (docs/partners.md).
      assert.deepEqual(added.sort(), ['hedge-partner', 'signature', 'signature-input', 'x-age-verified', 'x-up-calling-line-id'], 'exactly the granted headers arrived');
      for (const n of ['signature', 'signature-input', 'hedge-partner'])
        assert.equal(rep.headers.find((h) => h.name.toLowerCase() === n)!.kind, 'ordinary', `${n} is explained, not flagged`);
      const clid = rep.headers.find((h) => h.name.toLowerCase() === 'x-up-calling-line-id')!;
      assert.equal(clid.kind, 'identity');
      assert.equal(clid.value, '447700900123');
      assert.deepEqual(
        rep.headers.filter((h) => h.kind === 'identity' || h.kind === 'tracking').map((h) => h.name.toLowerCase()),
        ['x-up-calling-line-id'],
        'only the granted identity header is flagged',
      );
    },
  );
});
