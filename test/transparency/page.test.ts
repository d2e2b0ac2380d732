// Issue 16, the subscriber's own page: each subscriber sees exactly their own
// disclosures (looked up by keyed reference), masked; an unbound connection
// gets "we cannot tell who you are" and no records; the consent form refuses
// cross-site posts and forged tokens; the page cannot be framed and runs no
// script (strict CSP).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { viaProxy } from '../helpers/gateway.js';
import { auditBackend, type AuditBackend } from '../helpers/audit.js';
import { consentForm, pageRequest, postForm, startPageLab, type PageLab } from './lab.js';

const FULL_NUMBER = /\+?447700900(123|555)/;

describe('the subscriber page', () => {
  let be: AuditBackend | string;
  let lab: PageLab;
  let base: string;

  before(async () => {
    be = await auditBackend('sqlite');
    if (typeof be === 'string') return;
    lab = await startPageLab(be, be.fresh(), { node: 'page' });
    base = lab.gw.transparencyUrl!;
    const put = await fetch(`${lab.gw.adminUrl}/bindings/127.0.0.5`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: '+447700900555' }),
    });
    assert.equal(put.status, 201);
    // A: two partners and a non-partner; B: one other partner.
    for (const url of ['http://my.operator.example/', 'http://my.operator.example/again', 'http://www.agegate.example/', 'http://news.example/'])
      assert.equal((await viaProxy(lab.gw.proxyAddress, url)).status, 200);
    assert.equal((await viaProxy(lab.gw.proxyAddress, 'http://pay.billing.example/', { localAddress: '127.0.0.5' })).status, 200);
  });

  after(async () => {
    await lab?.close();
    if (typeof be !== 'string') await be?.close();
  });

  const counts = (html: string) => Object.fromEntries([...html.matchAll(/data-partner="([^"]+)" data-disclosures="(\d+)"/g)].map((m) => [m[1], Number(m[2])]));

  test("A's page lists exactly A's disclosures, masked, and says every other site gets nothing", async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const r = await pageRequest(`${base}/`, { localAddress: '127.0.0.1' });
    assert.equal(r.status, 200);
    assert.deepEqual(counts(r.body), { selfcare: 2, 'legacy-wap': 0, agegate: 1, billing: 0 });
    assert.doesNotMatch(r.body, FULL_NUMBER, 'never the full number');
    assert.match(r.body, /\+447•+23/, 'the masked number');
    assert.match(r.body, /Every website that is not listed below receives nothing about you/);
    assert.match(r.body, /Your phone number/);
    assert.match(r.body, /A yes\/no age answer/);
    assert.match(r.body, /An alias only this partner can use, instead of your phone number/);
  });

  test("B's page shows B's and nothing of A's", async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const r = await pageRequest(`${base}/`, { localAddress: '127.0.0.5' });
    assert.equal(r.status, 200);
    assert.deepEqual(counts(r.body), { selfcare: 0, 'legacy-wap': 0, agegate: 0, billing: 1 });
    assert.match(r.body, /\+447•+55/);
    assert.doesNotMatch(r.body, FULL_NUMBER);
  });

  test('an unbound address gets a page that says it cannot tell who they are, and no records', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const r = await pageRequest(`${base}/`, { localAddress: '127.0.0.9' });
    assert.equal(r.status, 200);
    assert.match(r.body, /id="unknown"/);
    assert.match(r.body, /We cannot tell who you are/);
    assert.doesNotMatch(r.body, /data-partner=/);
    assert.doesNotMatch(r.body, /<form/);
  });

  test('German from Accept-Language, English as the fallback', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const de = await pageRequest(`${base}/`, { headers: { 'accept-language': 'fr;q=0.9, de-AT;q=0.8, en;q=0.5' } });
    assert.match(de.body, /<html lang="de">/);
    assert.match(de.body, /Was Ihr Mobilfunknetz Websites über Sie mitteilt/);
    assert.match((await pageRequest(`${base}/`, { headers: { 'accept-language': 'ja' } })).body, /<html lang="en">/);
    assert.match((await pageRequest(`${base}/?lang=de`)).body, /<html lang="de">/);
  });

  test('the page cannot be framed and runs no script', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const r = await pageRequest(`${base}/`);
    const csp = String(r.headers['content-security-policy']);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src|unsafe-inline/);
    assert.equal(r.headers['x-frame-options'], 'DENY');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.doesNotMatch(r.body, /<script/i);
  });

  test('a cross-site POST without the form token is refused, and changes nothing', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const form = consentForm((await pageRequest(`${base}/`)).body, 'agegate');
    assert.equal(form.choice, 'withdraw');
    // Another site's page posting the form: the browser says so.
    const crossSite = await postForm(base, { partner: 'agegate', choice: 'withdraw' }, '127.0.0.1', { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 403);
    // A client that hides where it comes from still needs the token.
    const noToken = await postForm(base, { partner: 'agegate', choice: 'withdraw' });
    assert.equal(noToken.status, 403);
    const forged = await postForm(base, { partner: 'agegate', choice: 'withdraw', token: `${form.token!.split('.')[0]}.${'0'.repeat(32)}` });
    assert.equal(forged.status, 403);
    // B's token does not work for A.
    const bToken = consentForm((await pageRequest(`${base}/`, { localAddress: '127.0.0.5' })).body, 'agegate').token!;
    assert.equal((await postForm(base, { partner: 'agegate', choice: 'withdraw', token: bToken })).status, 403);
    assert.equal((await lab.gw.consents.withdrawn('+447700900123')).size, 0, 'nothing changed');
    const enriched = await viaProxy(lab.gw.proxyAddress, 'http://www.agegate.example/');
    assert.equal(enriched.json().headers['x-age-verified'], 'yes');
  });

  test('requests that came through the proxy as an ordinary upstream are refused (the address would be the gateway\u2019s)', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const r = await pageRequest(`${base}/`, { headers: { via: '1.1 hedge' } });
    assert.equal(r.status, 403);
    assert.equal((await pageRequest(`${base}/`, { method: 'DELETE' })).status, 405);
    assert.equal((await pageRequest(`${base}/nothing-here`)).status, 404);
  });
});

