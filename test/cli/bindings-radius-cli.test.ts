// The operator tooling: `hedge radius send` as a lab NAS, `hedge bindings
// list|show` through the admin API — run as real CLI processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { NAS_SECRET, withRadius } from '../helpers/radius.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
let lab: Lab;

function hedge(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  lab = await startLab({ edit: withRadius() });
});
after(async () => {
  await lab.close();
});

test('hedge radius send start/stop drives a binding; hedge bindings list/show read it', async () => {
  const server = `127.0.0.1:${lab.gw.radius!.address.port}`;
  const env = { HEDGE_RADIUS_SECRET: NAS_SECRET };
  const start = await hedge(
    ['radius', 'send', 'start', '--server', server, '--ip', '10.0.0.61', '--msisdn', '+447700900261', '--imsi', '001010000000261', '--rat', '6', '--session', 'cli-261'],
    env,
  );
  assert.equal(start.code, 0, start.stderr);
  assert.match(start.stdout, /Accounting-Response received \(start, session cli-261/);
  const r = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { localAddress: '127.0.0.61' });
  assert.equal(r.json().headers['x-msisdn'], '+447700900261');

  const list = await hedge(['bindings', 'list', '--admin', lab.gw.adminUrl]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /127\.0\.0\.61\s+\+447•+61\s+radius/);
  assert.ok(!list.stdout.includes('+447700900261'), 'list masks numbers');
  const show = await hedge(['bindings', 'show', '127.0.0.61', '--admin', lab.gw.adminUrl]);
  assert.equal(show.code, 0, show.stderr);
  const b = JSON.parse(show.stdout) as { msisdn: string; imsi: string; ratType: number };
  assert.deepEqual([b.msisdn, b.imsi, b.ratType], ['+447700900261', '001010000000261', 6]);

  const stop = await hedge(['radius', 'send', 'stop', '--server', server, '--ip', '10.0.0.61', '--session', 'cli-261'], env);
  assert.equal(stop.code, 0, stop.stderr);
  const gone = await hedge(['bindings', 'show', '127.0.0.61', '--admin', lab.gw.adminUrl]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /HEDGE_ERR_NOT_FOUND/);
});

test('hedge radius send with IPv6 attributes; hedge bindings list/show show prefixes', async () => {
  const server = `127.0.0.1:${lab.gw.radius!.address.port}`;
  const env = { HEDGE_RADIUS_SECRET: NAS_SECRET };
  const start = await hedge(
    [
      'radius',
      'send',
      'start',
      '--server',
      server,
      '--ip',
      '10.0.0.63',
      '--ipv6-prefix',
      '2001:db8:63::/64',
      '--delegated-prefix',
      '2001:db8:6300::/56',
      '--msisdn',
      '+447700900263',
      '--session',
      'cli-263',
    ],
    env,
  );
  assert.equal(start.code, 0, start.stderr);
  const list = await hedge(['bindings', 'list', '--admin', lab.gw.adminUrl]);
  assert.match(list.stdout, /2001:db8:63::\/64\s+\+447•+63\s+radius/);
  assert.match(list.stdout, /2001:db8:6300::\/56\s+\+447•+63/);
  for (const arg of ['2001:db8:63::abcd', '2001:db8:63::/64']) {
    const show = await hedge(['bindings', 'show', arg, '--admin', lab.gw.adminUrl]);
    assert.equal(show.code, 0, show.stderr);
    assert.deepEqual(((b) => [b.ip, b.msisdn])(JSON.parse(show.stdout) as { ip: string; msisdn: string }), ['2001:db8:63::/64', '+447700900263']);
  }
  const typo = await hedge(['bindings', 'show', '2001:db8:63::1/64', '--admin', lab.gw.adminUrl]);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /bits set beyond \/64; the prefix is 2001:db8:63::\/64/);
  const stop = await hedge(['radius', 'send', 'stop', '--server', server, '--ipv6-prefix', '2001:db8:63::/64', '--session', 'cli-263'], env);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal(await lab.gw.bindings.lookup('127.0.0.63'), undefined, 'the whole dual-stack session ended');
  assert.equal(await lab.gw.bindings.lookup('2001:db8:6300::1'), undefined);
});

test('hedge radius send with a wrong secret reports no answer and exits 1', async () => {
  const r = await hedge(
    ['radius', 'send', 'start', '--server', `127.0.0.1:${lab.gw.radius!.address.port}`, '--ip', '10.0.0.62', '--msisdn', '+447700900262', '--timeout', '300', '--retries', '0'],
    { HEDGE_RADIUS_SECRET: 'wrong-secret-wrong-secret' },
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no Accounting-Response/);
  assert.equal(await lab.gw.bindings.get('127.0.0.62'), undefined);
});

test('hedge radius send refuses incomplete input with a clear message', async () => {
  const r = await hedge(['radius', 'send', 'stop', '--ip', '10.0.0.63'], { HEDGE_RADIUS_SECRET: NAS_SECRET });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /stop needs an address of the session and --session/);
});

test('hedge radius send dates its events (Event-Timestamp: now, or --event-timestamp), so a gateway with requireEventTimestamp applies them', async () => {
  const strict = await startLab({ edit: withRadius('  requireEventTimestamp: true\n') });
  try {
    const server = `127.0.0.1:${strict.gw.radius!.address.port}`;
    const env = { HEDGE_RADIUS_SECRET: NAS_SECRET };
    const send = (ip: string, extra: string[]) => hedge(['radius', 'send', 'start', '--server', server, '--ip', ip, '--msisdn', '+447700900271', ...extra], env);
    const numberAt = async (source: string) => (await viaProxy(strict.gw.proxyAddress, 'http://my.operator.example/', { localAddress: source })).json().headers['x-msisdn'];

    const dated = await send('10.0.0.71', []);
    assert.equal(dated.code, 0, dated.stderr);
    assert.equal(await numberAt('127.0.0.71'), '+447700900271', 'dated now: applied');

    const undated = await send('10.0.0.72', ['--no-event-timestamp']);
    assert.equal(undated.code, 0, 'acknowledged all the same (the NAS stops retransmitting)');
    assert.equal(await numberAt('127.0.0.72'), undefined, 'undated: applied to nothing');

    const old = await send('10.0.0.73', ['--event-timestamp', String(Math.floor(Date.now() / 1000) - 3600)]);
    assert.equal(old.code, 0, old.stderr);
    assert.equal(await numberAt('127.0.0.73'), undefined, 'an hour old (over maxEventAgeSeconds): applied to nothing');

    const bad = await send('10.0.0.74', ['--event-timestamp', 'yesterday']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--event-timestamp: expected a whole number/);
  } finally {
    await strict.close();
  }
});
