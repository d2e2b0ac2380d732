// Threat: operators give a number to someone new after a quarantine, and a
// partner that receives the number's pseudonym uses it as a stable account
// key. The pseudonym was a keyed hash of the number alone, so the new holder's
// traffic reached the partner with the previous holder's pseudonym: the
// partner logged the new holder into the previous holder's account (orders,
// address, payment methods) and linked the two people. Fix: once the operator
// records that the number changed hands (`hedge subscriber reassigned`, POST
// /subscribers/reassigned), its pseudonym is keyed by the number and the
// holder epoch (the latest reassignment in force), read with the consent
// choices in one read under the same staleness bound; a number never
// reassigned keeps exactly the pseudonym it had; a reassignment recorded a
// little ahead applies from its time on; an epoch that cannot be read gives
// no pseudonym at all; no log line names the number or a pseudonym.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { viaProxy } from '../helpers/gateway.js';
import { withKeys } from '../helpers/keys.js';
import { auditBackend, hedgeCli, type AuditBackend } from '../helpers/audit.js';
import { dropKeysAndStop, redisService, type Service } from '../helpers/services.js';
import { startPageLab, type PageLab } from '../transparency/lab.js';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { generateKeyFile, writeKeyFile } from '../../src/keys/keyfile.js';
import { derivePseudonymKey } from '../../src/keys/pseudonym-key.js';
import { createLogger } from '../../src/shared/log.js';
import { startFrontDoorLab, partnerClient, fullLogin, ALL_SCOPES, PHONE_NUMBER, type FrontDoorLab } from '../helpers/front-door.js';

const NUMBER = '+447700900123'; // the demo's static binding on 127.0.0.1: the number that changes hands
const OTHER = '+447700900555'; // never reassigned, bound to 127.0.0.5
// A fixed operator pseudonym root, so the pseudonyms partners hold can be pinned.
const ROOT = Buffer.from('hedge-test-pseudonym-root-000001', 'utf8');
/** What the billing partner received for these numbers before this fix (HMAC of the number alone): it must not change for a number never reassigned. */
const PINNED: Record<string, string> = {
  [NUMBER]: 'QVmfNmj2d8VDuPdJfkqHZLTx1wW-ygpHgjONweEW_7Y',
  [OTHER]: 'kUqXqJ6WnSKotq4hm7JdPHQvKJ5huYTY7OZWr2pqeZ4',
};
/** The pseudonym of a number's holder since `epoch` (ms), as docs/partners.md describes it. */
const holderAlias = (msisdn: string, epoch: number) =>
  createHmac('sha256', derivePseudonymKey(ROOT, 'billing')).update(`${msisdn}\u0000hedge-holder-v1\u0000${epoch}`).digest('base64url');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The pseudonym the billing partner (X-Subscriber-Alias) receives for the phone at `from`. */
const alias = async (lab: PageLab, from: string) =>
  (await viaProxy(lab.gw.proxyAddress, 'http://pay.billing.example/', { localAddress: from })).json().headers['x-subscriber-alias'] as string | undefined;

function keyFile(): { file: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-recycled-'));
  const file = join(dir, 'keys.json');
  writeKeyFile(file, { ...generateKeyFile(Date.now(), { idTokenRsa: false }), pseudonym: { created: new Date().toISOString(), key: ROOT.toString('base64url') } });
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function bindOther(lab: PageLab): Promise<void> {
  const put = await fetch(`${lab.gw.adminUrl}/bindings/127.0.0.5`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msisdn: OTHER }) });
  assert.equal(put.status, 201);
}

async function reassign(lab: { gw: { adminUrl: string } }, at: number): Promise<void> {
  const r = await fetch(`${lab.gw.adminUrl}/subscribers/reassigned`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ msisdn: NUMBER, at: new Date(at).toISOString() }),
  });
  assert.equal(r.status, 200, await r.text());
}

