// Threat: the audit says a policy served that never did. A reload that widens
// disclosure commits its "applied" record before it takes traffic, and is
// refused when that commit does not finish within audit.commitTimeoutMs. But
// the commit goes on: when the store's lock is released it lands, and the
// chain held "applied" for a policy no request was served under — followed by
// nothing (the refusal's event was dropped while the store was stalled) or by
// "refused", the very record a breach report reads to find which policy was in
// force. The refusal's event now waits for that commit's fate: "refused" when
// it did not land, or "abandoned" naming the record that landed, which the
// report then skips.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';
import { startGateway } from '../../src/node/gateway.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger } from '../../src/shared/log.js';
import { DEMO_YAML, viaProxy } from '../helpers/gateway.js';
import { useAuditBackend } from '../helpers/audit.js';
import { waitFor } from '../helpers/wait.js';
import { writeConfig } from '../helpers/hedge-process.js';
import { NEWSDESK_PARTNER } from '../helpers/demo-cluster.js';

interface ReloadRecord {
  seq: number;
  hash: string;
  result: string;
  to: string | null;
  abandons?: { seq: number; hash: string };
}

function reloadRecords(spec: string): ReloadRecord[] {
  const db = new Database(spec.slice('sqlite:'.length), { readonly: true });
  try {
    return (db.prepare("SELECT seq, hash, detail FROM audit_records WHERE type = 'policy-reload' ORDER BY seq").all() as { seq: number; hash: string; detail: string }[]).map(
      (r) => ({ seq: r.seq, hash: r.hash, ...(JSON.parse(r.detail) as Omit<ReloadRecord, 'seq' | 'hash'>) }),
    );
  } finally {
    db.close();
  }
}

function recordCount(spec: string): number {
  const db = new Database(spec.slice('sqlite:'.length), { readonly: true, fileMustExist: false });
  try {
    return (db.prepare('SELECT count(*) AS n FROM audit_records').get() as { n: number }).n;
  } catch {
    return 0; // not created yet
  } finally {
    db.close();
  }
}

describe('a widening reload whose audit commit outlives audit.commitTimeoutMs', () => {
  const backend = useAuditBackend('sqlite');

  for (const lands of [true, false])
    test(
      lands ? 'lands after the refusal: the refusal is recorded as "abandoned", naming it' : 'never lands: the refusal is recorded as "refused", once that is known',
      async (t) => {
        if (backend.skip) return t.skip(backend.skip);
        const origin = await startEchoOrigin('127.0.0.1', 0);
        const loc = backend.be!.fresh();
        // The store waits up to busyTimeoutMs for the lock; the gateway gives a commit commitTimeoutMs.
        const audit = backend.be!.yaml(loc, { node: 'gw-late', commitTimeoutMs: 400, retryAfterMs: 200, busyTimeoutMs: lands ? 5000 : 1200 });
        const yaml =
          DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
            .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
            .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0') + audit;
        const cfg = writeConfig(yaml);
        const gw = await startGateway(loadConfigFile(cfg.file), { log: silentLogger });
        try {
          // The start's own record first: a lock taken before it commits would stall the store for the whole test.
          await waitFor('the start to be recorded', () => recordCount(loc.spec) > 0, 15_000);
          const lock = await backend.be!.lock(loc);
          writeFileSync(cfg.file, yaml.replace('partners:\n', `partners:\n${NEWSDESK_PARTNER}`));
          const answer = await gw.reload('api');
          assert.equal(answer.result, 'refused', JSON.stringify(answer));
          assert.equal(answer.stage, 'audit');
          await new Promise((r) => setTimeout(r, 2000)); // past the commit bound: the store still waits for the lock
          await lock.release();

          await waitFor('the refusal to be recorded', () => reloadRecords(loc.spec).some((r) => r.to === answer.to && r.result !== 'applied'), 15_000);
          await new Promise((r) => setTimeout(r, 500)); // anything that would follow it
          const mine = reloadRecords(loc.spec).filter((r) => r.to === answer.to);
          t.diagnostic(`records of the reload: ${JSON.stringify(mine.map((r) => [r.seq, r.result, r.abandons?.seq]))}`);
          if (lands) {
            assert.deepEqual(
              mine.map((r) => r.result),
              ['applied', 'abandoned'],
            );
            assert.deepEqual(mine[1]!.abandons, { seq: mine[0]!.seq, hash: mine[0]!.hash }, 'the abandoned event names the record that landed late');
          } else
            assert.deepEqual(
              mine.map((r) => r.result),
              ['refused'],
            );
          const r = await viaProxy(gw.proxyAddress, 'http://news.example/');
          assert.equal(r.json().headers['x-news-msisdn'], undefined, 'the refused policy never served');
        } finally {
          await gw.stop(200);
          await origin.close();
          cfg.cleanup();
        }
      },
    );
});
