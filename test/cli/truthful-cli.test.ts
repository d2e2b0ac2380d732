// Issue 13, "the CLI tells the truth": one test per fix, each running the real
// hedge command as an operator would.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, viaProxy, DEMO_YAML, type Lab } from '../helpers/gateway.js';
import { hedgeCli, useAuditBackend, writeConfig } from '../helpers/audit.js';

const dir = mkdtempSync(join(tmpdir(), 'hedge-truth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('policy explain https://…: the proxy cannot enrich it, says so, and names what would', async () => {
  const r = await hedgeCli(['policy', 'explain', '-c', 'examples/demo.yaml', 'https://my.operator.example/account', '--subscriber', '+447700900123']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!/^\s+\+ X-MSISDN/m.test(r.stdout), `no header is listed as added:\n${r.stdout}`);
  assert.match(r.stdout, /transport\s+https: a CONNECT tunnel the proxy only relays — never enriched/);
  assert.match(r.stdout, /apply to http:\/\/ requests only: over https:\/\/ the proxy cannot add a header, so nothing is added/);
  assert.match(r.stdout, /front door .*Number Verification/);
  const j = JSON.parse((await hedgeCli(['policy', 'explain', '-c', 'examples/demo.yaml', 'https://my.operator.example/', '--json'])).stdout) as { headers: unknown[] };
  assert.deepEqual(j.headers, []);
  const plain = await hedgeCli(['policy', 'explain', '-c', 'examples/demo.yaml', 'http://my.operator.example/']);
  assert.match(plain.stdout, /\+ X-MSISDN/, 'http:// is still enriched');
});

test('policy diff: "(tls)" only for partners with tls: required', async () => {
  const newer = writeConfig(dir, 'newer.yaml', DEMO_YAML.replace('hosts: ["*.agegate.example"]', 'hosts: ["*.agegate.example", "kids.example"]'));
  const r = await hedgeCli(['policy', 'diff', 'examples/demo.yaml', newer]);
  assert.equal(r.code, 1, 'exposure widens');
  assert.match(r.stdout, /kids\.example {2}age-verified: newly-disclosed \(nothing → claim to agegate in X-Age-Verified\)/);
  assert.ok(!r.stdout.includes('(tls)'), r.stdout);
  const tls = writeConfig(dir, 'tls.yaml', DEMO_YAML.replace('hosts: ["*.agegate.example"]', 'hosts: ["*.agegate.example", "kids.example"]\n    tls: required'));
  const t = await hedgeCli(['policy', 'diff', 'examples/demo.yaml', tls]);
  assert.match(t.stdout, /claim \(tls\) to agegate/, t.stdout);
});

test('bindings list|show: no admin API configured is an error; the one read is named', async () => {
  const env = { ...process.env };
  delete env.HEDGE_ADMIN_URL;
  const none = await hedgeCli(['bindings', 'list']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no admin API to read: give --admin URL, -c CONFIG/);
  const show = await hedgeCli(['bindings', 'show', '127.0.0.1']);
  assert.equal(show.code, 2);
  const lab = await startLab();
  try {
    const r = await hedgeCli(['bindings', 'list', '--admin', lab.gw.adminUrl]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`admin API: ${lab.gw.adminUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(--admin\\)`));
    assert.match(r.stdout, /2 binding\(s\)/);
  } finally {
    await lab.close();
  }
  const gone = await hedgeCli(['bindings', 'list', '--admin', 'http://127.0.0.1:1']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /cannot reach the admin API at http:\/\/127\.0\.0\.1:1/);
});

test('config init writes a commented config that validates, and never overwrites', async () => {
  const f = join(dir, 'init.yaml');
  const r = await hedgeCli(['config', 'init', f, '--country', 'DE', '--name', 'Beispiel Mobil']);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(f, 'utf8');
  assert.match(text, /^# hedge configuration/);
  assert.match(text, /country: DE/);
  const v = await hedgeCli(['policy', 'validate', f]);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stderr, '', 'no warnings either');
  assert.match(v.stdout, /valid — policy [0-9a-f]{16}, 2 partner\(s\)/);
  writeFileSync(f, 'mine');
  const again = await hedgeCli(['config', 'init', f]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /exists; not overwritten/);
  assert.equal(readFileSync(f, 'utf8'), 'mine');
});

describe('audit report', () => {
  const backend = useAuditBackend('sqlite');
  let cfg: string;
  let firstAt: string;

  before(async () => {
    if (backend.skip) return;
    const loc = backend.be!.fresh();
    cfg = writeConfig(backend.be!.dir, `truth-${Date.now()}.yaml`, DEMO_YAML + backend.be!.yaml(loc));
    const lab: Lab = await startLab({ edit: (y) => y + backend.be!.yaml(loc, { node: 'gw-t' }) });
    try {
      const t0 = Date.now();
      await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
      await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
      firstAt = new Date(t0).toISOString().slice(0, 15); // to the ten minutes
    } finally {
      await lab.close();
    }
  });

  test('an unknown partner or host is an error, not "0 disclosures"', async (t) => {
    if (backend.skip) return t.skip(backend.skip);
    const p = await hedgeCli(['audit', 'report', '-c', cfg, '--partner', 'nosuch']);
    assert.equal(p.code, 2);
    assert.match(
      p.stderr,
      /HEDGE_ERR_AUDIT_REPORT: --partner nosuch: no such partner in the config \(the config has: selfcare, legacy-wap, agegate, billing\) and no disclosure to it/,
    );
    assert.equal(p.stdout, '');
    const h = await hedgeCli(['audit', 'report', '-c', cfg, '--host', 'nosuch.example']);
    assert.equal(h.code, 2);
    assert.match(h.stderr, /--host nosuch\.example: no disclosure to a host matching it in the audit store, at any time/);
    // Known but quiet: a configured partner with nothing in the window is a true "0".
    const quiet = await hedgeCli(['audit', 'report', '-c', cfg, '--partner', 'billing']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.match(quiet.stdout, /disclosures 0/);
    const known = await hedgeCli(['audit', 'report', '-c', cfg, '--host', '*.operator.example']);
    assert.equal(known.code, 0, known.stderr);
    assert.match(known.stdout, /disclosures 2/);
  });

  test('the window starts at the first record, not 1970', async (t) => {
    if (backend.skip) return t.skip(backend.skip);
    const r = await hedgeCli(['audit', 'report', '-c', cfg]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('1970'), r.stdout);
    assert.match(r.stdout, new RegExp(`^window {6}${firstAt}`, 'm'));
    const html = join(dir, 'r.html');
    await hedgeCli(['audit', 'report', '-c', cfg, '--format', 'html', '-o', html]);
    assert.ok(!readFileSync(html, 'utf8').includes('1970-01-01'));
  });
});
