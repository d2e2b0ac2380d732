// Threat: the subscriber's IP address leaves in a header the gateway added (or
// a URL it changed), written in another spelling than the socket's. The guard
// looked for the address only as Node spells it, as a whole word with no ":"
// or "." beside it, so it let through what stages, libraries and other
// systems actually write: an IPv4 client behind a dual-stack socket that was
// not unmapped ("::ffff:192.0.2.1"), an IPv4 address with its port
// ("Forwarded: for=\"192.0.2.1:4711\"", an X-Forwarded-For with ports),
// an IPv6 address uncompressed, partly compressed or in upper case (Java, C
// libraries, RADIUS), percent-encoded into a query ("%3A"), and — on a mobile
// network, where each phone has its own /64 and hedge binds subscribers by it
// — the /64 itself (a binding's key, "2001:db8:1:2::/64") or another address
// in it. The address is now read as an address, not matched as a string
// (src/detect/client-address.ts).
//
// Through the real gateway: a broken stage before the guard adds every
// spelling for the client on 127.0.0.1 and on ::1; none may arrive, and a URL
// changed to carry one is refused. Through the guard stage itself: a client at
// 2001:db8:1:2::42 (the lab can only use loopback), its /64 in every form, and
// the texts that are not its address, which must pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy } from '../helpers/gateway.js';
import { beforeGuard, makeFlow, SUBSCRIBER } from '../helpers/pipeline.js';
import { CONTINUE, type Stage } from '../../src/pipeline/stage.js';
import { egressGuard } from '../../src/pipeline/stages/egress-guard.js';
import type { GuardHit } from '../../src/pipeline/egress-hits.js';
import { ErrorCodes } from '../../src/shared/errors.js';

/** What a careless stage might write for the client's address: each one the address, respelled. */
function respellings(address: string): string[] {
  if (address === '127.0.0.1')
    return [
      'for="127.0.0.1:4711"',
      '203.0.113.9:443, 127.0.0.1:51234',
      '::ffff:127.0.0.1',
      'for="[::ffff:127.0.0.1]:51234"',
      '::ffff:7f00:1',
      '::FFFF:7F00:0001',
      '0:0:0:0:0:ffff:7f00:1',
      encodeURIComponent('[::ffff:127.0.0.1]:80'),
      '127%2E0%2E0%2E1',
      '1.0.0.127.in-addr.arpa',
    ];
  return ['0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001', '::0:1', 'for="[0::1]:443"', encodeURIComponent('::1'), encodeURIComponent('[::1]:443')];
}

function respellEverything(): Stage {
  return {
    name: 'broken-enrich-respelled-address',
    onError: 'no-enrichment',
    onRequest(flow) {
      respellings(flow.clientAddress).forEach((v, i) => flow.headers.push(`X-Client-${i}`, v));
      return CONTINUE;
    },
  };
}

for (const [family, address, listen] of [
  ['IPv4', '127.0.0.1', '127.0.0.1:0'],
  ['IPv6', '::1', '[::1]:0'],
] as const) {
  test(`${family} client: a broken stage adding its address respelled — news.example receives none of it`, async () => {
    const lab = await startLab({ proxyListen: listen, transformPipeline: beforeGuard(respellEverything()) });
    try {
      const r = await viaProxy({ address, port: lab.gw.proxyAddress.port }, 'http://news.example/');
      assert.equal(r.status, 200, 'traffic keeps flowing');
      const got = r.json().headers;
      const spellings = respellings(address);
      const arrived = spellings.filter((_, i) => got[`x-client-${i}`] !== undefined);
      assert.deepEqual(arrived, [], 'spellings of the client address that reached the origin');
    } finally {
      await lab.close();
    }
  });

  test(`${family} client: a stage putting its address, percent-encoded, into the URL is refused`, async () => {
    const rewrite: Stage = {
      name: 'broken-rewrite-address',
      onError: 'no-enrichment',
      onRequest(flow) {
        flow.target.path = `/?from=${encodeURIComponent(`[${flow.clientAddress === '::1' ? '::1' : `::ffff:${flow.clientAddress}`}]:443`)}`;
        return CONTINUE;
      },
    };
    const lab = await startLab({ proxyListen: listen, transformPipeline: beforeGuard(rewrite) });
    try {
      const r = await viaProxy({ address, port: lab.gw.proxyAddress.port }, 'http://news.example/');
      assert.equal(r.status, 500, 'refused, not sent');
      assert.equal(r.headers['x-hedge-error'], ErrorCodes.EGRESS_REFUSED);
    } finally {
      await lab.close();
    }
  });
}

