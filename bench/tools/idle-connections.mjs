#!/usr/bin/env node
// Holds N idle keep-alive connections to an HTTP proxy for the bench: each
// connection sends one small request (so it is a real keep-alive connection
// the server has parsed and answered, not just an accepted socket), reads the
// answer, and then stays open and idle. Spreads the sockets over several
// loopback source addresses so ephemeral ports never run out.
// Usage: node idle-connections.mjs PORT N TARGET_URL   → prints "ready N" and waits for SIGTERM.
import net from 'node:net';

const [port, count, target] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4] ?? 'http://news.example/'];
const host = new URL(target).host;
const sockets = [];
let ready = 0;
let failed = 0;
const reasons = {};
const BATCH = 200; // below the bench's in-flight bound (256): the holder must not be shed

function open(i) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress: `127.0.${10 + Math.floor(i / 10000)}.${1 + (i % 250)}` });
    let buf = '';
    let settled = false;
    const done = (ok, why) => {
      if (settled) return;
      settled = true;
      s.removeAllListeners('data');
      if (ok) ready++;
      else {
        failed++;
        reasons[why] = (reasons[why] ?? 0) + 1;
      }
      resolve();
    };
    s.setNoDelay(true);
    s.on('error', (e) => done(false, e.code ?? 'error'));
    s.on('close', () => done(false, 'closed'));
    s.on('connect', () => s.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`));
    s.on('data', (c) => {
      buf += c.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length:\s*(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length >= end + 4 + len) done(/^HTTP\/1\.1 200/.test(buf), buf.slice(0, 12));
    });
    sockets.push(s);
  });
}

for (let i = 0; i < count; i += BATCH) await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, (_, k) => open(i + k)));
process.stdout.write(`ready ${ready} failed ${failed} ${JSON.stringify(reasons)}\n`);
process.on('SIGTERM', () => {
  for (const s of sockets) s.destroy();
  process.exit(0);
});
setInterval(() => {}, 1 << 30);
