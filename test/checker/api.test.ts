// The checker's JSON at /api/check gives the same verdicts as the page; it
// serves plain HTTP and HTTPS, believes X-Forwarded-For only from trusted
// proxies, and rate limits per client address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { CheckerServer, type RunningChecker } from '../../src/checker/server.js';
import { silentLogger } from '../../src/shared/log.js';
import { makeLabPki, type LabPki } from '../helpers/pki.js';

interface Report {
  verdict: string;
  title: string;
  colour: string;
  secure: boolean;
  headers: {
    name: string;
    masked: string;
    value?: string;
    sensitive: boolean;
    kind: string;
    explanation: string;
    knownSenders?: string;
    findings: { kind: string; what: string }[];
  }[];
}

function get(
  url: string,
  headers: Record<string, string> = {},
  opts: { ca?: Buffer; localAddress?: string; method?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.request(url, { method: opts.method ?? 'GET', headers, agent: false, ca: opts.ca, localAddress: opts.localAddress, servername: 'check.example' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const check = async (base: string, headers: Record<string, string> = {}, opts = {}) => {
  const r = await get(`${base}/api/check`, headers, opts);
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as Report;
};

let pki: LabPki;
let checker: RunningChecker;

before(async () => {
  pki = makeLabPki(['check.example']);
  checker = await new CheckerServer({
    http: { host: '127.0.0.1', port: 0 },
    https: { host: '127.0.0.1', port: 0, cert: pki.cert, key: pki.key },
    rateLimit: { limit: 1000, windowMs: 60_000 },
    log: silentLogger,
  }).listen();
});
after(async () => {
  await checker.close();
  pki.cleanup();
});

test('/api/check: identity leaked for X-Up-Calling-Line-ID, masked unless the caller asks', async () => {
  const r = await check(checker.httpUrl!, { 'X-Up-Calling-Line-ID': '447700900123' });
  assert.equal(r.verdict, 'identity');
  assert.equal(r.title, 'Identity leaked');
  assert.equal(r.colour, 'red');
  const h = r.headers.find((x) => x.name === 'X-Up-Calling-Line-ID')!;
  assert.equal(h.kind, 'identity');
  assert.equal(h.sensitive, true);
  assert.notEqual(h.masked, '447700900123');
  assert.match(h.masked, /^447•+23$/);
  assert.equal(h.value, undefined);
  assert.match(h.knownSenders!, /Openwave/);
  assert.ok(!JSON.stringify(r).includes('447700900123'), 'no clear value anywhere in the default JSON');
  const revealed = JSON.parse((await get(`${checker.httpUrl}/api/check?reveal=1`, { 'X-Up-Calling-Line-ID': '447700900123' })).body) as Report;
  assert.equal(revealed.headers.find((x) => x.name === 'X-Up-Calling-Line-ID')!.value, '447700900123');
});

test('/api/check: clean for a plain request, tracking for an X-UIDH token, device details for a UAProf header', async () => {
  assert.equal(
    (await check(checker.httpUrl!, { 'User-Agent': 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0.0.0 Mobile Safari/537.36', Accept: 'text/html' }))
      .verdict,
    'clean',
  );
  const t = await check(checker.httpUrl!, { 'X-UIDH': 'OTgxNTk2NDk4MzIwMTMwMjA4NjQ1MjU4' });
  assert.equal(t.verdict, 'tracking');
  assert.equal(t.headers.find((h) => h.name === 'X-UIDH')!.kind, 'tracking');
  const d = await check(checker.httpUrl!, { 'X-Wap-Profile': '"http://nds1.nds.nokia.com/uaprof/N6230ir200.xml"' });
  assert.equal(d.verdict, 'device');
  assert.equal(d.title, 'Device details only');
});

test('/api/check: the worst finding wins, and identifiers are found by value in headers outside the catalogue', async () => {
  const r = await check(checker.httpUrl!, { 'X-UIDH': 'OTgxNTk2NDk4MzIwMTMwMjA4NjQ1MjU4', 'X-Operator-Sub': '+447700900123' });
  assert.equal(r.verdict, 'identity');
  const h = r.headers.find((x) => x.name === 'X-Operator-Sub')!;
  assert.equal(h.kind, 'identity');
  assert.ok(!h.masked.includes('447700900123'));
});

test('the same checker over HTTPS says so; the page and the JSON agree', async () => {
  const r = await check(checker.httpsUrl!, { 'X-MSISDN': '447700900123' }, { ca: pki.ca });
  assert.equal(r.secure, true);
  assert.equal(r.verdict, 'identity');
  const page = await get(`${checker.httpsUrl}/`, { 'X-MSISDN': '447700900123' }, { ca: pki.ca });
  assert.equal(page.status, 200);
  assert.match(page.body, /data-verdict="identity"/);
  assert.match(page.body, /over HTTPS/);
  assert.equal((await check(checker.httpUrl!)).secure, false);
});

test('HEAD, unknown paths and other methods get clear answers', async () => {
  assert.equal((await get(`${checker.httpUrl}/`, {}, { method: 'HEAD' })).status, 200);
  const nf = await get(`${checker.httpUrl}/nope`);
  assert.equal(nf.status, 404);
  assert.equal(JSON.parse(nf.body).error.code, 'HEDGE_ERR_NOT_FOUND');
  const post = await get(`${checker.httpUrl}/api/check`, {}, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(JSON.parse(post.body).error.code, 'HEDGE_ERR_METHOD_NOT_ALLOWED');
  assert.equal((await get(`${checker.httpUrl}/healthz`)).status, 200);
});

test('rate limited per client address: one address is refused, another still served', async () => {
  const c = await new CheckerServer({ http: { host: '127.0.0.1', port: 0 }, rateLimit: { limit: 3, windowMs: 3_600_000 }, log: silentLogger }).listen();
  try {
    for (let i = 0; i < 3; i++) assert.equal((await get(`${c.httpUrl}/api/check`, {}, { localAddress: '127.0.0.1' })).status, 200);
    const refused = await get(`${c.httpUrl}/api/check`, {}, { localAddress: '127.0.0.1' });
    assert.equal(refused.status, 429);
    assert.equal(JSON.parse(refused.body).error.code, 'HEDGE_ERR_RATE_LIMITED');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal((await get(`${c.httpUrl}/api/check`, {}, { localAddress: '127.0.0.2' })).status, 200, 'another address is unaffected');
  } finally {
    await c.close();
  }
});

test('behind a trusted reverse proxy: the client address comes from X-Forwarded-For and the proxy hop is not shown', async () => {
  const c = await new CheckerServer({
    http: { host: '127.0.0.1', port: 0 },
    trustedProxies: ['127.0.0.0/8'],
    rateLimit: { limit: 2, windowMs: 3_600_000 },
    log: silentLogger,
  }).listen();
  try {
    const proxied = { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https' };
    const r = await check(c.httpUrl!, proxied);
    assert.equal(r.secure, true, 'X-Forwarded-Proto from a trusted proxy is believed');
    assert.equal(r.verdict, 'clean');
    assert.ok(!r.headers.some((h) => /^x-forwarded-/i.test(h.name)), "the proxy's own headers are not the visitor's");
    // The operator's internal address for the phone, left of the trusted hop, is a network detail.
    const cgnat = await check(c.httpUrl!, { 'X-Forwarded-For': '100.64.12.34, 203.0.113.8' });
    assert.equal(cgnat.verdict, 'device');
    const xff = cgnat.headers.find((h) => h.name === 'X-Forwarded-For')!;
    assert.equal(xff.kind, 'device');
    assert.ok(!xff.masked.includes('100.64.12.34'));
    // Rate limiting keys on the forwarded address: 203.0.113.7 has one request left, 203.0.113.9 has two.
    assert.equal((await get(`${c.httpUrl}/api/check`, proxied)).status, 200);
    assert.equal((await get(`${c.httpUrl}/api/check`, proxied)).status, 429);
    assert.equal((await get(`${c.httpUrl}/api/check`, { 'X-Forwarded-For': '203.0.113.9' })).status, 200);
  } finally {
    await c.close();
  }
});
