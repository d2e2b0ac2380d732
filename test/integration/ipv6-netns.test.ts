// Issue "Bindings for today's networks", acceptance, end to end with real
// IPv6 addresses: a network namespace of the test's own (ip netns, as root)
// holds the gateway at 2001:db8:ffff::1, two phone addresses in one /64
// (2001:db8:1:2::10 and ::20) and one outside it (2001:db8:1:3::30). The
// gateway binds the prefix 2001:db8:1:2::/64 (static binding) and runs as a
// real `hedge start` process inside the namespace; curl, also inside, sends
// from each address. Nothing leaves the namespace (test/helpers/netns.ts).
// Without root or ip netns (e.g. a container without CAP_SYS_ADMIN) the test
// is skipped with a message, a failure under CI=true:
// test/integration/ipv6-bindings.test.ts covers the same through ::1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestNamespace } from '../helpers/netns.js';

const GATEWAY = '2001:db8:ffff::1';
const PHONE_A = '2001:db8:1:2::10';
const PHONE_B = '2001:db8:1:2::20';
const OUTSIDE = '2001:db8:1:3::30';
const ns = new TestNamespace('hedge-v6');
let dir: string | undefined;

before(async () => {
  if (!ns.create([GATEWAY, PHONE_A, PHONE_B, OUTSIDE])) return;
  dir = mkdtempSync(join(tmpdir(), 'hedge-netns-'));
  const cfg = join(dir, 'hedge.yaml');
  writeFileSync(
    cfg,
    `operator: { name: Namespace Mobile, country: GB }
proxy:
  listen: "[${GATEWAY}]:8080"
  mode: forward
  resolve:
    "*.example": "[::1]:8081"
admin:
  listen: "[::1]:9090"
subscribers:
  store: memory
  static:
    - { ip: "2001:db8:1:2::/64", msisdn: "+447700900371" }
canary:
  enabled: false
partners:
  - id: selfcare
    name: Self-care
    purpose: self-care
    hosts: [my.operator.example]
    send:
      - { attribute: msisdn, form: raw, header: X-MSISDN, cleartext: allowed }
`,
  );
  ns.node(['-e', "import('./src/demo/echo-origin.ts').then((m) => m.startEchoOrigin('::1', 8081))"]);
  ns.node(['src/cli/main.ts', 'start', '--config', cfg]);
  await ns.untilHttp200('the gateway', ['-x', `http://[${GATEWAY}]:8080`, 'http://my.operator.example/']);
});

after(async () => {
  await ns.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function msisdnFrom(source: string): string | undefined {
  const r = ns.exec('curl', ['-s', '--max-time', '5', '--interface', source, '-x', `http://[${GATEWAY}]:8080`, 'http://my.operator.example/']);
  assert.equal(r.status, 0, r.stderr);
  const echo = JSON.parse(r.stdout) as { headers: Record<string, string> };
  return echo.headers['x-msisdn'];
}

test('two addresses of a bound /64 are enriched for the partner; an address outside it is not', (t) => {
  if (ns.skip) return t.skip(ns.skip);
  assert.equal(msisdnFrom(PHONE_A), '+447700900371');
  assert.equal(msisdnFrom(PHONE_B), '+447700900371', 'another address of the same /64 (a new privacy address)');
  assert.equal(msisdnFrom(OUTSIDE), undefined, 'the next /64 is someone else');
});
