// Issue 16, the breach report a regulator can act on: a widened policy goes
// live by a reload and is reverted by another. The report names the reload as
// the cause, when the exposure started, was detected and stopped, the
// notification deadlines, and that the chain verified; the redacted variant
// holds no number; per-subscriber notices; the report's own seal fails after
// one changed byte.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { startGateway, type RunningGateway } from '../../src/node/gateway.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger } from '../../src/shared/log.js';
import type { BreachReport } from '../../src/audit/report.js';
import { DEMO_YAML, viaProxy } from '../helpers/gateway.js';
import { auditBackend, hedgeCli, ROOT, type AuditBackend } from '../helpers/audit.js';

const DEMO_FILE = join(ROOT, 'examples/demo.yaml');
const widen = (y: string) => y.replace('hosts: [my.operator.example]', 'hosts: [my.operator.example, news.example]');
const NUMBER = /\+?447700900\d{3}/;

describe('breach report: cause, detection, deadlines, chain, redaction, notices, seal', () => {
  let be: AuditBackend | string;
  let dir: string;
  let cfg: string;
  let origin: EchoOrigin;
  let gw: RunningGateway;
  let leakFrom: number;
  let leakTo: number;
  // Detected the way 2012's was: a customer's report, the next morning.
  const detectedAt = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 9 * 3_600_000;
  const detected = new Date(detectedAt).toISOString();
  const plus = (h: number) => new Date(detectedAt + h * 3_600_000).toISOString();

  before(async () => {
    be = await auditBackend('sqlite');
    if (typeof be === 'string') return;
    dir = mkdtempSync(join(tmpdir(), 'hedge-incident-'));
    origin = await startEchoOrigin('127.0.0.1', 0);
    const approved =
      DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
        .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
        .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0') + be.yaml(be.fresh(), { node: 'gw-incident' });
    cfg = join(dir, 'hedge.yaml');
    writeFileSync(cfg, approved);
    gw = await startGateway(loadConfigFile(cfg), { log: silentLogger });
    const reload = async () => {
      const r = await fetch(`${gw.adminUrl}/policy/reload`, { method: 'POST' });
      assert.equal(r.status, 200, await r.text());
    };
    const visit = async (url: string, localAddress = '127.0.0.1') => (await viaProxy(gw.proxyAddress, url, { localAddress })).json();
    const put = await fetch(`${gw.adminUrl}/bindings/127.0.0.5`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: '+447700900555' }),
    });
    assert.equal(put.status, 201);

    await visit('http://news.example/');
    await visit('http://my.operator.example/');
    // The maintenance change goes live by a reload …
    writeFileSync(cfg, widen(approved));
    await reload();
    leakFrom = Date.now();
    assert.equal((await visit('http://news.example/a')).headers['x-msisdn'], '+447700900123', 'the widened policy leaks');
    await visit('http://news.example/b', '127.0.0.5');
    await visit('http://news.example/c');
    leakTo = Date.now();
    // … and is reverted by another.
    writeFileSync(cfg, approved);
    await reload();
    assert.equal((await visit('http://news.example/d')).headers['x-msisdn'], undefined);
    await gw.stop(200);
  });

  after(async () => {
    await origin?.close();
    if (typeof be !== 'string') await be?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const report = async (...args: string[]) => {
    const r = await hedgeCli(['audit', 'report', '-c', cfg, '--outside-policy', DEMO_FILE, '--detected', detected, ...args]);
    assert.equal(r.code, 0, r.stderr);
    return r;
  };

  test('the report names the reload as cause, the start, detection and stop, the deadlines and the verified chain', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const rep = JSON.parse((await report('--format', 'json')).stdout) as BreachReport;
    assert.deepEqual(
      rep.subscribers.map((s) => [s.msisdn, s.disclosures]),
      [
        ['+447700900123', 2],
        ['+447700900555', 1],
      ],
    );
    const i = rep.incident!;
    assert.equal(i.cause?.type, 'policy-reload');
    assert.equal(i.cause?.trigger, 'admin');
    assert.ok(
      i.cause!.exposure.some((l) => /selfcare/.test(l) && /news\.example/.test(l)),
      `exposure diff names the widened grant: ${JSON.stringify(i.cause!.exposure)}`,
    );
    const started = Date.parse(i.exposureStartedAt!);
    assert.ok(started <= leakFrom && started > leakFrom - 10_000, 'the exposure started when the reload applied');
    assert.equal(i.detectedAt, detected);
    assert.equal(i.detectedBy, 'stated by the operator');
    assert.equal(i.stoppedBy?.type, 'policy-reload');
    assert.ok(Date.parse(i.stoppedAt!) >= leakTo, 'stopped by the reverting reload');
    assert.deepEqual(
      i.deadlines.map((d) => [d.name, d.due]),
      [
        ['ICO (UK PECR reg. 5A)', plus(24)],
        ['Supervisory authority (GDPR Art. 33)', plus(72)],
        ['Subscribers (GDPR Art. 34; PECR reg. 5A(3))', null],
      ],
    );
    assert.equal(i.chain.ok, true);
    assert.equal(i.chain.signaturesChecked, true);
    assert.ok(i.chain.records > 5);
  });

  test('the incident is in every format', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const table = (await report()).stdout;
    assert.match(table, /^cause +policy-reload on gw-incident \(admin\) at .*\n +\+ news\.example +msisdn: newly-disclosed/m);
    assert.ok(table.includes(`deadline          ${plus(24)}  ICO (UK PECR reg. 5A)`), table);
    assert.match(table, /^audit chain +verified: \d+ records in 1 chain\(s\), signed checkpoints checked/m);
    const csv = (await report('--format', 'csv')).stdout.split('\r\n');
    assert.match(csv[0]!, /,exposure_started,cause,detected,stopped,deadline_ico_pecr,deadline_gdpr_art33,audit_chain$/);
    assert.ok(
      csv[1]!.endsWith(`,${detected},${(JSON.parse((await report('--format', 'json')).stdout) as BreachReport).incident!.stoppedAt},${plus(24)},${plus(72)},verified`),
      csv[1],
    );
    assert.match(csv[1]!, /,policy-reload [^,]+ policy [0-9a-f]+,/);
    const html = (await report('--format', 'html')).stdout;
    assert.match(html, /id="incident-cause">policy-reload on gw-incident/);
    assert.match(html, /<table id="deadlines">/);
  });

  test('the redacted variant contains no number, in any format', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    for (const format of ['table', 'csv', 'json', 'html']) {
      const out = (await report('--redacted', '--format', format)).stdout;
      assert.doesNotMatch(out, NUMBER, `${format}: no number`);
      assert.match(out, /[0-9a-f]{32}/, `${format}: subscribers by keyed reference`);
    }
    const rep = JSON.parse((await report('--redacted', '--format', 'json')).stdout) as BreachReport;
    assert.equal(rep.redacted, true);
    assert.deepEqual(
      rep.subscribers.map((s) => [s.msisdn, s.disclosures]),
      [
        [null, 2],
        [null, 1],
      ],
    );
    const both = await hedgeCli(['audit', 'report', '-c', cfg, '--redacted', '--notices', join(dir, 'x')]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /cannot come from a --redacted report/);
  });

  test('one plain-language notice per affected subscriber, as files and as a mail-merge CSV', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const out = join(dir, 'notices');
    await report('--notices', out, '--contact', 'privacy@operator.example', '-o', join(dir, 'r.txt'));
    const files = readdirSync(out).sort();
    assert.equal(files.length, 3);
    assert.ok(
      files.every((f) => !NUMBER.test(f)),
      'file names carry no number',
    );
    const csv = readFileSync(join(out, 'notices.csv'), 'utf8');
    assert.match(csv, /^msisdn,reference,sites,notice\r\n/);
    const letter = readFileSync(
      join(
        out,
        files.find((f) => f.endsWith('.txt'))!,
      ),
      'utf8',
    );
    assert.match(letter, /^To the user of mobile number \+447700900(123|555)\n/);
    assert.match(letter, /news\.example: your phone number — \d time/);
    assert.ok(letter.includes(`We found it on ${new Date(detectedAt).toUTCString().replace(':00 GMT', ' UTC')}.`), letter);
    assert.match(letter, /Questions: privacy@operator\.example\./);
  });

  test('verify-report passes on the report as written and fails after one changed byte, in every format', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    for (const format of ['table', 'csv', 'json', 'html']) {
      const file = join(dir, `report.${format}`);
      await report('--format', format, '-o', file);
      const ok = await hedgeCli(['audit', 'verify-report', file, '-c', cfg]);
      assert.equal(ok.code, 0, `${format}: ${ok.stdout}${ok.stderr}`);
      assert.match(ok.stdout, /^OK: .* is intact \(sha256 [0-9a-f]{64}\), signed by key /);
      const withPublicKey = await hedgeCli(['audit', 'verify-report', file, '--public-key', (be as AuditBackend).signingKeyFile]);
      assert.equal(withPublicKey.code, 0, withPublicKey.stdout);
      const text = readFileSync(file, 'utf8');
      const at = text.indexOf('+447700900555') + 12; // the number's last digit
      writeFileSync(file, text.slice(0, at) + (text[at] === '5' ? '6' : '5') + text.slice(at + 1));
      const bad = await hedgeCli(['audit', 'verify-report', file, '-c', cfg]);
      assert.equal(bad.code, 1, `${format}: one changed byte is caught`);
      assert.match(bad.stdout, /FAIL: .*changed after it was signed/);
    }
  });
});
