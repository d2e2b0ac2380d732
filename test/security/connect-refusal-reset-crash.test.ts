// Threat: one request kills the gateway. A CONNECT to a port that is not
// allowed gets its 403; the client then resets the connection. The socket the
// HTTP server handed over for the CONNECT had no 'error' listener any more, so
// the ECONNRESET was unhandled and the process ended: every subscriber lost
// service. Same for the other refusals written on a handed-over socket (bad
// CONNECT target, refused upgrade). Run against a real `hedge start` process so
// the test sees what an operator would: the process still there, still serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { DEMO_YAML, rawExchange } from '../helpers/gateway.js';
import { portOf, spawnHedge, writeConfig, type HedgeProcess } from '../helpers/hedge-process.js';

let origin: EchoOrigin;
let node: HedgeProcess;
let cfg: { file: string; cleanup(): void };
let proxyPort = 0;

before(async () => {
  origin = await startEchoOrigin('127.0.0.1', 0);
  const yaml = DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
    .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
    .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0');
  cfg = writeConfig(yaml + '\ncanary:\n  intervalSeconds: 0\n');
  node = spawnHedge(['start', '-c', cfg.file]);
  const started = await node.waitFor((l) => l.msg === 'hedge started', 60_000);
  proxyPort = portOf(started.proxy);
});
after(async () => {
  await node.stop();
  await origin.close();
  cfg.cleanup();
});

/** Sends bytes, waits for the first byte of the answer, then resets (RST) the connection. */
function sendThenReset(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('no answer within 5 s'));
    }, 5000);
    s.on('error', () => {});
    s.once('data', (c: Buffer) => {
      clearTimeout(t);
      s.resetAndDestroy();
      resolve(c.toString('latin1'));
    });
    s.write(bytes);
  });
}

async function stillServes(): Promise<void> {
  assert.equal(node.child.exitCode, null, `the gateway process is still running (last log lines: ${JSON.stringify(node.lines.slice(-3))})`);
  const ok = await rawExchange(proxyPort, 'GET http://news.example/ HTTP/1.1\r\nHost: news.example\r\nConnection: close\r\n\r\n');
  assert.match(ok.text, /^HTTP\/1\.1 200 /, 'the gateway still answers the next request');
}

const refusals: [string, string, RegExp][] = [
  ['CONNECT to a port that is not allowed', 'CONNECT news.example:80 HTTP/1.1\r\nHost: news.example:80\r\n\r\n', /^HTTP\/1\.1 403 /],
  ['CONNECT without a port', 'CONNECT news.example HTTP/1.1\r\nHost: news.example\r\n\r\n', /^HTTP\/1\.1 400 /],
  [
    'upgrade with ambiguous framing',
    'GET http://news.example/ HTTP/1.1\r\nHost: news.example\r\nHost: b.example\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n',
    /^HTTP\/1\.1 400 /,
  ],
  ['upgrade to an https target', 'GET https://news.example/ HTTP/1.1\r\nHost: news.example\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n', /^HTTP\/1\.1 400 /],
];

for (const [name, bytes, status] of refusals) {
  test(`a reset right after the refusal does not kill the gateway: ${name}`, async () => {
    for (let i = 0; i < 3; i++) {
      const first = await sendThenReset(proxyPort, bytes);
      assert.match(first, status);
      // The reset reaches the gateway asynchronously: give it the chance to die before checking.
      await new Promise<void>((r) => setImmediate(r));
    }
    await stillServes();
  });
}
