// Threat: slowloris against the front door. A client that, once through the
// TLS handshake, sends its request head a few bytes at a time, or a POST body
// (an authorisation form, a token request, an API call) a byte now and then,
// or nothing at all, held its connection for as long as it liked: the HTTP
// server behind the front door's own TLS layer is handed its connections
// (never listens itself), and Node starts enforcing headersTimeout and
// requestTimeout only when a server emits 'listening', so neither was ever
// checked. A few hosts (maxConnectionsPerAddress each) could hold every
// connection the front door allows. Now the checks run: each such connection
// is closed within frontDoor.limits.headersTimeoutMs (the head) or three
// times that (the whole request), and the front door keeps serving.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { startFrontDoorLab, api, type FrontDoorLab } from '../helpers/front-door.js';

const HEADERS_TIMEOUT_MS = 400;
/** The whole request: requestTimeout is three times the headers timeout; plus the checking interval and slack. */
const CUT_OFF_WITHIN_MS = HEADERS_TIMEOUT_MS * 3 + 1500;

describe('slow requests do not hold front-door connections', { timeout: 60_000 }, () => {
  let lab: FrontDoorLab;
  before(async () => {
    lab = await startFrontDoorLab({ frontDoorExtra: `  limits: { headersTimeoutMs: ${HEADERS_TIMEOUT_MS} }` });
  });
  after(async () => lab?.close());

  /** Opens a TLS connection, writes `head`, then `drip` every 100 ms; the time until the server closes it (or undefined after `waitMs`). */
  async function heldFor(head: string, drip: string | undefined, waitMs = CUT_OFF_WITHIN_MS + 2000): Promise<number | undefined> {
    const s = tls.connect({ host: '127.0.0.1', port: lab.port, ca: lab.pki.ca, servername: 'localhost' });
    s.on('error', () => {});
    await new Promise((resolve) => s.once('secureConnect', resolve));
    const start = Date.now();
    if (head !== '') s.write(head);
    const dripping = drip !== undefined ? setInterval(() => s.write(drip), 100) : undefined;
    s.resume();
    const closed = await new Promise<boolean>((resolve) => {
      const give = setTimeout(() => resolve(false), waitMs);
      s.once('close', () => (clearTimeout(give), resolve(true)));
    });
    clearInterval(dripping);
    s.destroy();
    return closed ? Date.now() - start : undefined;
  }

  const post = (path: string, type: string) => `POST ${path} HTTP/1.1\r\nHost: a\r\ncontent-type: ${type}\r\ncontent-length: 4000\r\nauthorization: Bearer x\r\n\r\n`;

  it('a request head sent a byte at a time, or never, is cut off', async () => {
    const [dripped, silent, nothing] = await Promise.all([
      heldFor('GET /.well-known/openid-configuration HTTP/1.1\r\n', 'x'),
      heldFor('GET /.well-known/openid-configuration HTTP/1.1\r\nHost: a\r\n', undefined),
      heldFor('', undefined),
    ]);
    assert.ok(dripped !== undefined && dripped <= CUT_OFF_WITHIN_MS, `a dripped head held its connection ${dripped ?? 'indefinitely'} ms`);
    assert.ok(silent !== undefined && silent <= CUT_OFF_WITHIN_MS, `a head left unfinished held its connection ${silent ?? 'indefinitely'} ms`);
    assert.ok(nothing !== undefined && nothing <= CUT_OFF_WITHIN_MS, `a connection that sent nothing was held ${nothing ?? 'indefinitely'} ms`);
  });

  it('a body sent a byte at a time (POST /authorize, /token, an API call) is cut off', async () => {
    const held = await Promise.all([
      heldFor(post('/authorize', 'application/x-www-form-urlencoded'), 'a'),
      heldFor(post('/token', 'application/x-www-form-urlencoded'), 'a'),
      heldFor(post('/number-verification/v2/verify', 'application/json'), ' '),
    ]);
    for (const [i, ms] of held.entries()) assert.ok(ms !== undefined && ms <= CUT_OFF_WITHIN_MS, `slow body ${i} held its connection ${ms ?? 'indefinitely'} ms`);
    const d = await api(lab, 'GET', '/.well-known/openid-configuration');
    assert.equal(d.status, 200, 'the front door still serves');
  });
});
