// Threat: a client leaves its request head unfinished until the headers
// timeout refuses it, then neither reads the refusal nor closes its side. The front door and the
// subscriber's page answered such a request with end() alone, which only
// half-closes: the connection — a descriptor of the gateway's process, and a
// place under the per-address cap — stayed open for as long as that client
// liked. A few of them from one address locked that address (every phone
// behind one carrier NAT address) out of the listener. Now the refusal is
// followed by a short linger (src/shared/linger.ts), then the connection is
// destroyed, as the proxy already did.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFrontDoorLab, api, type FrontDoorLab } from '../helpers/front-door.js';
import { auditBackend, type AuditBackend } from '../helpers/audit.js';
import { pageRequest, startPageLab, type PageLab } from '../transparency/lab.js';
import { LINGER_MS } from '../../src/shared/linger.js';

const CAP = 3;
/** A request head left unfinished: refused (408) once the headers timeout has passed. */
const UNFINISHED_HEAD = 'GET / HTTP/1.1\r\nHost: a\r\n';

/** Opens CAP connections that each send an unfinished head and then never read nor close (no 'data' listener, paused). */
async function holdRefused(open: () => Promise<net.Socket>): Promise<net.Socket[]> {
  const held: net.Socket[] = [];
  for (let i = 0; i < CAP; i++) {
    const s = await open();
    s.on('error', () => {});
    s.pause();
    s.write(UNFINISHED_HEAD);
    held.push(s);
  }
  return held;
}

describe('a refused client that never reads nor closes does not keep its connection', () => {
  test('front door', { timeout: 60_000 }, async () => {
    const lab: FrontDoorLab = await startFrontDoorLab({ frontDoorExtra: `  limits: { headersTimeoutMs: 400, maxConnectionsPerAddress: ${CAP} }` });
    try {
      const held = await holdRefused(
        () =>
          new Promise((resolve, reject) => {
            const s = tls.connect({ host: '127.0.0.1', port: lab.port, ca: lab.pki.ca, servername: 'localhost' });
            s.once('secureConnect', () => resolve(s));
            s.once('error', reject);
          }),
      );
      // The slow head's timeout (400 ms, checked every 200 ms), then the linger.
      await sleep(400 + 200 + LINGER_MS + 1000);
      const d = await api(lab, 'GET', '/.well-known/openid-configuration');
      assert.equal(d.status, 200, 'the address is not locked out by connections its refused requests left open');
      for (const s of held) s.destroy();
    } finally {
      await lab.close();
    }
  });

  describe('subscriber page', () => {
    let be: AuditBackend | string;
    let lab: PageLab | undefined;
    before(async () => {
      be = await auditBackend('sqlite');
      if (typeof be === 'string') return;
      lab = await startPageLab(be, be.fresh(), { node: 'unread', page: `  limits:\n    headersTimeoutMs: 400\n    maxConnectionsPerAddress: ${CAP}\n` });
    });
    after(async () => {
      await lab?.close();
      if (typeof be !== 'string') await be?.close();
    });

    test('a request head left unfinished', { timeout: 60_000 }, async (t) => {
      if (typeof be === 'string' || !lab) return t.skip(typeof be === 'string' ? be : 'no lab');
      const port = lab.gw.transparencyAddress!.port;
      const held = await holdRefused(
        () =>
          new Promise((resolve, reject) => {
            const s = net.connect({ host: '127.0.0.1', port });
            s.once('connect', () => resolve(s));
            s.once('error', reject);
          }),
      );
      await sleep(400 + 200 + LINGER_MS + 1000);
      const r = await pageRequest(`${lab.gw.transparencyUrl}/`);
      assert.equal(r.status, 200, 'the address is not locked out by connections its refused requests left open');
      for (const s of held) s.destroy();
    });
  });
});