describe('a recycled number: the new holder gets a pseudonym of their own', () => {
  let be: AuditBackend | string;
  let lab: PageLab;
  let keys: { file: string; cleanup(): void };
  const logLines: string[] = [];

  before(async () => {
    be = await auditBackend('sqlite');
    if (typeof be === 'string') return;
    keys = keyFile();
    lab = await startPageLab(be, be.fresh(), {
      node: 'recycled-alias',
      edit: withKeys(keys.file),
      log: createLogger({ level: 'debug', format: 'json', write: (l) => void logLines.push(l) }),
    });
    await bindOther(lab);
  });

  after(async () => {
    await lab?.close();
    keys?.cleanup();
    if (typeof be !== 'string') await be?.close();
  });

  test('memory store: after `hedge subscriber reassigned` the partner receives a different, stable pseudonym; other numbers keep theirs', async (t) => {
    if (typeof be === 'string') return t.skip(be);
    // The previous holder, and a number never reassigned: the pseudonyms partners already hold.
    assert.equal(await alias(lab, '127.0.0.1'), PINNED[NUMBER]);
    assert.equal(await alias(lab, '127.0.0.5'), PINNED[OTHER]);

    // The number changed hands a second ago (the BSS's time); the operator records it with the real CLI.
    const handedOver = Date.now() - 1000;
    const cli = await hedgeCli(['subscriber', 'reassigned', NUMBER, '--at', new Date(handedOver).toISOString(), '--admin', lab.gw.adminUrl]);
    assert.equal(cli.code, 0, cli.stderr);

    // Reproduction: the new holder's traffic reached the partner with the previous holder's pseudonym.
    const fresh = await alias(lab, '127.0.0.1');
    assert.notEqual(fresh, PINNED[NUMBER], "the new holder must not arrive with the previous holder's pseudonym");
    assert.equal(fresh, holderAlias(NUMBER, handedOver), 'keyed by the number and the holder epoch');
    assert.equal(await alias(lab, '127.0.0.1'), fresh, 'stable for the new holder');
    assert.equal(await alias(lab, '127.0.0.5'), PINNED[OTHER], 'a number never reassigned keeps exactly the pseudonym it had');

    // The next holder, recorded 1.5 s ahead of the gateway's clock: the number stays the current holder's until then.
    const next = Date.now() + 1500;
    await reassign(lab, next);
    assert.equal(await alias(lab, '127.0.0.1'), fresh, 'a reassignment applies only from its time on');
    await sleep(next - Date.now() + 50);
    const third = await alias(lab, '127.0.0.1');
    assert.equal(third, holderAlias(NUMBER, next));
    assert.ok(third !== fresh && third !== PINNED[NUMBER], 'every holder has a pseudonym of their own');
    assert.equal(await alias(lab, '127.0.0.5'), PINNED[OTHER]);

    // Nothing in the log names the number or any pseudonym.
    assert.ok(logLines.some((l) => l.includes('number reassignment recorded')));
    for (const l of logLines) {
      assert.doesNotMatch(l, /7700900123|7700900555/, l);
      for (const v of [PINNED[NUMBER]!, PINNED[OTHER]!, fresh!, third!]) assert.ok(!l.includes(v), `a pseudonym in the log: ${l}`);
    }
  });
});

