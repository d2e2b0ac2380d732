// Graceful drain: on stop, in-flight requests finish; new connections are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startGateway } from '../../src/node/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/shared/log.js';
import { viaProxy } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

test('stop() lets an in-flight request complete, then refuses new connections', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived = false;
  const origin = http.createServer(async (_req, res) => {
    arrived = true;
    await gate;
    res.end('done');
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const port = (origin.address() as net.AddressInfo).port;
  const gw = await startGateway(
    parseConfig(`operator: {name: T, country: GB}\nproxy: {listen: "127.0.0.1:0", resolve: {"slow.example": "127.0.0.1:${port}"}}\nadmin: {listen: "127.0.0.1:0"}\n`, 't.yaml'),
    { log: silentLogger },
  );
  const inflight = viaProxy(gw.proxyAddress, 'http://slow.example/');
  await waitFor('the request to be in flight at the origin', () => arrived);
  const stopping = gw.stop(5000);
  // No new connections while draining (the in-flight request is held until release()).
  await waitFor(
    'new connections to be refused while draining',
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port: gw.proxyAddress.port });
        s.on('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.on('error', () => resolve(true));
      }),
    { timeout: 4000 },
  );
  release();
  const r = await inflight;
  assert.equal(r.status, 200);
  assert.equal(r.body, 'done');
  await stopping;
  origin.close();
});
