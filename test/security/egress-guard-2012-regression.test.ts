// Threat: the 2012 incident. A maintenance change made the gateway send every
// subscriber's number to every website. Here a deliberately broken enrich
// stage (injected by the test, before the guard) adds the raw number to every
// request — in every header spelling from the catalogue and in made-up
// headers, in every format and encoding — and the egress guard must stop all
// of it: news.example receives none of it, each strip is counted, an alert is
// raised, and the canary fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, viaProxy, type EchoBody } from '../helpers/gateway.js';
import { beforeGuard } from '../helpers/pipeline.js';
import type { Stage } from '../../src/pipeline/stage.js';
import { CONTINUE } from '../../src/pipeline/stage.js';
import { HEADER_CATALOGUE, findSubscriberIdentifiers, findIdentifierLike, catalogueEntry } from '../../src/detect/index.js';

const SUB = { msisdn: '+447700900123', imsi: '001010000000123', imei: '490154203237518' };
const b64 = (s: string) => Buffer.from(s).toString('base64');
const hex = (s: string) => Buffer.from(s).toString('hex');

/** The number (and the other identifiers) in each format the issue lists. */
export const LEAKED_VALUES: readonly string[] = [
  '+447700900123',
  '447700900123',
  '00447700900123',
  '07700900123',
  '+44 7700 900123',
  '07700.900.123',
  '07700-900-123',
  '%2B447700900123',
  encodeURIComponent('tel:+44 7700 900123'),
  hex('447700900123'),
  b64('447700900123'),
  b64('msisdn=447700900123'),
  '001010000000123',
  hex('001010000000123'),
  b64('001010000000123'),
  '490154203237518',
  '4901542032375101',
  b64('490154203237518'),
  hex('490154203237518'),
];

/** Every spelling the strip stage must know: catalogue names as-is, upper case, with "_". */
const SPELLINGS = HEADER_CATALOGUE.flatMap((e) => [e.name, e.name.toUpperCase(), e.name.replace(/-/g, '_')]);

/** The broken stage: adds the raw number everywhere, as the 2012 maintenance change did. */
export function leakEverything(): Stage {
  return {
    name: 'broken-enrich-2012',
    onError: 'no-enrichment',
    onRequest(flow) {
      for (const name of SPELLINGS) flow.headers.push(name, '447700900123');
      LEAKED_VALUES.forEach((v, i) => flow.headers.push(`X-Made-Up-${i}`, v));
      return CONTINUE;
    },
  };
}

function assertNothingIdentifying(e: EchoBody, where: string) {
  for (let i = 0; i < e.rawHeaders.length; i += 2) {
    const name = e.rawHeaders[i]!;
    const value = e.rawHeaders[i + 1]!;
    assert.equal(catalogueEntry(name), undefined, `${where}: catalogue header ${name} arrived`);
    assert.deepEqual(findSubscriberIdentifiers(value, SUB), [], `${where}: identifier arrived in ${name}`);
    assert.deepEqual(
      findIdentifierLike(value).filter((x) => x.kind !== 'token'),
      [],
      `${where}: identifier-like value arrived in ${name}`,
    );
  }
  assert.deepEqual(findSubscriberIdentifiers(e.path, SUB), [], `${where}: identifier in the URL`);
}

