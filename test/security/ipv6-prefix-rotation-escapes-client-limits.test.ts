// Threat: one IPv6 client escapes the limits kept per client by sending from
// many addresses of its own /64. A phone is given a whole /64 (RFC 6459) and
// picks its source addresses freely (privacy addresses), so a limit keyed by
// the full IPv6 address bounded nothing:
//  - the per-client connection cap: a hostile host could take all of
//    proxy.limits.maxConnections and starve every other subscriber;
//  - the request rate limit of the subscriber's page and of the leak checker
//    (the same RateLimiter): a hostile host could send without limit.
// Both now count an IPv6 client by its /64, as the upload fair share already did.
//
// Real addresses: a network namespace of the test's own (ip netns, as root)
// holds the gateway at 2001:db8:ffff::1, three addresses of one /64
// (2001:db8:1:2::10, ::20, ::30) and one of the next /64. The gateway is a
// real `hedge start` inside it; a Node client inside it opens one keep-alive
// connection from each address in turn and holds them. Nothing leaves the
// namespace (test/helpers/netns.ts). The subscriber's page is the rate
// limit's listener here; the leak checker uses the same limiter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestNamespace } from '../helpers/netns.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GATEWAY = '2001:db8:ffff::1';
const SAME_PREFIX = ['2001:db8:1:2::10', '2001:db8:1:2::20', '2001:db8:1:2::30'];
const NEXT_PREFIX = '2001:db8:1:3::10';
const ns = new TestNamespace('hedge-cap');
let dir: string | undefined;

// Run inside the namespace: opens one connection from each source address in
// turn (each after the one before has been answered or closed), sends a
// request the gateway answers itself (a host it cannot resolve), holds every
// connection, and prints per address whether the gateway answered on it.
const CLIENT = `
const net = require('node:net');
const [gateway, ...sources] = process.argv.slice(1);
const held = [];
const out = {};
(async () => {
  for (const src of sources) {
    out[src] = await new Promise((resolve) => {
      const s = net.connect({ host: gateway, port: 8080, localAddress: src });
      held.push(s);
      let got = '';
      const t = setTimeout(() => resolve('no answer'), 5000);
      s.on('error', () => {});
      s.on('connect', () => s.write('GET http://nowhere.invalid/ HTTP/1.1\\r\\nHost: nowhere.invalid\\r\\n\\r\\n'));
      s.on('data', (c) => { got += c; if (got.includes('\\r\\n\\r\\n')) { clearTimeout(t); resolve('answered ' + got.slice(9, 12)); } });
      s.on('close', () => { clearTimeout(t); resolve(got ? 'answered ' + got.slice(9, 12) : 'closed at accept'); });
    });
  }
  process.stdout.write(JSON.stringify(out));
  for (const s of held) s.destroy();
})();
`;

before(async () => {
  if (!ns.create([GATEWAY, ...SAME_PREFIX, NEXT_PREFIX])) return;
  dir = mkdtempSync(join(tmpdir(), 'hedge-cap-'));
  const cfg = join(dir, 'hedge.yaml');
  // The subscriber's page reads the audit: it needs one, with its keys.
  const keygen = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'keygen', '--key-file', join(dir, 'audit.key'), '--signing-key-file', join(dir, 'audit-signing.pem')],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(keygen.status, 0, keygen.stderr);
  writeFileSync(
    cfg,
    `operator: { name: Namespace Mobile, country: GB }
proxy:
  listen: "[${GATEWAY}]:8080"
  mode: forward
  limits:
    maxConnectionsPerAddress: 2
admin:
  listen: "[::1]:9090"
subscribers:
  store: memory
canary:
  enabled: false
partners: []
audit:
  store: ${JSON.stringify(`sqlite:${join(dir, 'audit.db')}`)}
  keyFile: ${JSON.stringify(join(dir, 'audit.key'))}
  signingKeyFile: ${JSON.stringify(join(dir, 'audit-signing.pem'))}
transparency:
  listen: "[${GATEWAY}]:8084"
  rateLimitPerMinute: 2
`,
  );
  ns.node(['src/cli/main.ts', 'start', '--config', cfg]);
  await ns.untilHttp200('the gateway', ['http://[::1]:9090/livez']);
  // The page listens after the admin API (it is loaded on demand): wait for it too, or a loaded machine refuses the first request.
  await ns.untilHttp200("the subscriber's page", [`http://[${GATEWAY}]:8084/`]);
});

after(async () => {
  await ns.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Run inside the namespace: one GET of the subscriber's page from each source address in turn; prints each status.
const PAGE = `
const http = require('node:http');
const [gateway, ...sources] = process.argv.slice(1);
const out = {};
(async () => {
  for (const src of sources)
    out[src] = await new Promise((resolve) => {
      const req = http.get({ host: gateway, port: 8084, path: '/', localAddress: src, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
      req.on('error', (e) => resolve(e.code));
      req.setTimeout(5000, () => req.destroy());
    });
  process.stdout.write(JSON.stringify(out));
})();
`;

test("the subscriber page's rate limit counts an IPv6 client by its /64, not by each of its addresses", (t) => {
  if (ns.skip) return t.skip(ns.skip);
  const r = ns.exec(process.execPath, ['-e', PAGE, GATEWAY, ...SAME_PREFIX, NEXT_PREFIX], 30_000);
  assert.equal(r.status, 0, r.stderr);
  const seen = JSON.parse(r.stdout) as Record<string, number | string>;
  assert.notEqual(seen[SAME_PREFIX[0]!], 429);
  assert.notEqual(seen[SAME_PREFIX[1]!], 429);
  assert.equal(seen[SAME_PREFIX[2]!], 429, 'a third request from the same /64 within the minute is over its limit of 2');
  assert.notEqual(seen[NEXT_PREFIX], 429, 'the next /64 is another subscriber');
  assert.equal(typeof seen[NEXT_PREFIX], 'number');
});

test('the per-client connection cap counts an IPv6 client by its /64, not by each of its addresses', (t) => {
  if (ns.skip) return t.skip(ns.skip);
  const r = ns.exec(process.execPath, ['-e', CLIENT, GATEWAY, ...SAME_PREFIX, NEXT_PREFIX], 30_000);
  assert.equal(r.status, 0, r.stderr);
  const seen = JSON.parse(r.stdout) as Record<string, string>;
  assert.deepEqual(seen, {
    [SAME_PREFIX[0]!]: 'answered 502',
    [SAME_PREFIX[1]!]: 'answered 502',
    // A third address of the same /64 is the same client, over its cap of 2.
    [SAME_PREFIX[2]!]: 'closed at accept',
    // The next /64 is another subscriber: still served.
    [NEXT_PREFIX]: 'answered 502',
  });
});
