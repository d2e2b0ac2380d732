// Issue 16, consent: withdrawing consent for a partner on the subscriber's page
// stops that partner's enrichment on two gateway processes sharing Redis within
// maxStaleMs; giving it again restores it; both choices are consent events in
// the audit chain, and `hedge audit verify` passes. A reassignment recorded on
// one node drops the withdrawals made before it on every node (one script in
// Redis), keeps those made after it, and every node's page starts at it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { viaProxy } from '../helpers/gateway.js';
import { auditBackend, hedgeCli, type AuditBackend } from '../helpers/audit.js';
import { redisService, type Service } from '../helpers/services.js';
import { consentForm, pageRequest, postForm, startPageLab, type PageLab } from './lab.js';

const MAX_STALE_MS = 300;

describe('consent shared through Redis', () => {
  let be: AuditBackend | string;
  let redis: Service | string;
  let origin: EchoOrigin;
  let a: PageLab;
  let b: PageLab;
  let loc: { spec: string; schema: string };

  before(async () => {
    redis = await redisService();
    be = await auditBackend('sqlite');
    if (typeof redis === 'string' || typeof be === 'string') return;
    origin = await startEchoOrigin('127.0.0.1', 0);
    loc = be.fresh();
    // Both gateways on the same Redis (a key prefix of this run's own).
    const url = redis.url;
    const prefix = `hedge-consent-${randomBytes(4).toString('hex')}:`;
    const edit = (y: string) => y.replace('store: memory', `store: ${JSON.stringify(url)}\n  maxStaleMs: ${MAX_STALE_MS}\n  redis:\n    keyPrefix: "${prefix}"`);
    a = await startPageLab(be, loc, { node: 'gw-a', origin, edit });
    b = await startPageLab(be, loc, { node: 'gw-b', origin, edit });
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await origin?.close();
    if (typeof redis !== 'string') await redis?.stop();
    if (typeof be !== 'string') await be?.close();
  });

  const ageHeader = async (lab: PageLab) => (await viaProxy(lab.gw.proxyAddress, 'http://www.agegate.example/')).json().headers['x-age-verified'];

  /** Polls until the other node shows `want`; returns how long it took. */
  async function until(lab: PageLab, want: string | undefined): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < MAX_STALE_MS + 2000) {
      if ((await ageHeader(lab)) === want) return Date.now() - start;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`x-age-verified did not become ${want}`);
  }

  test('withdraw on one node stops enrichment on both within maxStaleMs; give restores it; both recorded', async (t) => {
    if (typeof redis === 'string') return t.skip(redis);
    if (typeof be === 'string') return t.skip(be);
    assert.equal(a.gw.bindings.kind, 'redis');
    assert.equal(await ageHeader(a), 'yes');
    assert.equal(await ageHeader(b), 'yes', 'node B caches its answer: the bound starts now');

    const page = await pageRequest(`${a.gw.transparencyUrl}/`);
    const withdraw = await postForm(a.gw.transparencyUrl!, consentForm(page.body, 'agegate'));
    assert.equal(withdraw.status, 303);
    assert.match(String(withdraw.headers.location), /done=withdrawn:agegate/);
    assert.equal(await ageHeader(a), undefined, 'the node that took the choice applies it at once');
    const tookB = await until(b, undefined);
    assert.ok(tookB <= MAX_STALE_MS + 250, `node B applied it within maxStaleMs (+ request time): ${tookB} ms`);
    const shown = await pageRequest(`${b.gw.transparencyUrl}/`);
    assert.match(shown.body, /You have withdrawn your consent: this partner receives nothing about you\./);
    // Other partners are untouched.
    assert.equal((await viaProxy(b.gw.proxyAddress, 'http://my.operator.example/')).json().headers['x-msisdn'], '+447700900123');

    const give = await postForm(b.gw.transparencyUrl!, consentForm(shown.body, 'agegate'));
    assert.equal(give.status, 303);
    assert.match(String(give.headers.location), /done=given:agegate/);
    assert.equal(await ageHeader(b), 'yes');
    await until(a, 'yes');

    // Both choices are in the chain, and the chain verifies.
    const store = await be.open(loc);
    try {
      const events = await store.scan({ from: 0, to: Date.now() + 1, type: 'consent' }, undefined, 100);
      assert.deepEqual(
        events.map((e) => [e.node, e.partner, (JSON.parse(e.detail) as { choice: string }).choice]),
        [
          ['gw-a', 'agegate', 'withdrawn'],
          ['gw-b', 'agegate', 'given'],
        ],
      );
      assert.ok(
        events.every((e) => e.subjectRef && e.subjectSealed && !e.detail.includes('447700900')),
        'the subscriber by keyed reference, the number sealed',
      );
    } finally {
      await store.close();
    }
    const v = await hedgeCli(['audit', 'verify', '-c', a.cfg]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  test('a reassignment recorded on one node drops the earlier withdrawals on both, keeps later ones, and both pages start at it', async (t) => {
    if (typeof redis === 'string') return t.skip(redis);
    if (typeof be === 'string') return t.skip(be);
    // The previous holder withdraws (node A); the number changes hands; the new holder objects to billing (node B).
    let page = await pageRequest(`${a.gw.transparencyUrl}/`);
    assert.equal((await postForm(a.gw.transparencyUrl!, consentForm(page.body, 'agegate'))).status, 303);
    await until(b, undefined);
    await new Promise((r) => setTimeout(r, 5));
    const handedOver = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    page = await pageRequest(`${b.gw.transparencyUrl}/`);
    assert.equal((await postForm(b.gw.transparencyUrl!, consentForm(page.body, 'billing'))).status, 303);

    const r = await fetch(`${b.gw.adminUrl}/subscribers/reassigned`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: '07700 900123', at: handedOver }),
    });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { msisdn: '+447•••••••23', reassignedAt: handedOver, holderSince: handedOver });
    assert.equal(await ageHeader(b), 'yes', 'the node that took it applies it at once');
    const tookA = await until(a, 'yes');
    assert.ok(tookA <= MAX_STALE_MS + 250, `node A applied it within maxStaleMs (+ request time): ${tookA} ms`);
    for (const lab of [a, b]) {
      const shown = await pageRequest(`${lab.gw.transparencyUrl}/`);
      assert.match(shown.body, /id="since">This number has been yours since /);
      assert.match(shown.body, /data-partner="selfcare" data-disclosures="0"/, 'the disclosures before the reassignment are not shown');
      assert.match(shown.body, /You have objected: this partner receives nothing about you\./, 'the objection made after it stays');
      assert.doesNotMatch(shown.body, /You have withdrawn your consent/);
    }
    // An earlier reassignment recorded later does not move the holder's start back.
    const older = await fetch(`${a.gw.adminUrl}/subscribers/reassigned`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: '+447700900123', at: '2025-01-01T00:00Z' }),
    });
    assert.deepEqual(((await older.json()) as { holderSince: string }).holderSince, handedOver);
    const v = await hedgeCli(['audit', 'verify', '-c', a.cfg]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