test('2012 regression: a broken enrich stage leaking the number everywhere — news.example receives none of it', async () => {
  const lab = await startLab({ transformPipeline: beforeGuard(leakEverything()) });
  try {
    const m0 = lab.gw.metrics;
    const before = {
      stripped: await m0.value('hedge_egress_guard_hits_total', { action: 'stripped' }),
      upCli: await m0.value('hedge_egress_guard_hits_total', { header: 'x-up-calling-line-id', reason: 'identity-header' }),
      madeUp0: await m0.value('hedge_egress_guard_hits_total', { header: 'x-made-up-0', attribute: 'msisdn', reason: 'identifier' }),
      madeUp12: await m0.value('hedge_egress_guard_hits_total', { header: 'x-made-up-12', attribute: 'imsi' }),
      madeUp16: await m0.value('hedge_egress_guard_hits_total', { header: 'x-made-up-16', attribute: 'imei' }),
      alerts: await m0.value('hedge_alerts_total', { kind: 'egress-guard' }),
    };
    const r = await viaProxy(lab.gw.proxyAddress, 'http://news.example/story?id=1');
    assert.equal(r.status, 200, 'traffic keeps flowing');
    assertNothingIdentifying(r.json(), 'news.example');

    // Each strip is counted, by header, attribute and reason (the canary's own
    // runs are counted too, so compare with the values before the request).
    const m = lab.gw.metrics;
    const injected = SPELLINGS.length + LEAKED_VALUES.length;
    assert.equal((await m.value('hedge_egress_guard_hits_total', { action: 'stripped' })) - before.stripped, injected);
    assert.equal((await m.value('hedge_egress_guard_hits_total', { header: 'x-up-calling-line-id', reason: 'identity-header' })) - before.upCli, 3);
    assert.equal((await m.value('hedge_egress_guard_hits_total', { header: 'x-made-up-0', attribute: 'msisdn', reason: 'identifier' })) - before.madeUp0, 1);
    assert.equal((await m.value('hedge_egress_guard_hits_total', { header: 'x-made-up-12', attribute: 'imsi' })) - before.madeUp12, 1);
    assert.equal((await m.value('hedge_egress_guard_hits_total', { header: 'x-made-up-16', attribute: 'imei' })) - before.madeUp16, 1);

    // An alert is raised, naming headers and attributes, never values.
    const alert = lab.gw.alerts.recent().findLast((a) => a.kind === 'egress-guard' && a.fields.host === 'news.example');
    assert.ok(alert, 'an egress-guard alert was raised for news.example');
    assert.ok((alert.fields.headers as string[]).includes('x-made-up-0'));
    assert.ok((alert.fields.attributes as string[]).includes('msisdn'));
    assert.ok((await m.value('hedge_alerts_total', { kind: 'egress-guard' })) > before.alerts);
    const text = JSON.stringify(lab.gw.alerts.recent());
    for (const v of ['447700900123', '7700900123', '001010000000123', '490154203237518', '447700900999']) assert.ok(!text.includes(v), 'alerts carry no value');
  } finally {
    await lab.close();
  }
});

test('2012 regression: the partner still receives exactly its grant, nothing the broken stage added', async () => {
  const lab = await startLab({ transformPipeline: beforeGuard(leakEverything()) });
  try {
    const age = (await viaProxy(lab.gw.proxyAddress, 'http://www.agegate.example/')).json();
    assert.equal(age.headers['x-age-verified'], 'yes');
    assertNothingIdentifying(age, 'agegate');
    const self = (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/')).json();
    assert.equal(self.headers['x-msisdn'], '+447700900123', 'the granted header arrives');
    for (let i = 0; i < LEAKED_VALUES.length; i++) assert.equal(self.headers[`x-made-up-${i}`], undefined);
    assert.equal(self.headers['x-up-calling-line-id'], undefined, 'not granted to self-care');
  } finally {
    await lab.close();
  }
});

test('a disclosure the policy does not grant to this destination is removed (a broken enrich using flow.disclose)', async () => {
  const forged: Stage = {
    name: 'broken-disclose',
    onError: 'no-enrichment',
    onRequest(flow) {
      // Claims to be the self-care partner's grant, at a host that is not self-care.
      flow.disclose({ partnerId: 'selfcare', attribute: 'msisdn', form: 'raw', header: 'X-MSISDN', value: '+447700900123' });
      // A grant's header with a pseudonym form at the age gate, carrying the raw number.
      flow.disclose({ partnerId: 'agegate', attribute: 'age-verified', form: 'claim', header: 'X-Age-Verified', value: '447700900123' });
      return CONTINUE;
    },
  };
  const lab = await startLab({ transformPipeline: beforeGuard(forged) });
  try {
    const news = (await viaProxy(lab.gw.proxyAddress, 'http://news.example/')).json();
    assert.equal(news.headers['x-msisdn'], undefined);
    assertNothingIdentifying(news, 'news.example');
    const age = (await viaProxy(lab.gw.proxyAddress, 'http://www.agegate.example/')).json();
    assert.deepEqual(age.headers['x-age-verified'], 'yes', 'only the real claim arrives');
    assertNothingIdentifying(age, 'agegate');
    assert.ok((await lab.gw.metrics.value('hedge_egress_guard_hits_total', { reason: 'identity-header' })) >= 2);
  } finally {
    await lab.close();
  }
});

test('a client that sends its own number in a query string or a form field is not blocked', async () => {
  const lab = await startLab();
  try {
    const q = await viaProxy(lab.gw.proxyAddress, 'http://news.example/signup?phone=%2B447700900123&imei=490154203237518');
    assert.equal(q.status, 200);
    assert.equal(q.json().path, '/signup?phone=%2B447700900123&imei=490154203237518');
    const body = 'name=me&msisdn=07700900123';
    const f = await viaProxy(lab.gw.proxyAddress, 'http://news.example/form', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length), 'x-my-own-phone': '+447700900123' },
      body,
    });
    assert.equal(f.status, 200);
    assert.equal(f.json().bodyBytes, body.length);
    assert.equal(f.json().headers['x-my-own-phone'], '+447700900123', "a header the client itself sent is the client's choice");
    assert.equal(await lab.gw.metrics.value('hedge_egress_guard_hits_total'), 0, 'nothing stripped, not even for the canary');
  } finally {
    await lab.close();
  }
});

