// Threat: a web page open in a browser on the gateway host drives the admin
// API. With no admin token (allowed, and the default, on loopback) the network
// position is the only credential, and the browser holds it:
//  - a cross-site "simple" request (fetch(url, {method: 'POST', mode:
//    'no-cors', body: JSON text}) goes out as text/plain, without preflight)
//    bound an attacker's address to a victim's number, changed the log level,
//    ran the canary or reloaded the policy: the admin API took POST where it
//    documents PUT and parsed JSON whatever the Content-Type;
//  - a DNS-rebinding page (its own name re-pointed at 127.0.0.1; the browser
//    then thinks the admin API is the page's own origin) READ the breach report
//    (decrypted numbers) and a binding in full (MSISDN, IMSI, IMEI): the Host
//    header was never looked at.
// Now: a Host other than the admin API's own addresses, loopback, localhost
// and admin.hostnames is refused (421 HEDGE_ERR_ADMIN_HOST); a browser saying
// cross-site (Origin, Sec-Fetch-Site) is refused (403 HEDGE_ERR_ADMIN_CROSS_SITE);
// a body not sent as application/json is refused (415 HEDGE_ERR_ADMIN_CONTENT_TYPE);
// POST is not PUT. The CLI and curl-style calls keep working. Real sockets on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { auditBackend, type AuditBackend } from '../helpers/audit.js';
import { createLogger } from '../../src/shared/log.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const VICTIM = '+447700900123'; // the demo's static binding on 127.0.0.1
const VICTIM_IMSI = '001010000000123';

let be: AuditBackend | string;
let lab: Lab;
let port: number;
/** The gateway's log lines (a logger hedge made, so /log/level is adjustable). */
const lines: string[] = [];

before(async () => {
  be = await auditBackend('sqlite');
  const audit = typeof be === 'string' ? '' : be.yaml(be.fresh(), { node: 'gw-rebind' });
  lab = await startLab({ log: createLogger({ level: 'warn', write: (l) => lines.push(l) }), edit: (y) => y + audit });
  port = lab.gw.adminAddress.port;
  // Disclosures, so that the report has numbers in it.
  for (const site of ['http://my.operator.example/', 'http://wap.operator.example/']) assert.equal((await viaProxy(lab.gw.proxyAddress, site)).status, 200);
});
after(async () => {
  await lab?.close();
  if (typeof be !== 'string') await be.close();
});

interface Answer {
  status: number;
  body: string;
  code: string | undefined;
}

/** One request on its own connection to the admin port, headers exactly as given (Host included). */
function send(path: string, o: { method?: string; headers?: Record<string, string>; body?: string; port?: number } = {}): Promise<Answer> {
  const to = o.port ?? port;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: `127.0.0.1:${to}`, ...o.headers };
    if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
    const req = http.request({ host: '127.0.0.1', port: to, path, method: o.method ?? 'GET', headers, agent: false, setHost: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode!, body, code });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** What a page on evil.example makes the browser send with fetch(url, {method, mode: 'no-cors', body}). */
