// Threat: a client that leaves while its upgrade is still in the pipeline
// leaves an origin connection behind. The subscriber lookup waits on
// Redis; the client sends a WebSocket handshake and resets at once. When the
// lookup returns, the gateway must not dial the origin for a client that is
// gone: before, it connected anyway and the origin socket stayed open until
// the idle timeout (a minute by default), so a client repeating this held
// origin connections and gateway descriptors without holding any of its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { startLab, type Lab } from '../helpers/gateway.js';
import { startThrowawayRedis, unavailable } from '../helpers/services.js';

const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() !== '';
const skip = hasRedis ? undefined : unavailable('Redis', 'no redis-server binary to start a throwaway server');

let redis: Awaited<ReturnType<typeof startThrowawayRedis>>;
let lab: Lab;
let origin: net.Server;
const open = new Set<net.Socket>();
let accepted = 0;

before(async () => {
  if (skip) return;
  origin = net.createServer((s) => {
    accepted++;
    open.add(s);
    s.on('error', () => undefined);
    s.once('close', () => open.delete(s));
  });
  origin.listen(0, '127.0.0.1');
  await once(origin, 'listening');
  const port = (origin.address() as net.AddressInfo).port;
  redis = await startThrowawayRedis();
  const prefix = `hedge-orphan-${randomBytes(4).toString('hex')}:`;
  lab = await startLab({
    edit: (y) =>
      y
        .replace('  resolve:\n', `  resolve:\n    ws.example.net: 127.0.0.1:${port}\n`)
        .replace('store: memory', `store: ${redis.url}\n  redis:\n    keyPrefix: "${prefix}"\n    timeoutMs: 5000`),
  });
});
after(async () => {
  await lab?.close();
  await redis?.stop();
  for (const s of open) s.destroy();
  origin?.close();
});

/** Holds every Redis command for `ms`, so the gateway's lookup is still pending when the client leaves. */
async function pauseRedis(ms: number): Promise<void> {
  const direct = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await direct.connect();
    await direct.call('CLIENT', 'PAUSE', String(ms), 'ALL');
  } finally {
    direct.disconnect();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const HANDSHAKE = 'GET http://ws.example.net/chat HTTP/1.1\r\nHost: ws.example.net\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n';

test('an upgrade whose client resets during the subscriber lookup leaves no origin connection', { skip }, async () => {
  const abandonedBefore = await lab.gw.metrics.value('hedge_tunnels_total', { kind: 'upgrade', outcome: 'abandoned' });
  await pauseRedis(700);
  // A source address no earlier lookup has cached, so this lookup goes to the paused Redis.
  const s = net.connect({ host: '127.0.0.1', port: lab.gw.proxyAddress.port, localAddress: '127.0.0.21' });
  s.on('error', () => undefined);
  await once(s, 'connect');
  s.write(HANDSHAKE);
  await sleep(150); // the gateway has read the handshake and is waiting on Redis
  s.resetAndDestroy();
  await sleep(1200); // Redis answers again; the pipeline finishes for a client that is gone
  assert.equal(open.size, 0, 'no origin connection is left open');
  assert.equal(accepted, 0, 'the gateway did not dial the origin for a client that had left');
  const abandoned = await lab.gw.metrics.value('hedge_tunnels_total', { kind: 'upgrade', outcome: 'abandoned' });
  assert.equal(abandoned - abandonedBefore, 1, 'counted as abandoned');
});
