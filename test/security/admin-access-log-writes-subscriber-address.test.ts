// Threat: the admin API's access log wrote request paths as sent, so every
// `GET|PUT|DELETE /bindings/<address>` put a subscriber's address (and a
// mistyped `/bindings/<number>` their number) into the log — even with
// `admin.accessLog.clientAddress: false`, which an operator reads as "no
// addresses in my logs". Logs name attributes, never values: the admin access
// log now writes `/bindings/:address`, and any other path segment that reads
// as an address or a number as `:redacted`, whatever clientAddress says (that
// option is about the peer, the operator's own tool). The real log output of a
// real gateway is captured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startLab } from '../helpers/gateway.js';
import { createLogger } from '../../src/shared/log.js';
import { waitFor } from '../helpers/wait.js';

/** Every way a request names a subscriber in the admin API's path (and some it should not). */
const REQUESTS: { method: string; path: string; body?: string; status: number; logged: string }[] = [
  { method: 'PUT', path: '/bindings/10.20.30.40', body: JSON.stringify({ msisdn: '+447700900555' }), status: 201, logged: '/bindings/:address' },
  { method: 'GET', path: '/bindings/10.20.30.40', status: 200, logged: '/bindings/:address' },
  { method: 'GET', path: '/bindings/2001:db8:1:2::5', status: 404, logged: '/bindings/:address' },
  { method: 'GET', path: '/bindings/2001%3Adb8%3A1%3A2%3A%3A%2F64', status: 404, logged: '/bindings/:address' },
  { method: 'GET', path: '/bindings/2001:db8:1:2::/64', status: 404, logged: '/bindings/:address' },
  { method: 'GET', path: '/bindings/07700900555', status: 400, logged: '/bindings/:address' },
  { method: 'GET', path: '/bindings/10.20.30.40?verbose=1', status: 200, logged: '/bindings/:address' },
  { method: 'DELETE', path: '/bindings/10.20.30.40', status: 204, logged: '/bindings/:address' },
  { method: 'GET', path: '/BINDINGS/10.20.30.41', status: 404, logged: '/BINDINGS/:redacted' },
  { method: 'GET', path: '/bindings%2F10.20.30.42', status: 404, logged: '/:redacted' },
  { method: 'GET', path: '/subscribers/+447700900555', status: 404, logged: '/subscribers/:redacted' },
  { method: 'GET', path: '/x/fe80::1/y', status: 404, logged: '/x/:redacted/y' },
  { method: 'GET', path: '/bindings', status: 200, logged: '/bindings' },
  { method: 'GET', path: '/policy', status: 200, logged: '/policy' },
];
const IDENTIFIERS = /10\.20\.30\.4|2001:db8|2001%3Adb8|7700900555|fe80/i;

function send(port: number, r: (typeof REQUESTS)[number]): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = r.body ? { 'content-type': 'application/json' } : {};
    const req = http.request({ host: '127.0.0.1', port, method: r.method, path: r.path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('admin request timed out')));
    req.on('error', reject);
    req.end(r.body);
  });
}

for (const clientAddress of [false, true])
  test(`admin.accessLog (clientAddress: ${clientAddress}) names the bindings path, never the address or number in it`, async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', write: (l) => void lines.push(l) });
    const lab = await startLab({
      log,
      edit: (y) => y.replace('admin:\n  listen: 127.0.0.1:0', `admin:\n  listen: 127.0.0.1:0\n  accessLog: { enabled: true, clientAddress: ${clientAddress} }`),
    });
    try {
      for (const r of REQUESTS) assert.equal(await send(lab.gw.adminAddress.port, r), r.status, `${r.method} ${r.path}`);
      const access = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'access' && l.listener === 'admin');
      await waitFor('an access line per request', () => access().length >= REQUESTS.length, 5000);
      assert.deepEqual(
        access().map((l) => `${String(l.method)} ${String(l.path)} ${String(l.status)}`),
        REQUESTS.map((r) => `${r.method} ${r.logged} ${r.status}`),
      );
      for (const l of lines) assert.doesNotMatch(l, IDENTIFIERS, l);
      // The option still does what it says: the peer's address, and only then.
      for (const l of access()) assert.equal(l.clientAddress, clientAddress ? '127.0.0.1' : undefined);
    } finally {
      await lab.close();
    }
  });
