// Loopback port helpers shared by the bench scripts (run.mjs, soak.mjs, ab.mjs).
import net from 'node:net';

/** A port free on 127.0.0.1 right now (the kernel picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

/** Resolves once something accepts connections on host:port; throws after `ms`. */
export async function waitPort(port, ms = 15000, host = '127.0.0.1') {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((r) => {
      const s = net.connect({ host, port });
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} did not open`);
}
