// Issue "What does my phone tell websites?", acceptance: `hedge scan` on a HAR
// with one leaking request among clean ones reports that one and exits 1; on
// a clean HAR it exits 0. Run as an operator runs it: the real CLI process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIX = 'test/fixtures/captures';
/** A folder of its own for a test's files, removed after the file's tests. */
const scratch = (): string => {
  const made = mkdtempSync(join(tmpdir(), 'hedge-scan-'));
  after(() => rmSync(made, { recursive: true, force: true }));
  return made;
};
const hedge = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'scan', ...args], { encoding: 'utf8', timeout: 60_000 });

interface Json {
  requests: number;
  findings: { request: { source: string; method: string; url: string }; where: string; name: string; kind: string; what: string; confidence: string; value: string }[];
  counts: { identity: number; tracking: number; device: number };
}

test('a HAR with one leaking request among clean ones: that one is reported, exit 1', () => {
  const r = hedge([`${FIX}/one-leak.har`]);
  assert.equal(r.status, 1, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => l.includes('one-leak.har entry'));
  assert.equal(rows.length, 1, r.stdout);
  assert.match(rows[0]!, /entry 3 .*X-Up-Calling-Line-ID +identity +msisdn/);
  assert.ok(!r.stdout.includes('447700900123'), 'the value is masked');
  assert.match(r.stdout, /1 finding\(s\) in 5 request\(s\): 1 identity/);

  const j = hedge([`${FIX}/one-leak.har`, '--json']);
  assert.equal(j.status, 1);
  const out = JSON.parse(j.stdout) as Json;
  assert.equal(out.requests, 5);
  assert.equal(out.findings.length, 1);
  const f = out.findings[0]!;
  assert.deepEqual(
    [f.request.source, f.request.method, f.where, f.name, f.kind, f.what],
    [`${FIX}/one-leak.har entry 3`, 'GET', 'header', 'X-Up-Calling-Line-ID', 'identity', 'msisdn'],
  );
  assert.ok(['high', 'medium'].includes(f.confidence));
  assert.match(f.value, /^447•+23$/);
  assert.equal(f.request.url, 'http://ads.example/pixel.gif?cb=…', 'query values never printed');
});

test('a clean HAR exits 0 and says so', () => {
  const r = hedge([`${FIX}/clean.har`]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /no leaks found in 4 request\(s\)/);
});

test('a tracking token alone does not fail the gate unless asked (--fail-on tracking)', () => {
  const r = hedge([`${FIX}/tracking.har`]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /X-UIDH +tracking/);
  assert.equal(hedge([`${FIX}/tracking.har`, '--fail-on', 'tracking']).status, 1);
});

test('--subscriber finds that subscriber in any encoding, even in headers and URLs nobody catalogued', () => {
  const dir = scratch();
  const f = join(dir, 'custom.txt');
  const b64 = Buffer.from('+447700900123').toString('base64');
  writeFileSync(f, `GET http://ads.example/x?u=%2B447700900123\nHost: ads.example\nX-Custom-Sub: ${b64}\n\nGET http://news.example/\nHost: news.example\n`);
  const r = hedge([f, '--subscriber', '+447700900123', '--json']);
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout) as Json;
  const names = out.findings.filter((x) => x.confidence === 'high').map((x) => `${x.where}:${x.name}`);
  assert.ok(names.includes('header:X-Custom-Sub'), JSON.stringify(out.findings));
  assert.ok(names.includes('url:query u'), JSON.stringify(out.findings));
  assert.ok(!r.stdout.includes(b64) && !r.stdout.includes('447700900123'));
});

test('issue 13: a config file is not a capture: refused, its numbers not reported as leaks', () => {
  const r = hedge(['examples/demo.yaml']);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /examples\/demo\.yaml: a hedge config file, not a capture of traffic/);
  const dir = scratch();
  writeFileSync(join(dir, 'app.yml'), 'name: shop\nowner: "+447700900123"\n');
  const y = hedge([join(dir, 'app.yml')]);
  assert.equal(y.status, 2);
  assert.match(y.stderr, /app\.yml: a configuration file \(\.yml\), not a capture/);
  const forced = hedge([join(dir, 'app.yml'), '--format', 'headers']);
  assert.equal(forced.status, 1, 'read as a header list when asked to');
});

test('bad usage and unreadable files exit 2 with a clear message', () => {
  const missing = hedge([`${FIX}/nope.har`]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /HEDGE_ERR_CAPTURE_UNREADABLE .*nope\.har: cannot read: ENOENT/);
  assert.equal(missing.stdout, '', 'issue 13: nothing ("no leaks found") is printed before the error');
  const mixed = hedge([`${FIX}/clean.har`, `${FIX}/nope.har`]);
  assert.equal(mixed.status, 2);
  assert.equal(mixed.stdout, '', 'one unreadable file: nothing scanned, nothing printed');
  assert.match(mixed.stderr, /1 of 2 file\(s\) could not be read as captures; nothing scanned/);
  const bad = hedge([`${FIX}/clean.har`, '--subscriber', 'not-a-number']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--subscriber: not a phone number/);
  assert.equal(hedge([`${FIX}/clean.har`, '--format', 'pcap']).status, 2);
  const dir = scratch();
  writeFileSync(join(dir, 'broken.har'), '{"log": {"entries": [');
  const broken = hedge([join(dir, 'broken.har')]);
  assert.equal(broken.status, 2);
  assert.match(broken.stderr, /broken\.har: not valid JSON/);
});
