// Threat: anyone who can reach a partner's server takes it down (or turns
// every verification into a 500) with a request whose absolute-form target
// is not a URL. Node's http server hands `GET http://[::1/x HTTP/1.1` to the
// handler as it came; the kit's verifiers parsed it with `new URL`, which
// threw out of verifyRequest / verifyEnrichment — an unhandled rejection ends
// a Node process. They must refuse it as malformed, like any other bad input.
// Also a Fetch-like request object whose url is relative.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { verifyEnrichment, verifyRequest, MemoryNonceStore, type PartnerRequest } from 'hedge-partner';
import { generateKeyPairSync } from 'node:crypto';

const { publicKey } = generateKeyPairSync('ed25519');
const opts = () => ({ partnerId: 'p', publicKey, nonces: new MemoryNonceStore() });

/** Both verifiers' answers for one request (a throw is reported as such, not rethrown). */
async function answers(req: PartnerRequest): Promise<string[]> {
  const out: string[] = [];
  for (const verify of [verifyRequest, verifyEnrichment]) {
    try {
      const r = await verify(req, opts());
      out.push(r.ok ? 'ok' : r.reason);
    } catch (err) {
      out.push(`threw: ${(err as Error).message}`);
    }
  }
  return out;
}

test('a partner server using the kit answers a request whose target is not a URL, and keeps serving', async () => {
  const server = http.createServer((req, res) => {
    // No try/catch here on purpose: a partner's handler awaits the kit as the docs show.
    void answers(req).then((a) => res.end(a.join(',')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const raw = (line: string) =>
      new Promise<string>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => s.write(`${line}\r\nHost: partner.example\r\nConnection: close\r\n\r\n`));
        let got = '';
        s.setTimeout(5000, () => reject(new Error('no answer')));
        s.on('data', (d) => (got += d.toString('latin1')));
        s.on('end', () => resolve(got));
        s.on('error', reject);
      });
    for (const target of ['http://[::1/x', 'http://exa mple/', 'https://%zz/']) {
      const got = await raw(`GET ${target} HTTP/1.1`);
      if (!got.startsWith('HTTP/1.1 200')) continue; // Node's parser refused it itself: nothing reached the kit
      assert.equal(got.slice(got.indexOf('\r\n\r\n') + 4), 'malformed,malformed', `GET ${target}`);
    }
    assert.equal((await raw('GET http://[::1/x HTTP/1.1')).split('\r\n')[0], 'HTTP/1.1 200 OK', 'the first case reaches the kit on this Node');
    const after = await raw('GET / HTTP/1.1');
    assert.match(after, /missing-header,missing-header$/, 'the server still serves, and an ordinary unsigned request is refused as before');
  } finally {
    server.close();
  }
});

test('a Fetch-like request with a relative url is refused as malformed, not thrown', async () => {
  const headers = new Headers({ host: 'partner.example' });
  assert.deepEqual(await answers({ method: 'GET', url: '/relative', headers }), ['malformed', 'malformed']);
});
