// Threat: a DNS-rebinding web page reads a subscriber's page and changes
// their consent. The page has no login: the phone's connection is the
// credential, and the phone's browser holds it. A site the subscriber visits
// (rebind.attacker.example) re-points its own name at the page's address;
// the browser then takes the page for the attacker's own origin: it sends
// `Host: rebind.attacker.example:<port>`, `Origin: http://rebind.attacker.example:<port>`
// and `Sec-Fetch-Site: same-origin`, and lets the attacker's script read the
// answer — the masked number, which partners received what and when (an
// age-verification partner says a lot), and the form's token, with which the
// same script then posts a withdrawal or a new consent (every Origin and
// token check passes). The page answered any Host. It now answers only to
// transparency.host, an IP literal, or a loopback name; anything else gets
// 421 and nothing is read or changed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { auditBackend, type AuditBackend } from '../helpers/audit.js';
import { consentForm, pageRequest, postForm, startPageLab, type PageLab } from '../transparency/lab.js';

describe('a DNS-rebinding page against the subscriber page', () => {
  let be: AuditBackend | string;
  let lab: PageLab;
  let base: string;
  let port: number;

  before(async () => {
    be = await auditBackend('sqlite');
    if (typeof be === 'string') return;
    lab = await startPageLab(be, be.fresh(), { node: 'rebind' });
    base = lab.gw.transparencyUrl!;
    port = lab.gw.transparencyAddress!.port;
  });

  after(async () => {
    await lab?.close();
    if (typeof be !== 'string') await be?.close();
  });

  test("the attacker's script cannot read the page: no number, no record, no token", async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const evil = `rebind.attacker.example:${port}`;
    const r = await pageRequest(`${base}/`, { headers: { host: evil, 'sec-fetch-site': 'same-origin' } });
    assert.equal(r.status, 421);
    assert.doesNotMatch(r.body, /447/);
    assert.doesNotMatch(r.body, /name="token"/);
    assert.equal(r.headers['cache-control'], 'no-store');
    // The same refusal for a name with a trailing dot or in capitals, and for an absolute-form target naming it.
    for (const host of [`REBIND.attacker.example.:${port}`, `privacy.operator.example.attacker.example:${port}`])
      assert.equal((await pageRequest(`${base}/`, { headers: { host } })).status, 421, host);
    assert.equal((await pageRequest(`${base}/`, { method: 'HEAD', headers: { host: evil } })).status, 421);
  });

  test("the attacker's script cannot post a withdrawal with a token it got, and nothing changes", async (t) => {
    if (typeof be === 'string') return t.skip(be);
    // The token a rebinding page would have read before the fix (here: from the page itself).
    const form = consentForm((await pageRequest(`${base}/`)).body, 'agegate');
    const evil = `rebind.attacker.example:${port}`;
    const post = await postForm(base, form, '127.0.0.1', { host: evil, origin: `http://${evil}`, 'sec-fetch-site': 'same-origin' });
    assert.equal(post.status, 421);
    assert.equal((await lab.gw.consents.withdrawn('+447700900123')).size, 0, 'nothing changed');
  });

  test('the page still answers to its own name, an IP literal, localhost and a client without Host', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    for (const host of [`privacy.operator.example:${port}`, 'PRIVACY.operator.example.', `127.0.0.1:${port}`, `localhost:${port}`, `10.1.2.3:${port}`, `[::1]:${port}`]) {
      const r = await pageRequest(`${base}/`, { headers: { host } });
      assert.equal(r.status, 200, host);
      assert.match(r.body, /\+447•+23/, host);
    }
    // An HTTP/1.0 client without Host (no browser) is answered.
    const raw = await new Promise<string>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.1' }, () => s.write('GET / HTTP/1.0\r\n\r\n'));
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      s.on('error', reject);
      s.setTimeout(10_000, () => s.destroy(new Error('timed out')));
    });
    assert.match(raw, /^HTTP\/1\.1 200 /);
    const form = consentForm((await pageRequest(`${base}/`)).body, 'agegate');
    const own = `privacy.operator.example:${port}`;
    const post = await postForm(base, form, '127.0.0.1', { host: own, origin: `http://${own}` });
    assert.equal(post.status, 303);
    assert.deepEqual([...(await lab.gw.consents.withdrawn('+447700900123'))], ['agegate']);
    const metrics = await (await fetch(`${lab.gw.adminUrl}/metrics`)).text();
    assert.match(metrics, /hedge_transparency_requests_total\{outcome="wrong_host"\} [1-9]/);
  });
});