const CROSS_SITE = { 'content-type': 'text/plain;charset=UTF-8', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' };

test('a cross-site simple POST binds nothing, changes no log level, runs no canary, reloads nothing', async () => {
  const body = JSON.stringify({ msisdn: VICTIM });
  for (const method of ['POST', 'PUT']) {
    const r = await send('/bindings/10.66.66.66', { method, headers: CROSS_SITE, body });
    assert.equal(r.status, 403, `${method} ${r.body}`);
    assert.equal(r.code, 'HEDGE_ERR_ADMIN_CROSS_SITE');
  }
  // Each browser signal on its own is enough: an old browser without Sec-Fetch-*, a sandboxed page (Origin: null),
  // a page on another port of this host (same-site), a privacy extension that strips Origin.
  const signals: Record<string, string>[] = [
    { 'content-type': 'text/plain', origin: 'http://evil.example' },
    { 'content-type': 'text/plain', origin: 'null' },
    { 'content-type': 'text/plain', origin: `http://127.0.0.1:${lab.gw.proxyAddress.port}`, 'sec-fetch-site': 'same-site' },
    { 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' },
  ];
  for (const headers of signals) {
    const r = await send('/bindings/10.66.66.66', { method: 'PUT', headers, body });
    assert.equal(r.status, 403, JSON.stringify(headers));
    assert.equal(r.code, 'HEDGE_ERR_ADMIN_CROSS_SITE');
  }
  // No browser header at all, but not declared JSON (a form, text/plain): 415, whatever the method.
  for (const type of ['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
    const r = await send('/bindings/10.66.66.66', { method: 'PUT', headers: type ? { 'content-type': type } : {}, body });
    assert.equal(r.status, 415, String(type));
    assert.equal(r.code, 'HEDGE_ERR_ADMIN_CONTENT_TYPE');
  }
  // The API documents PUT: POST is not taken for it, even with the right content type.
  const post = await send('/bindings/10.66.66.66', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(post.status, 405);
  assert.equal(post.code, 'HEDGE_ERR_METHOD');
  assert.equal(await lab.gw.bindings.get('10.66.66.66'), undefined, 'no binding was stored');

  const level = await send('/log/level');
  const before = (JSON.parse(level.body) as { level: string }).level;
  for (const method of ['POST', 'PUT']) {
    const r = await send('/log/level', { method, headers: CROSS_SITE, body: '{"level":"trace"}' });
    assert.equal(r.status, 403, method);
  }
  const postLevel = await send('/log/level', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"level":"trace"}' });
  assert.equal(postLevel.status, 405);
  assert.equal((JSON.parse((await send('/log/level')).body) as { level: string }).level, before, 'the log level is unchanged');

  for (const path of ['/canary/run', '/policy/reload', '/tokens/resolve']) {
    const r = await send(path, { method: 'POST', headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } });
    assert.equal(r.status, 403, path);
    assert.equal(r.code, 'HEDGE_ERR_ADMIN_CROSS_SITE');
  }
  const reloads = JSON.parse((await send('/policy/reloads')).body) as { reloads: unknown[] };
  assert.equal(reloads.reloads.length, 0, 'no reload was attempted');
});

test('a DNS-rebinding Host reads neither a binding nor the breach report, nor anything else', async (t) => {
  for (const host of [
    `rebind.evil.example:${port}`,
    'rebind.evil.example',
    `127.0.0.1.evil.example:${port}`,
    `localhost.evil.example:${port}`,
    `hedge-admin.internal.evil.example:${port}`,
    `0.0.0.0:${port}`,
    `[::]:${port}`,
    `10.66.66.66:${port}`,
    `127.0.0.1@evil.example:${port}`,
    '',
  ]) {
    for (const path of ['/bindings/127.0.0.1', '/bindings', '/audit/report?format=csv', '/metrics', '/readyz', '/.well-known/jwks.json']) {
      const r = await send(path, { headers: { host } });
      assert.equal(r.status, 421, `Host ${JSON.stringify(host)} ${path}: ${r.status}`);
      assert.equal(r.code, 'HEDGE_ERR_ADMIN_HOST');
      assert.ok(!r.body.includes('447700900') && !r.body.includes(VICTIM_IMSI), 'no identifier in the refusal');
    }
  }
  // The same name in an absolute-form request target.
  const abs = await send(`http://rebind.evil.example:${port}/bindings/127.0.0.1`);
  assert.equal(abs.status, 421);
  // Each refusal is logged by its code; neither a number nor the Host it named is.
  const refusals = lines.filter((l) => l.includes('admin request refused'));
  assert.ok(refusals.some((l) => l.includes('HEDGE_ERR_ADMIN_HOST')));
  for (const l of refusals) assert.ok(!l.includes('447700900') && !l.includes('evil.example'), l);
  if (typeof be === 'string') t.diagnostic(`audit report not served (${be}); the Host check is the same for every path`);
});

test('the legitimate calls still work: curl-style, fetch, the hedge CLI', async (t) => {
  // curl http://127.0.0.1:PORT/bindings/127.0.0.1 (and localhost, [::1]).
  for (const host of [`127.0.0.1:${port}`, '127.0.0.1', `localhost:${port}`, `LOCALHOST.:${port}`, `[::1]:${port}`, `127.0.0.2:${port}`]) {
    const r = await send('/bindings/127.0.0.1', { headers: { host } });
    assert.equal(r.status, 200, `Host ${host}`);
    assert.equal((JSON.parse(r.body) as { msisdn: string }).msisdn, VICTIM);
  }
  // The operator typed the URL into the browser (Sec-Fetch-Site: none), or the admin API's own origin.
  assert.equal((await send('/bindings', { headers: { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' } })).status, 200);
  assert.equal((await send('/bindings', { headers: { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' } })).status, 200);
  // curl -X PUT -H 'content-type: application/json' -d '{…}'; DELETE; bodyless POSTs; PUT /log/level.
  const put = await send('/bindings/10.0.0.99', {
    method: 'PUT',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ msisdn: '+447700900199' }),
  });
  assert.equal(put.status, 201, put.body);
  assert.equal((await send('/bindings/10.0.0.99', { method: 'DELETE' })).status, 204);
  const canary = await send('/canary/run', { method: 'POST' });
  assert.ok(canary.status === 200 || canary.code === 'HEDGE_ERR_CANARY_DISABLED', canary.body);
  const level = await send('/log/level', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"level":"warn"}' });
  assert.equal(level.status, 200, level.body);
  // fetch (what the CLI uses) sets Host from the URL.
  const f = await fetch(`http://localhost:${port}/bindings/127.0.0.1`);
  assert.equal(f.status, 200);
  if (typeof be === 'string') t.diagnostic(`audit report not checked: ${be}`);
  else {
    const report = await send('/audit/report?format=csv');
    assert.equal(report.status, 200);
    assert.match(report.body, /\+447700900123/);
  }
  // The hedge CLI (fetch: Host from the URL).
  const cli = (admin: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', CLI, 'bindings', 'show', '127.0.0.1', '--admin', admin], { timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const shown = await cli(`http://localhost:${port}`);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /447700900123/);
});

test('a name listed in admin.hostnames is answered (a scraper or the CLI using a DNS name); others are not', async () => {
  const named = await startLab({ edit: (y) => y.replace('admin:\n', 'admin:\n  hostnames: [hedge-admin.internal]\n') });
  try {
    const p = named.gw.adminAddress.port;
    for (const host of [`hedge-admin.internal:${p}`, `HEDGE-ADMIN.internal.:${p}`, `127.0.0.1:${p}`]) {
      const r = await send('/bindings/127.0.0.1', { port: p, headers: { host } });
      assert.equal(r.status, 200, host);
    }
    for (const host of [`other.internal:${p}`, `hedge-admin.internal.evil.example:${p}`])
      assert.equal((await send('/bindings/127.0.0.1', { port: p, headers: { host } })).status, 421, host);
  } finally {
    await named.close();
  }
});

test('admin.hostnames takes DNS names and addresses, not URLs, ports or wildcards', async () => {
  const { parseConfig } = await import('../../src/config/load.js');
  const base = 'operator: {name: T, country: GB}\nadmin:\n  hostnames: ';
  for (const ok of ['[hedge-admin.internal]', '[gw1, gw1.example.net., 10.0.0.10, "::1", hedge_admin]']) parseConfig(base + ok + '\n', 'ok.yaml');
  for (const bad of ['[http://gw1]', '[gw1:9090]', '["*.example.net"]', '[""]', '["gw 1"]', '["[::1]"]'])
    assert.throws(() => parseConfig(base + bad + '\n', 'bad.yaml'), /admin\.hostnames/, bad);
});
