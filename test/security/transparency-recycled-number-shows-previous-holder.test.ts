// Threat: operators give a number to someone new after a quarantine. The new
// holder opens the subscriber page and is recognised by the number, so the
// page listed which partners learnt the PREVIOUS holder's number or age and
// when (a disclosure of someone else's personal data; GDPR Art. 15 grants
// access to one's own), and the previous holder's withdrawals applied to the
// new holder. Fix: the operator records when the number changed hands
// (`hedge subscriber reassigned NUMBER --at TIME`, POST /subscribers/reassigned);
// the page then counts only records from that time on, choices made before it
// stop applying (a choice the new holder made after it stays), the audit keeps
// everything and records the operator action, and no log line names the number.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { viaProxy } from '../helpers/gateway.js';
import { auditBackend, hedgeCli, type AuditBackend } from '../helpers/audit.js';
import { createLogger } from '../../src/shared/log.js';
import { consentForm, pageRequest, postForm, startPageLab, type PageLab } from '../transparency/lab.js';

const NUMBER = '+447700900123';
const PREVIOUS = '127.0.0.1'; // the demo's static binding: the previous holder's phone
const NEW = '127.0.0.7'; // the new holder's phone, same number

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const counts = (html: string) => Object.fromEntries([...html.matchAll(/data-partner="([^"]+)" data-disclosures="(\d+)"/g)].map((m) => [m[1], Number(m[2])]));
const withdrawnCards = (html: string) =>
  [...html.matchAll(/<article[^>]*data-partner="([^"]+)"[\s\S]*?<\/article>/g)].filter((m) => /class="withdrawn"/.test(m[0])).map((m) => m[1]);

describe('a recycled number: the new holder sees only their own records and choices', () => {
  let be: AuditBackend | string;
  let lab: PageLab;
  let base: string;
  const logLines: string[] = [];

  before(async () => {
    be = await auditBackend('sqlite');
    if (typeof be === 'string') return;
    lab = await startPageLab(be, be.fresh(), { node: 'recycled', log: createLogger({ level: 'debug', format: 'json', write: (l) => void logLines.push(l) }) });
    base = lab.gw.transparencyUrl!;
  });

  after(async () => {
    await lab?.close();
    if (typeof be !== 'string') await be?.close();
  });

  test('after the operator records the reassignment, the new holder sees none of the previous holder', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const proxy = lab.gw.proxyAddress;
    // The previous holder: two disclosures, and consent to the age-check partner withdrawn.
    assert.equal((await viaProxy(proxy, 'http://my.operator.example/', { localAddress: PREVIOUS })).json().headers['x-msisdn'], NUMBER);
    assert.equal((await viaProxy(proxy, 'http://www.agegate.example/', { localAddress: PREVIOUS })).json().headers['x-age-verified'], 'yes');
    const old = await pageRequest(`${base}/`, { localAddress: PREVIOUS });
    assert.equal((await postForm(base, consentForm(old.body, 'agegate'), PREVIOUS)).status, 303);
    assert.deepEqual(withdrawnCards((await pageRequest(`${base}/`, { localAddress: PREVIOUS })).body), ['agegate']);

    // The number changes hands (the BSS's time), then the new holder's phone is bound to it.
    await sleep(5);
    const handedOver = Date.now();
    await sleep(5);
    const put = await fetch(`${lab.gw.adminUrl}/bindings/${NEW}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msisdn: NUMBER, ageVerified: true }),
    });
    assert.equal(put.status, 201);
    // Before the operator records it, the new holder objects to billing and visits self-care once: theirs, and kept.
    const early = await pageRequest(`${base}/`, { localAddress: NEW });
    assert.equal((await postForm(base, consentForm(early.body, 'billing'), NEW)).status, 303);
    assert.equal((await viaProxy(proxy, 'http://my.operator.example/', { localAddress: NEW })).json().headers['x-msisdn'], NUMBER);

    // The operator records the reassignment with the time from their BSS.
    const cli = await hedgeCli(['subscriber', 'reassigned', NUMBER, '--at', new Date(handedOver).toISOString(), '--admin', lab.gw.adminUrl]);

    // Reproduction: the new holder's page.
    const page = await pageRequest(`${base}/`, { localAddress: NEW });
    assert.equal(page.status, 200);
    assert.deepEqual(counts(page.body), { selfcare: 1, 'legacy-wap': 0, agegate: 0, billing: 0 }, "none of the previous holder's disclosures, only the new holder's own");
    assert.deepEqual(withdrawnCards(page.body), ['billing'], "the previous holder's withdrawal no longer applies; the new holder's own choice does");
    assert.match(page.body, /id="since">This number has been yours since /);

    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /\+447•+23 changed hands at /);
    assert.doesNotMatch(cli.stdout, /447700900123/, 'the CLI prints the number masked');
    // The new holder starts from the defaults: the age check partner receives the answer again.
    assert.equal((await viaProxy(proxy, 'http://www.agegate.example/', { localAddress: NEW })).json().headers['x-age-verified'], 'yes');
    assert.equal((await viaProxy(proxy, 'http://pay.billing.example/', { localAddress: NEW })).json().headers['x-subscriber-alias'], undefined);

    // The audit is intact: every disclosure of both holders, and the operator action.
    const ref = lab.gw.audit!.key.reference(NUMBER);
    const all = await lab.gw.audit!.store.scan({ from: 0, to: Number.MAX_SAFE_INTEGER, type: 'disclosure', subjectRef: ref }, undefined, 100);
    assert.deepEqual(
      all.map((r) => r.partner),
      ['selfcare', 'agegate', 'selfcare', 'agegate'],
    );
    const [event, ...more] = await lab.gw.audit!.store.scan({ from: 0, to: Number.MAX_SAFE_INTEGER, type: 'number-reassigned' }, undefined, 10);
    assert.equal(more.length, 0);
    assert.equal(event?.subjectRef, ref, 'the reassignment is recorded against the number (keyed reference)');
    assert.deepEqual(JSON.parse(event.detail), { at: new Date(handedOver).toISOString(), channel: 'admin' });
    assert.doesNotMatch(event.detail, /447700900123/);
    // Nothing in the log names the number.
    assert.ok(logLines.some((l) => l.includes('number reassignment recorded')));
    for (const l of logLines) assert.doesNotMatch(l, /7700900123/, l);
  });

  test('a bad reassignment is refused with a clear error and changes nothing', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    const post = (body: string) => fetch(`${lab.gw.adminUrl}/subscribers/reassigned`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const codeOf = async (r: Response) => ((await r.json()) as { error: { code: string } }).error.code;
    const future = await post(JSON.stringify({ msisdn: NUMBER, at: new Date(Date.now() + 3_600_000).toISOString() }));
    assert.equal(future.status, 400);
    assert.equal(await codeOf(future), 'HEDGE_ERR_REASSIGNMENT_INVALID');
    const notATime = await post(JSON.stringify({ msisdn: NUMBER, at: 'yesterday' }));
    assert.equal(notATime.status, 400);
    assert.equal(await codeOf(notATime), 'HEDGE_ERR_REASSIGNMENT_INVALID');
    const notJson = await post('{');
    assert.equal(notJson.status, 400);
    const badNumber = await post(JSON.stringify({ msisdn: '12' }));
    assert.equal(badNumber.status, 400);
    assert.equal(await codeOf(badNumber), 'HEDGE_ERR_NUMBER_INVALID');
    const get = await fetch(`${lab.gw.adminUrl}/subscribers/reassigned`);
    assert.equal(get.status, 405);
    const events = await lab.gw.audit!.store.scan({ from: 0, to: Number.MAX_SAFE_INTEGER, type: 'number-reassigned' }, undefined, 10);
    assert.equal(events.length, 1, 'only the one valid reassignment is on the record');
  });
});