describe('the subscriber page through hedge\u2019s own proxy', () => {
  let be: AuditBackend | string;
  let lab: PageLab;

  before(async () => {
    be = await auditBackend('sqlite');
    if (typeof be === 'string') return;
    lab = await startPageLab(be, be.fresh(), { node: 'page-via-proxy', edit: (y) => y });
    const put = await fetch(`${lab.gw.adminUrl}/bindings/127.0.0.5`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: '+447700900555' }),
    });
    assert.equal(put.status, 201);
  });

  after(async () => {
    await lab?.close();
    if (typeof be !== 'string') await be?.close();
  });

  test('a phone asking the proxy for the page is recognised by its own address (in-process hop, never an upstream)', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const a = await viaProxy(lab.gw.proxyAddress, 'http://privacy.operator.example/', { localAddress: '127.0.0.5' });
    assert.equal(a.status, 200);
    assert.match(a.body, /\+447•+55/, 'the phone at 127.0.0.5, not the gateway');
    const byListen = await viaProxy(lab.gw.proxyAddress, `${lab.gw.transparencyUrl}/`, { localAddress: '127.0.0.1' });
    assert.match(byListen.body, /\+447•+23/);
    const unknown = await viaProxy(lab.gw.proxyAddress, 'http://privacy.operator.example/', { localAddress: '127.0.0.9' });
    assert.match(unknown.body, /We cannot tell who you are/);
    // A forged address header changes nothing.
    const forged = await viaProxy(lab.gw.proxyAddress, 'http://privacy.operator.example/', {
      localAddress: '127.0.0.9',
      headers: { 'x-forwarded-for': '127.0.0.5', forwarded: 'for=127.0.0.5' },
    });
    assert.match(forged.body, /We cannot tell who you are/);
    // Consent through the proxy, with the page's own form.
    const form = consentForm(a.body, 'agegate');
    const post = await viaProxy(lab.gw.proxyAddress, 'http://privacy.operator.example/consent', {
      method: 'POST',
      localAddress: '127.0.0.5',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://privacy.operator.example', 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams(form).toString(),
    });
    assert.equal(post.status, 303);
    assert.deepEqual([...(await lab.gw.consents.withdrawn('+447700900555'))], ['agegate']);
    assert.equal((await lab.gw.consents.withdrawn('+447700900123')).size, 0);
  });
});
