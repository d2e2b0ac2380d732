// Threat: with the memory binding store (the default), the subscribers'
// consent choices and the times numbers changed hands lived only in the
// gateway's process. After a restart (a crash, an upgrade) every withdrawal
// and objection was forgotten and the partner received the subscriber's
// identity again — although the page had told the subscriber "Saved: … receives
// nothing about you from now on"; and a number's new holder lost their own
// choices while the reassignment was forgotten too. Retention could do the
// same: purging the record of a withdrawal that still applies.
//
// Fix: a gateway with the memory store reads every `consent` and
// `number-reassigned` event back from the audit, in recorded order, before
// its listeners open (audit/consent-replay.ts); retention records a standing
// choice anew before it purges the original, and `hedge audit purge` stops a
// chain's purge before it (audit/consent-retention.ts).
//
// Real gateways on loopback with the audit in SQLite and in the real
// PostgreSQL: choices made through the subscriber page, the gateway stopped
// and a new one started on the same audit store.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { viaProxy } from '../helpers/gateway.js';
import { hedgeCli, useAuditBackend } from '../helpers/audit.js';
import { shiftedClock } from '../helpers/audit-witness.js';
import { portOf, spawnHedge } from '../helpers/hedge-process.js';
import { waitFor } from '../helpers/wait.js';
import { createLogger } from '../../src/shared/log.js';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';
import { consentForm, pageRequest, postForm, startPageLab, writePageLabConfig, type PageLab, type PageLabOptions } from '../transparency/lab.js';

const NUMBER = '+447700900123';
const PHONE = '127.0.0.1'; // the demo's static binding
const NEW = '127.0.0.7'; // the number's new holder

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const withdrawnCards = (html: string) =>
  [...html.matchAll(/<article[^>]*data-partner="([^"]+)"[\s\S]*?<\/article>/g)].filter((m) => /class="withdrawn"/.test(m[0])).map((m) => m[1]);

/** What the partners behind the demo's sites receive about the phone at `from`. */
async function received(lab: PageLab, from = PHONE): Promise<{ agegate: string | undefined; billing: string | undefined }> {
  const proxy = lab.gw.proxyAddress;
  const agegate = (await viaProxy(proxy, 'http://www.agegate.example/', { localAddress: from })).json().headers['x-age-verified'] as string | undefined;
  const billing = (await viaProxy(proxy, 'http://pay.billing.example/', { localAddress: from })).json().headers['x-subscriber-alias'] as string | undefined;
  return { agegate, billing };
}

/** Flips one partner's choice on the page, as the subscriber's browser does. */
async function choose(base: string, partner: string, from = PHONE): Promise<string> {
  const page = await pageRequest(`${base}/`, { localAddress: from });
  const r = await postForm(base, consentForm(page.body, partner), from);
  assert.equal(r.status, 303);
  return r.headers.location!;
}

