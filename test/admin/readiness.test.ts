// /livez and /readyz on the admin listener: ready while every named check
// passes; a failing, throwing or silent check makes it 503 with the check's
// name and a short reason; draining turns it 503 first. Served over a real
// HTTP listener, as a load balancer would probe it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readiness, probeRoutes } from '../../src/admin/readiness.js';

async function serve(readiness: Readiness) {
  const route = probeRoutes(readiness);
  const server = http.createServer((req, res) => {
    void Promise.resolve(route(req, res, new URL(req.url ?? '/', 'http://admin'))).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    get: async (path: string, method = 'GET') => {
      const r = await fetch(base + path, { method });
      return { status: r.status, body: r.status === 404 ? undefined : ((await r.json()) as Record<string, unknown>) };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test('/livez answers alive; /readyz is ready while every check passes', async () => {
  const readiness = new Readiness();
  readiness.add('policy', () => ({ ok: true }));
  readiness.add('bindingStore', async () => ({ ok: true }));
  const s = await serve(readiness);
  try {
    const live = await s.get('/livez');
    assert.equal(live.status, 200);
    assert.equal(live.body!.status, 'alive');
    assert.equal(typeof live.body!.eventLoopDelayMaxMs, 'number');
    const ready = await s.get('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', checks: { draining: { ok: true }, policy: { ok: true }, bindingStore: { ok: true } } });
    assert.equal((await s.get('/readyz', 'POST')).status, 404, 'only GET and HEAD');
  } finally {
    readiness.close();
    await s.close();
  }
});

test('a failing, throwing or silent check: 503, each named with a short reason', async () => {
  const readiness = new Readiness();
  readiness.add('audit', () => ({ ok: false, detail: 'cannot commit' }));
  readiness.add('bindingStore', () => {
    throw new TypeError('boom 10.0.0.1');
  });
  readiness.add('canary', () => new Promise(() => {}));
  const s = await serve(readiness);
  try {
    const r = await s.get('/readyz');
    assert.equal(r.status, 503);
    assert.equal(r.body!.status, 'not ready');
    assert.deepEqual(r.body!.checks, {
      draining: { ok: true },
      audit: { ok: false, detail: 'cannot commit' },
      bindingStore: { ok: false, detail: 'check failed (TypeError)' },
      canary: { ok: false, detail: 'no answer within 1000 ms' },
    });
  } finally {
    readiness.close();
    await s.close();
  }
});

test('draining turns /readyz 503 while /livez stays alive', async () => {
  const readiness = new Readiness();
  const s = await serve(readiness);
  try {
    readiness.drain();
    const r = await s.get('/readyz');
    assert.equal(r.status, 503);
    assert.deepEqual(r.body!.checks, { draining: { ok: false, detail: 'the gateway is stopping' } });
    assert.equal((await s.get('/livez')).status, 200);
  } finally {
    readiness.close();
    await s.close();
  }
});