describe('a recycled number on two gateways sharing Redis', () => {
  const MAX_STALE_MS = 300;
  let be: AuditBackend | string;
  let redis: Service | string;
  let origin: EchoOrigin;
  let a: PageLab;
  let b: PageLab;
  let keys: { file: string; cleanup(): void };
  const prefix = `hedge-recycled-${randomBytes(4).toString('hex')}:`;

  before(async () => {
    redis = await redisService();
    be = await auditBackend('sqlite');
    if (typeof redis === 'string' || typeof be === 'string') return;
    origin = await startEchoOrigin('127.0.0.1', 0);
    keys = keyFile();
    const loc = be.fresh();
    const url = redis.url;
    const edit = (y: string) =>
      withKeys(keys.file)(y.replace('store: memory', `store: ${JSON.stringify(url)}\n  maxStaleMs: ${MAX_STALE_MS}\n  redis:\n    keyPrefix: "${prefix}"`));
    a = await startPageLab(be, loc, { node: 'gw-a', origin, edit });
    b = await startPageLab(be, loc, { node: 'gw-b', origin, edit });
    await bindOther(a);
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await origin?.close();
    keys?.cleanup();
    if (typeof redis !== 'string' && redis) await dropKeysAndStop(redis, prefix);
    if (typeof be !== 'string') await be?.close();
  });

  /** Polls node `lab` until the number's pseudonym is `want`; returns how long it took. */
  async function until(lab: PageLab, want: string | undefined): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < MAX_STALE_MS + 2000) {
      if ((await alias(lab, '127.0.0.1')) === want) return Date.now() - start;
      await sleep(20);
    }
    throw new Error('the pseudonym did not change within the staleness bound');
  }

  test('a reassignment recorded on one node changes the pseudonym on both within maxStaleMs; an unreadable epoch gives none', async (t) => {
    if (typeof redis === 'string') return t.skip(redis);
    if (typeof be === 'string') return t.skip(be);
    assert.equal(a.gw.bindings.kind, 'redis');
    for (const lab of [a, b]) {
      assert.equal(await alias(lab, '127.0.0.1'), PINNED[NUMBER]);
      assert.equal(await alias(lab, '127.0.0.5'), PINNED[OTHER]);
    }
    // Node B has the record cached now: the bound starts here.
    const handedOver = Date.now() - 1000;
    await reassign(a, handedOver);
    const fresh = holderAlias(NUMBER, handedOver);
    assert.equal(await alias(a, '127.0.0.1'), fresh, 'the node that took the reassignment applies it at once');
    const tookB = await until(b, fresh);
    assert.ok(tookB <= MAX_STALE_MS + 250, `node B applied it within maxStaleMs (+ request time): ${tookB} ms`);
    for (let i = 0; i < 3; i++) for (const lab of [a, b]) assert.equal(await alias(lab, '127.0.0.1'), fresh, 'both nodes agree, and stay agreed');
    for (const lab of [a, b]) assert.equal(await alias(lab, '127.0.0.5'), PINNED[OTHER], 'a number never reassigned keeps its pseudonym');

    // The holder time cannot be read: no pseudonym at all, never the previous holder's.
    const r = new Redis(redis.url);
    try {
      await r.set(`${prefix}holder:{${NUMBER}}`, 'not a time');
      await sleep(MAX_STALE_MS + 50);
      for (const lab of [a, b]) {
        assert.equal(await alias(lab, '127.0.0.1'), undefined, 'fail closed: no pseudonym when the holder epoch cannot be read');
        assert.equal(await alias(lab, '127.0.0.5'), PINNED[OTHER], 'other numbers are unaffected');
      }
      await r.set(`${prefix}holder:{${NUMBER}}`, String(handedOver));
      await until(a, fresh);
      await until(b, fresh);
    } finally {
      r.disconnect();
    }
  });
});

describe("a recycled number at the front door: the ID token's sub", () => {
  let lab: FrontDoorLab;
  before(async () => {
    lab = await startFrontDoorLab();
  });
  after(async () => lab?.close());

  test("after the reassignment the partner's pairwise sub is the new holder's, not the previous holder's", async () => {
    const config = await partnerClient(lab, lab.bank);
    const key = lab.gw.policy().material!.pseudonymKeys.get('bank')!;
    const previous = (await fullLogin(lab, config, ALL_SCOPES)).claims.sub;
    assert.equal(previous, createHmac('sha256', key).update(PHONE_NUMBER).digest('base64url'), 'never reassigned: the sub it always had');

    const handedOver = Date.now() - 1000;
    await reassign(lab, handedOver);
    const sub = (await fullLogin(lab, config, ALL_SCOPES)).claims.sub;
    assert.notEqual(sub, previous, "the new holder must not log in as the previous holder's subject");
    assert.equal(sub, createHmac('sha256', key).update(`${PHONE_NUMBER}\u0000hedge-holder-v1\u0000${handedOver}`).digest('base64url'));
    assert.equal((await fullLogin(lab, config, ALL_SCOPES)).claims.sub, sub, 'stable for the new holder');
  });
});