async function bindNewHolder(lab: PageLab): Promise<void> {
  const put = await fetch(`${lab.gw.adminUrl}/bindings/${NEW}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msisdn: NUMBER, ageVerified: true }),
  });
  assert.equal(put.status, 201);
}

for (const name of ['sqlite', 'postgres'] as const)
  describe(`consent choices outlive a restart of a gateway with the memory store (${name} audit)`, () => {
    const backend = useAuditBackend(name);
    const logLines: string[] = [];
    const opts = (node: string, more: Partial<PageLabOptions> = {}): PageLabOptions => ({
      node,
      log: createLogger({ level: 'debug', format: 'json', write: (l) => void logLines.push(l) }),
      ...more,
    });

    test('a withdrawal made on the page still applies after the gateway restarts', { timeout: 120_000 }, async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const be = backend.be!;
      const loc = be.fresh();
      const first = await startPageLab(be, loc, opts('restart'));
      let base = first.gw.transparencyUrl!;
      try {
        assert.equal((await received(first)).agegate, 'yes');
        const saved = await choose(base, 'agegate');
        assert.equal(saved, '/?lang=en&done=withdrawn:agegate');
        // An objection made and lifted again: the partner receives again, after the restart too.
        await choose(base, 'billing');
        await choose(base, 'billing');
        const before = await received(first);
        assert.equal(before.agegate, undefined);
        assert.ok(before.billing, 'the objection was lifted');
      } finally {
        await first.close();
      }

      const second = await startPageLab(be, loc, opts('restart'));
      base = second.gw.transparencyUrl!;
      try {
        // Reproduction: the partner the subscriber withdrew from.
        const after = await received(second);
        assert.equal(after.agegate, undefined, 'the withdrawal outlives the restart: the partner receives nothing');
        assert.ok(after.billing, 'a choice given again stays given');
        const page = await pageRequest(`${base}/?done=withdrawn:agegate`, { localAddress: PHONE });
        assert.deepEqual(withdrawnCards(page.body), ['agegate'], 'the page still shows the withdrawal');
        assert.match(page.body, /role="status">Saved/, 'and the notice the page gave is still true');
      } finally {
        await second.close();
      }
      assert.ok(logLines.some((l) => l.includes('consent choices read back from the audit')));
      for (const l of logLines) assert.doesNotMatch(l, /7700900123/, l);
    });

    test("after a restart a number's new holder is bound by their own choices, not by the previous holder's", { timeout: 120_000 }, async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const be = backend.be!;
      const loc = be.fresh();
      const first = await startPageLab(be, loc, opts('recycled'));
      let base = first.gw.transparencyUrl!;
      const handedOver = await (async () => {
        try {
          await choose(base, 'agegate'); // the previous holder withdraws
          await sleep(5);
          const at = Date.now();
          await sleep(5);
          await bindNewHolder(first);
          await choose(base, 'billing', NEW); // the new holder objects, before the operator records the reassignment
          const r = await fetch(`${first.gw.adminUrl}/subscribers/reassigned`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ msisdn: NUMBER, at: new Date(at).toISOString() }),
          });
          assert.equal(r.status, 200);
          assert.deepEqual(await received(first, NEW), { agegate: 'yes', billing: undefined });
          return at;
        } finally {
          await first.close();
        }
      })();

      const second = await startPageLab(be, loc, opts('recycled'));
      base = second.gw.transparencyUrl!;
      try {
        await bindNewHolder(second); // memory bindings are the operator's to restore (RADIUS, PUT /bindings)
        assert.deepEqual(await received(second, NEW), { agegate: 'yes', billing: undefined }, "the previous holder's withdrawal does not apply; the new holder's own does");
        const page = await pageRequest(`${base}/`, { localAddress: NEW });
        assert.deepEqual(withdrawnCards(page.body), ['billing']);
        assert.match(page.body, /id="since">This number has been yours since /, 'the reassignment outlives the restart');
        assert.equal(await second.gw.consents.holderSince(NUMBER), handedOver);
      } finally {
        await second.close();
      }
    });
  });

describe('retention does not undo a withdrawal', () => {
  const backend = useAuditBackend('sqlite');

  /** A `hedge start` child whose clock runs two days behind: it takes the subscriber's choices on its page. */
  async function choicesTwoDaysAgo(cfg: string, choices: string[]): Promise<void> {
    const gw = spawnHedge(['start', '-c', cfg], shiftedClock(-2 * 86_400_000));
    try {
      const page = await gw.waitFor((l) => l.msg === 'transparency page started', 60_000);
      await gw.waitFor((l) => l.msg === 'hedge started', 60_000);
      const base = `http://127.0.0.1:${portOf(page.listen)}`;
      for (const p of choices) await choose(base, p);
    } finally {
      await gw.stop();
    }
  }

  test("the gateway's retention records a standing withdrawal anew before it purges the original; a withdrawal lifted again goes", { timeout: 180_000 }, async (t) => {
    if (backend.skip) return t.skip(backend.skip);
    const be = backend.be!;
    const loc = be.fresh();
    const origin = await startEchoOrigin('127.0.0.1', 0);
    try {
      const cfg = writePageLabConfig(be, loc, { node: 'retained' }, origin.address.port);
      await choicesTwoDaysAgo(cfg, ['agegate', 'billing', 'billing']);

      const lab = await startPageLab(be, loc, { node: 'retained', origin, audit: { retentionDays: 1 }, gateway: { retentionFirstRunMs: 100 } });
      try {
        const store = lab.gw.audit!.store;
        await waitFor('the purge', async () => (await store.checkpoints('retained')).some((c) => c.kind === 'purge'), 30_000);
        const all = { from: 0, to: 8.64e15 };
        assert.deepEqual(await store.scan({ ...all, type: 'consent' }, undefined, 10), [], 'the original choices are purged');
        const kept = await store.scan({ ...all, type: 'consent-kept' }, undefined, 10);
        assert.deepEqual(
          kept.map((r) => [r.partner, JSON.parse(r.detail).choice, JSON.parse(r.detail).channel]),
          [['agegate', 'withdrawn', 'retention']],
          'only the withdrawal that still applies is kept',
        );
        assert.equal(kept[0]!.subjectRef, lab.gw.audit!.key.reference(NUMBER));
        assert.equal((await received(lab)).agegate, undefined);
      } finally {
        await lab.close();
      }
      const verify = await hedgeCli(['audit', 'verify', '-c', cfg]);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);

      const restarted = await startPageLab(be, loc, { node: 'retained', origin });
      try {
        const now = await received(restarted);
        assert.equal(now.agegate, undefined, 'after retention and a restart the partner still receives nothing');
        assert.ok(now.billing, 'the objection lifted again is not resurrected');
        const page = await pageRequest(`${restarted.gw.transparencyUrl}/`, { localAddress: PHONE });
        assert.deepEqual(withdrawnCards(page.body), ['agegate']);
      } finally {
        await restarted.close();
      }
    } finally {
      await origin.close();
    }
  });

  test('`hedge audit purge` keeps the record of a standing withdrawal (and the rest of its chain)', { timeout: 180_000 }, async (t) => {
    if (backend.skip) return t.skip(backend.skip);
    const be = backend.be!;
    const loc = be.fresh();
    const origin = await startEchoOrigin('127.0.0.1', 0);
    try {
      const cfg = writePageLabConfig(be, loc, { node: 'cli-purged' }, origin.address.port);
      await choicesTwoDaysAgo(cfg, ['agegate']);
      const purge = await hedgeCli(['audit', 'purge', '-c', cfg, '--before', '1d', '--yes']);
      assert.equal(purge.code, 0, purge.stdout + purge.stderr);
      assert.match(purge.stdout, /chain cli-purged: keeps #\d+ and after: it records a consent choice that still applies/);
      const store = await be.open(loc);
      try {
        assert.equal((await store.scan({ from: 0, to: 8.64e15, type: 'consent' }, undefined, 10)).length, 1);
      } finally {
        await store.close();
      }
      const restarted = await startPageLab(be, loc, { node: 'cli-purged', origin });
      try {
        assert.equal((await received(restarted)).agegate, undefined);
      } finally {
        await restarted.close();
      }
    } finally {
      await origin.close();
    }
  });
});

