// Probes (issue 17): /livez and /readyz answer without the admin token, the
// rest of the admin API still needs it; /readyz turns 503 naming the failing
// check when Redis (a throwaway server stopped and started again), the audit
// store (write-locked) or the canary (a leaking stage) fail, and 200 again when
// they recover; SIGTERM's drain turns readiness off first.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { startLab, viaProxy } from '../helpers/gateway.js';
import { beforeGuard } from '../helpers/pipeline.js';
import { useAuditBackend } from '../helpers/audit.js';
import { startThrowawayRedis, unavailable } from '../helpers/services.js';
import type { Stage } from '../../src/pipeline/stage.js';

const TOKEN = 'probe-test-admin-token-0123';
const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() !== '';
const noRedis = hasRedis ? undefined : unavailable('Redis', 'no redis-server binary to start a throwaway server');

interface Ready {
  status: string;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

async function readyz(admin: string): Promise<{ code: number; body: Ready }> {
  const r = await fetch(`${admin}/readyz`);
  return { code: r.status, body: (await r.json()) as Ready };
}

async function until(what: string, cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('readiness', () => {
  const backend = useAuditBackend('sqlite');

  test(
    '/readyz names the failing check for Redis, the audit store and the canary, and recovers; /livez needs no token; drain turns it off',
    { skip: noRedis, timeout: 90_000 },
    async (t) => {
      if (backend.skip) return t.skip(backend.skip);
      const redis = await startThrowawayRedis();
      let leaking = false;
      // A broken stage before the egress guard that leaks the number to every site (the canary must catch it).
      const leak: Stage = {
        name: 'leaky-change',
        onError: 'no-enrichment',
        onRequest(flow) {
          if (leaking && flow.subscriber) flow.headers.push('X-Up-Calling-Line-ID', flow.subscriber.msisdn.slice(1));
          return { kind: 'continue' };
        },
      };
      const loc = backend.be!.fresh();
      const lab = await startLab({
        edit: (y) =>
          y
            .replace('admin:\n  listen: 127.0.0.1:0', `admin:\n  listen: 127.0.0.1:0\n  token: "${TOKEN}"`)
            .replace('store: memory', `store: ${redis.url}\n  redis: { timeoutMs: 200 }`) +
          backend.be!.yaml(loc, { node: 'gw-ready', commitTimeoutMs: 300, retryAfterMs: 100, busyTimeoutMs: 20, canary: true }),
        transformPipeline: beforeGuard(leak),
      });
      const admin = lab.gw.adminUrl;
      const auth = { authorization: `Bearer ${TOKEN}` };
      try {
        const live = await fetch(`${admin}/livez`);
        assert.equal(live.status, 200, '/livez needs no token');
        assert.equal(((await live.json()) as { status: string }).status, 'alive');
        let r = await readyz(admin);
        assert.equal(r.code, 200, JSON.stringify(r.body));
        assert.deepEqual(Object.keys(r.body.checks).sort(), ['audit', 'bindingStore', 'canary', 'consentChoices', 'draining', 'listeners', 'policy']);
        assert.ok(Object.values(r.body.checks).every((c) => c.ok));
        for (const p of ['/policy', '/metrics', '/bindings', '/health', '/log/level', '/canary'])
          assert.equal((await fetch(`${admin}${p}`)).status, 401, `${p} still needs the token`);

        // The audit store cannot commit (write lock held), then can again.
        const lock = await backend.be!.lock(loc);
        try {
          await until('readyz 503 for the audit store', async () => {
            await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/'); // a disclosure tries to commit
            return (await readyz(admin)).body.checks.audit?.ok === false;
          });
          r = await readyz(admin);
          assert.equal(r.code, 503);
          assert.match(r.body.checks.audit?.detail ?? '', /cannot commit/);
        } finally {
          await lock.release();
        }
        await until('readyz 200 after the audit store is back', async () => {
          await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/');
          return (await readyz(admin)).code === 200;
        });

        // The canary fails (a leak reaches a non-partner), then passes again.
        leaking = true;
        const failed = (await (await fetch(`${admin}/canary/run`, { method: 'POST', headers: auth })).json()) as { ok: boolean };
        assert.equal(failed.ok, false);
        r = await readyz(admin);
        assert.equal(r.code, 503);
        assert.equal(r.body.checks.canary?.ok, false);
        assert.match(r.body.checks.canary?.detail ?? '', /last run failed/);
        leaking = false;
        assert.equal(((await (await fetch(`${admin}/canary/run`, { method: 'POST', headers: auth })).json()) as { ok: boolean }).ok, true);
        assert.equal((await readyz(admin)).code, 200);

        // Redis down, then back.
        await redis.kill();
        await until('readyz 503 for redis', async () => (await readyz(admin)).code === 503);
        r = await readyz(admin);
        assert.equal(r.body.status, 'not ready');
        assert.equal(r.body.checks.bindingStore?.ok, false);
        assert.equal(r.body.checks.bindingStore?.detail, 'redis not reachable');
        assert.equal(r.body.checks.audit?.ok, true, 'only the failing check is named');
        await redis.restart();
        await until('readyz 200 after redis is back', async () => (await readyz(admin)).code === 200);

        // Drain: a request still in flight keeps the proxy open; readiness is already off.
        const slow = net.connect({ host: '127.0.0.1', port: lab.gw.proxyAddress.port });
        await new Promise<void>((res) => slow.once('connect', () => res()));
        slow.write('GET http://news.example/ HTTP/1.1\r\nHost: news.example\r\n'); // head not finished
        await new Promise((res) => setTimeout(res, 50));
        const stopping = lab.gw.stop(3000);
        r = await readyz(admin);
        assert.equal(r.code, 503);
        assert.equal(r.body.checks.draining?.ok, false);
        slow.destroy();
        await stopping;
      } finally {
        await lab.close();
        await redis.stop();
      }
    },
  );
});
