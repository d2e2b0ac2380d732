// Threat: a link from any site makes the subscriber's page announce a consent
// choice that never happened. After a choice the page redirects to
// /?done=withdrawn:<partner> (or given:) and showed "Saved: … receives nothing
// about you from now on" for whatever that parameter said, with no check: a
// phishing mail or another site linking to the page could make it confirm a
// withdrawal the subscriber never made (and the partner keeps receiving). The
// notice is now shown only when the visitor's stored choice for that partner
// is the one it names; a visitor the page cannot recognise sees none.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { auditBackend, type AuditBackend } from '../helpers/audit.js';
import { consentForm, pageRequest, postForm, startPageLab, type PageLab } from '../transparency/lab.js';

const status = (html: string) => /<p class="status[^"]*" role="status">([^<]*)<\/p>/.exec(html)?.[1];

describe('the consent notice of the subscriber page', () => {
  let be: AuditBackend | string;
  let lab: PageLab;
  let base: string;

  before(async () => {
    be = await auditBackend('sqlite');
    if (typeof be === 'string') return;
    lab = await startPageLab(be, be.fresh(), { node: 'notice' });
    base = lab.gw.transparencyUrl!;
  });

  after(async () => {
    await lab?.close();
    if (typeof be !== 'string') await be?.close();
  });

  test('a bare link claiming a withdrawal shows no "saved" notice, and nothing changed', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const r = await pageRequest(`${base}/?done=withdrawn:agegate`);
    assert.equal(r.status, 200);
    assert.equal(status(r.body), undefined, 'no notice');
    assert.doesNotMatch(r.body, /receives nothing about you from now on/);
    assert.equal((await lab.gw.consents.withdrawn('+447700900123')).size, 0);
    const unknown = await pageRequest(`${base}/?done=given:agegate`, { localAddress: '127.0.0.9' });
    assert.doesNotMatch(unknown.body, /Saved:/, 'nor to a visitor the page cannot recognise');
  });

  test('after a real withdrawal the notice is shown; a link then claiming consent was given is not', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const form = consentForm((await pageRequest(`${base}/`)).body, 'agegate');
    const post = await postForm(base, form);
    assert.equal(post.status, 303);
    const after = await pageRequest(`${base}${String(post.headers.location)}`);
    assert.match(status(after.body) ?? '', /Saved: .* receives nothing about you from now on/);
    const forged = await pageRequest(`${base}/?done=given:agegate`);
    assert.equal(status(forged.body), undefined, 'the stored choice is "withdrawn": no "given" notice');
  });
});