const CLIENT = '2001:db8:1:2::42';

/** Runs the egress guard on a flow from CLIENT whose gateway added `value` as X-Probe; the hit on X-Probe, if any. */
function guardHit(value: string, clientAddress = CLIENT): GuardHit | undefined {
  const hits: GuardHit[] = [];
  const f = makeFlow({ subscriber: SUBSCRIBER, url: 'http://news.example/', clientAddress });
  f.headers.push('Via', '1.1 hedge', 'X-Probe', value);
  assert.deepEqual(egressGuard({ onHits: (h) => hits.push(...h) }).onRequest(f), CONTINUE);
  assert.equal(f.header('Via'), '1.1 hedge', 'Via stays');
  return hits.find((h) => h.header === 'x-probe');
}

test('an IPv6 client: its address in every spelling, its /64 and the addresses in it are removed', () => {
  const leaks: [string, string][] = [
    ['uncompressed', '2001:0db8:0001:0002:0000:0000:0000:0042'],
    ['partly compressed', '2001:db8:1:2:0:0:0:42'],
    ['compressed elsewhere', '2001:db8:1:2:0::42'],
    ['upper case', '2001:DB8:1:2::42'],
    ['with a port, unbracketed', '2001:db8:1:2:0:0:0:42:443'],
    ['after a label', 'ip:2001:db8:1:2::42'],
    ['percent-encoded', '2001%3Adb8%3A1%3A2%3A%3A42'],
    ['percent-encoded with brackets and port', '%5B2001%3Adb8%3A1%3A2%3A%3A42%5D%3A443'],
    ['the /64, a binding key', '2001:db8:1:2::/64'],
    ['the /64, bare', 'prefix=2001:db8:1:2::'],
    ['another address in the /64 (a privacy address)', 'for="[2001:db8:1:2:a1b2:c3d4:e5f6:789]"'],
    ['hex without colons', '20010db8000100020000000000000042'],
    ['the /64 as a limit key', '20010DB800010002::/64'],
    ['reverse DNS', '2.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'],
    ['reverse DNS of the /64', '2.0.0.0.1.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA'],
  ];
  const missed = leaks.filter(([, v]) => guardHit(v)?.attribute !== 'client-ip').map(([what]) => what);
  assert.deepEqual(missed, [], 'spellings the guard let through');
  assert.equal(guardHit(leaks[0]![1])!.reason, 'identifier');
});

test('an IPv4 client behind a dual-stack socket: the mapped and ported forms are removed', () => {
  const leaks = ['::ffff:192.0.2.1', '::ffff:c000:201', 'for="192.0.2.1:4711"', '192.0.2.1:443', '1.2.0.192.in-addr.arpa'];
  assert.deepEqual(
    leaks.filter((v) => guardHit(v, '192.0.2.1')?.attribute !== 'client-ip'),
    [],
    'from 192.0.2.1',
  );
  assert.deepEqual(
    leaks.filter((v) => guardHit(v, '::ffff:192.0.2.1')?.attribute !== 'client-ip'),
    [],
    'from ::ffff:192.0.2.1 (not unmapped)',
  );
});

test('text that is not the client address passes', () => {
  const ordinary = [
    '1.1 hedge',
    'for="[2001:db8:1:3::42]:443"', // the neighbouring /64: another subscriber
    '2001:db8::/32', // the operator's prefix
    '2001:db8:1::/48',
    'time 10:42:00, ratio 1:2',
    '2001-01-02',
    '20010db800010003',
    'v=1:2::42',
    'f00d::42',
  ];
  assert.deepEqual(
    ordinary.filter((v) => guardHit(v) !== undefined),
    [],
    'from 2001:db8:1:2::42',
  );
  const v4 = ['192.0.2.10', '192.0.2.11:443', '10.192.0.2.1', '::ffff:192.0.2.2', '1.1 hedge'];
  assert.deepEqual(
    v4.filter((v) => guardHit(v, '192.0.2.1') !== undefined),
    [],
    'from 192.0.2.1',
  );
  // Loopback and link-local /64s are everyone's: only the address itself counts there.
  assert.equal(guardHit('::2', '::1'), undefined, '::2 from ::1');
  assert.equal(guardHit('fe80::2', 'fe80::1'), undefined, 'fe80::2 from fe80::1');
  assert.equal(guardHit('fe80::1%eth0', 'fe80::1')?.attribute, 'client-ip', 'fe80::1 itself');
});