/** A TCP hop to PostgreSQL that can be cut: while down it closes every connection (the database unreachable). */
async function cuttable(target: URL): Promise<{ port: number; up(on: boolean): void; close(): Promise<void> }> {
  let on = false;
  const open = new Set<net.Socket>();
  const server = net.createServer((c) => {
    if (!on) return void c.destroy();
    const u = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [c, u]) {
      open.add(s);
      s.on('error', () => {});
      s.on('close', () => (open.delete(s), c.destroy(), u.destroy()));
    }
    c.pipe(u).pipe(c);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    up(v) {
      on = v;
      if (!v) for (const s of open) s.destroy();
    },
    close: () => new Promise<void>((r) => (server.close(() => r()), [...open].forEach((s) => s.destroy()))),
  };
}

describe('a replay that cannot be done fails closed', () => {
  const sqlite = useAuditBackend('sqlite');
  const postgres = useAuditBackend('postgres');

  async function readiness(lab: PageLab): Promise<{ status: number; consent: { ok: boolean; detail?: string } }> {
    const r = await fetch(`${lab.gw.adminUrl}/readyz`);
    const body = (await r.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
    return { status: r.status, consent: body.checks.consentChoices! };
  }

  test('a consent record the gateway cannot read: no partner receives anything, the page takes no choice, /readyz says why', { timeout: 120_000 }, async (t) => {
    if (sqlite.skip) return t.skip(sqlite.skip);
    const be = sqlite.be!;
    const loc = be.fresh();
    const first = await startPageLab(be, loc, { node: 'unreadable' });
    try {
      await choose(first.gw.transparencyUrl!, 'agegate');
    } finally {
      await first.close();
    }
    await be.sql(loc, "UPDATE T SET detail = 'not json' WHERE type = 'consent'");
    const lines: string[] = [];
    const lab = await startPageLab(be, loc, {
      node: 'unreadable',
      log: createLogger({ level: 'info', format: 'json', write: (l) => void lines.push(l) }),
      gateway: { consentReplayWaitMs: 5000, consentReplayRetryMs: 100 },
    });
    try {
      const selfcare = (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { localAddress: PHONE })).json();
      assert.equal(selfcare.headers['x-msisdn'], undefined, 'no partner receives anything while the choices are not back');
      assert.deepEqual(await received(lab), { agegate: undefined, billing: undefined });
      const ready = await readiness(lab);
      assert.equal(ready.status, 503);
      assert.deepEqual(ready.consent, { ok: false, detail: 'not yet read back from the audit' });
      const error = lines.find((l) => l.includes('consent choices cannot be read back from the audit'));
      assert.ok(error, lines.join('\n'));
      assert.match(error, /audit\.store/);
      assert.match(error, /HEDGE_ERR_AUDIT_TAMPERED/);
      const page = await pageRequest(`${lab.gw.transparencyUrl}/`, { localAddress: PHONE });
      assert.equal(withdrawnCards(page.body).length, 0);
      assert.doesNotMatch(page.body, /method="post"/, 'no form: the page cannot tell whose choices it would change');
    } finally {
      await lab.close();
    }
    for (const l of lines) assert.doesNotMatch(l, /7700900123/, l);
  });

  test('an audit store unreachable at start: nothing is disclosed until it answers, then the withdrawal applies', { timeout: 120_000 }, async (t) => {
    if (postgres.skip) return t.skip(postgres.skip);
    const be = postgres.be!;
    const loc = be.fresh();
    const first = await startPageLab(be, loc, { node: 'unreachable' });
    try {
      await choose(first.gw.transparencyUrl!, 'agegate');
    } finally {
      await first.close();
    }
    const hop = await cuttable(new URL(loc.spec));
    const via = new URL(loc.spec);
    via.port = String(hop.port);
    const lab = await startPageLab(be, { spec: via.href, schema: loc.schema }, { node: 'unreachable', gateway: { consentReplayWaitMs: 2000, consentReplayRetryMs: 100 } });
    try {
      assert.equal((await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { localAddress: PHONE })).json().headers['x-msisdn'], undefined);
      assert.deepEqual((await readiness(lab)).consent, { ok: false, detail: 'not yet read back from the audit' });
      hop.up(true);
      await waitFor('the choices read back', async () => (await readiness(lab)).consent.ok, 30_000);
      await waitFor(
        'disclosures again',
        async () => (await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { localAddress: PHONE })).json().headers['x-msisdn'],
        30_000,
      );
      assert.equal((await received(lab)).agegate, undefined, 'the withdrawal applies from the first disclosure on');
    } finally {
      await lab.close();
      await hop.close();
    }
  });
});