test('a URL the gateway changed to carry the number is refused', async () => {
  const rewrite: Stage = {
    name: 'broken-rewrite',
    onError: 'no-enrichment',
    onRequest(flow) {
      flow.target.path += (flow.target.path.includes('?') ? '&' : '?') + 'cli=447700900123';
      return CONTINUE;
    },
  };
  const lab = await startLab({ transformPipeline: beforeGuard(rewrite) });
  try {
    const r = await viaProxy(lab.gw.proxyAddress, 'http://news.example/story');
    assert.equal(r.status, 500);
    assert.equal(r.headers['x-hedge-error'], 'HEDGE_ERR_EGRESS_REFUSED');
    assert.ok((await lab.gw.metrics.value('hedge_egress_guard_hits_total', { header: ':url', action: 'refused' })) >= 1);
  } finally {
    await lab.close();
  }
});

test('no code path bypasses the guard: without it, or with a header added after it, the upstream refuses', async () => {
  const noGuard = await startLab({ transformPipeline: (p) => ({ ...p, stages: p.stages.filter((s) => s.name !== 'egress-guard') }) });
  try {
    const r = await viaProxy(noGuard.gw.proxyAddress, 'http://news.example/');
    assert.equal(r.status, 500);
    assert.equal(r.headers['x-hedge-error'], 'HEDGE_ERR_EGRESS_UNGUARDED');
  } finally {
    await noGuard.close();
  }
  const after: Stage = {
    name: 'adds-after-guard',
    onError: 'no-enrichment',
    onRequest(flow) {
      flow.headers.push('X-Late', '447700900123');
      return CONTINUE;
    },
  };
  const late = await startLab({ transformPipeline: (p) => ({ ...p, stages: [...p.stages, after] }) });
  try {
    const r = await viaProxy(late.gw.proxyAddress, 'http://news.example/');
    assert.equal(r.status, 500);
    assert.equal(r.headers['x-hedge-error'], 'HEDGE_ERR_EGRESS_UNGUARDED');
  } finally {
    await late.close();
  }
});

test('2012 regression: the canary fails, raises an alert, and with disable-enrichment stops enrichment until a run passes', async () => {
  let broken = true;
  const sometimesLeaks: Stage = {
    name: 'broken-enrich-2012',
    onError: 'no-enrichment',
    onRequest(flow) {
      return broken ? leakEverything().onRequest(flow) : CONTINUE;
    },
  };
  const lab = await startLab({
    transformPipeline: beforeGuard(sometimesLeaks),
    edit: (y) => y + '\ncanary:\n  onFailure: disable-enrichment\n  intervalSeconds: 0\n',
  });
  try {
    const gw = lab.gw;
    const status = gw.canary!.status();
    assert.equal(status.last?.ok, false, 'the canary failed at start');
    const stripped = status.last!.findings.filter((f) => f.kind === 'guard-stripped');
    assert.ok(
      stripped.some((f) => f.host === 'hedge-canary.invalid'),
      'found at a non-partner canary host',
    );
    assert.ok(stripped.some((f) => f.header === 'x-up-calling-line-id'));
    assert.ok(!JSON.stringify(status).includes('447700900999'), 'findings carry no value');
    assert.ok(
      gw.alerts.recent().some((a) => a.kind === 'canary-failed'),
      'canary-failed alert',
    );
    assert.equal(await gw.metrics.value('hedge_canary_last_run_ok'), 0);
    assert.equal(await gw.metrics.value('hedge_enrichment_enabled'), 0);

    // Admin API shows the same.
    const api = (await (await fetch(`${gw.adminUrl}/canary`)).json()) as { enrichmentEnabled: boolean; last: { ok: boolean; failures: number } };
    assert.equal(api.enrichmentEnabled, false);
    assert.equal(api.last.ok, false);
    assert.ok(api.last.failures > 0);

    // Enrichment is off for everyone: self-care gets no number.
    const off = (await viaProxy(gw.proxyAddress, 'http://my.operator.example/')).json();
    assert.equal(off.headers['x-msisdn'], undefined);

    // The fault is fixed; the next run passes and enrichment comes back.
    broken = false;
    const run = (await (await fetch(`${gw.adminUrl}/canary/run`, { method: 'POST' })).json()) as { ok: boolean };
    assert.equal(run.ok, true);
    assert.equal(gw.enrichment.enabled, true);
    const on = (await viaProxy(gw.proxyAddress, 'http://my.operator.example/')).json();
    assert.equal(on.headers['x-msisdn'], '+447700900123');
  } finally {
    await lab.close();
  }
});
