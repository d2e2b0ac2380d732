// Threat: the subscriber page records a consent that does not apply. A
// binding's `optOut` (set by the operator: static subscribers, the admin
// API, RADIUS) stops a partner whatever the page says. The page showed such
// a partner as "you have withdrawn your consent" with a "give my consent
// again" button; pressing it wrote a `consent … given` event into the
// tamper-evident audit and counted a choice `given`, while the partner went
// on receiving nothing — the audit, the record a regulator and the operator
// read, then held a consent that never took effect (and would be read as the
// subscriber's consent the day the opt-out is lifted). The page now says the
// choice is the operator's and offers no form for it, and a post giving
// consent to such a partner is refused (409), recording nothing.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { viaProxy } from '../helpers/gateway.js';
import { auditBackend, type AuditBackend } from '../helpers/audit.js';
import { consentForm, pageRequest, postForm, startPageLab, type PageLab } from '../transparency/lab.js';

describe('consent given on the page for a partner the operator opted the subscriber out of', () => {
  let be: AuditBackend | string;
  let lab: PageLab;
  let base: string;

  before(async () => {
    be = await auditBackend('sqlite');
    if (typeof be === 'string') return;
    lab = await startPageLab(be, be.fresh(), { node: 'optout' });
    base = lab.gw.transparencyUrl!;
    const put = await fetch(`${lab.gw.adminUrl}/bindings/127.0.0.7`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: '+447700900777', optOut: ['agegate'] }),
    });
    assert.equal(put.status, 201);
  });

  after(async () => {
    await lab?.close();
    if (typeof be !== 'string') await be?.close();
  });

  const given = async () => /hedge_consent_choices_total\{outcome="given"\} [1-9]/.test(await (await fetch(`${lab.gw.adminUrl}/metrics`)).text());

  test('the page offers no "give consent" form for it, and says the choice is not made here', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const page = await pageRequest(`${base}/`, { localAddress: '127.0.0.7' });
    assert.equal(page.status, 200);
    const card = /<article[^>]*data-partner="agegate"[\s\S]*?<\/article>/.exec(page.body)?.[0] ?? '';
    assert.match(card, /class="withdrawn"/);
    assert.doesNotMatch(card, /<form/, 'no form that cannot work');
    assert.match(card, /not on this page/);
    // Every other partner keeps its form.
    assert.equal(consentForm(page.body, 'selfcare').choice, 'withdraw');
  });

  test('a post giving consent is refused, nothing is recorded, and the partner still receives nothing', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const token = consentForm((await pageRequest(`${base}/`, { localAddress: '127.0.0.7' })).body, 'selfcare').token!;
    const post = await postForm(base, { partner: 'agegate', choice: 'give', token, lang: 'en' }, '127.0.0.7');
    assert.equal(post.status, 409);
    assert.match(post.body, /nothing was changed/);
    assert.equal(await given(), false, 'no consent counted as given');
    const records = await lab.gw.audit!.store.scan({ from: 0, to: Number.MAX_SAFE_INTEGER, type: 'consent' }, undefined, 100);
    assert.equal(records.length, 0, 'no consent event in the audit');
    const r = await viaProxy(lab.gw.proxyAddress, 'http://www.agegate.example/', { localAddress: '127.0.0.7' });
    assert.equal(r.json().headers['x-age-verified'], undefined);
  });
});
