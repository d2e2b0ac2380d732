// Threat: an Accounting-Request carrying a Message-Authenticator (attribute
// 80) that does not verify is accepted and binds. RFC 3579 §3.2 and RFC 5080
// §2.2.2 require such a request to be silently discarded: the attribute is the
// stronger (HMAC-MD5) integrity check a NAS adds, and ignoring it lets a packet
// whose attributes were altered, or that was built by something holding only a
// weaker check, decide who is behind an address. hedge must verify it when it
// is present — drop, never answer, count as bad_authenticator — and still
// accept what a real NAS (radclient, FreeRADIUS' own encoder) signs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { NAS_SECRET, acct, radclient, sendFrom } from '../helpers/radius.js';
import { radiusLab } from '../helpers/radius-labs.js';
import { encodeAccountingRequest } from '../../src/identity/radius/sender.js';

const radius = radiusLab();
const { skip, packets } = radius;

/** Appends a Message-Authenticator and signs the packet as a NAS would: the HMAC over the packet with a zero Request Authenticator, then the Request Authenticator over it all. */
function withMessageAuthenticator(base: Buffer, opts: { value?: Buffer; tamper?: (p: Buffer) => void } = {}): Buffer {
  const p = Buffer.concat([base, Buffer.from([80, 18]), Buffer.alloc(16)]);
  p.writeUInt16BE(p.length, 2);
  p.fill(0, 4, 20);
  const ma = opts.value ?? createHmac('md5', NAS_SECRET).update(p).digest();
  ma.copy(p, p.length - 16);
  opts.tamper?.(p);
  p.fill(0, 4, 20);
  createHash('md5').update(p).update(NAS_SECRET).digest().copy(p, 4); // a valid request authenticator every time
  return p;
}

/** The packet from the lab NAS's address; its answer, or undefined when none came within 500 ms. */
const send = (buf: Buffer) => sendFrom(radius.port, '127.0.0.1', buf, 500);

test('a Message-Authenticator that does not verify: dropped, never answered, nothing bound, counted', { skip }, async () => {
  const before = await packets('bad_authenticator');
  const start = (ip: string, sid: string) => encodeAccountingRequest({ status: 'start', framedIp: ip, msisdn: '447700900611', sessionId: sid }, NAS_SECRET, 7);
  // Garbage in the attribute.
  assert.equal(await send(withMessageAuthenticator(start('10.0.6.1', 'ma-1'), { value: Buffer.alloc(16, 0xab) })), undefined, 'not answered');
  assert.equal(await radius.lab.gw.bindings.get('127.0.6.1'), undefined, 'nothing bound');
  // A correct HMAC, then an attribute changed afterwards (the request authenticator recomputed: only the HMAC sees it).
  const tampered = withMessageAuthenticator(start('10.0.6.2', 'ma-2'), {
    tamper: (p) => {
      const at = p.indexOf(Buffer.from('447700900611'));
      p.write('447700900699', at);
    },
  });
  assert.equal(await send(tampered), undefined, 'not answered');
  assert.equal(await radius.lab.gw.bindings.get('127.0.6.2'), undefined, 'nothing bound');
  // Truncated attribute (16 octets required).
  const base = start('10.0.6.3', 'ma-3');
  const short = Buffer.concat([base, Buffer.from([80, 10]), Buffer.alloc(8)]);
  short.writeUInt16BE(short.length, 2);
  short.fill(0, 4, 20);
  createHash('md5').update(short).update(NAS_SECRET).digest().copy(short, 4);
  assert.equal(await send(short), undefined, 'not answered');
  assert.equal(await radius.lab.gw.bindings.get('127.0.6.3'), undefined, 'nothing bound');
  assert.equal((await packets('bad_authenticator')) - before, 3, 'each counted as bad_authenticator');
});

test('a valid Message-Authenticator is accepted: radclient and a NAS-style signer bind', { skip }, async () => {
  const ok = withMessageAuthenticator(encodeAccountingRequest({ status: 'start', framedIp: '10.0.6.4', msisdn: '447700900614', sessionId: 'ma-4' }, NAS_SECRET, 9));
  const r = await send(ok);
  assert.equal(r?.[0], 5, 'answered with an Accounting-Response');
  assert.equal((await radius.lab.gw.bindings.get('127.0.6.4'))?.subscriber.msisdn, '+447700900614');
  // radclient computes the attribute itself when asked for one ("= 0x00").
  const rc = await radclient(
    radius.port,
    NAS_SECRET,
    acct({ 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '10.0.6.5', 'Calling-Station-Id': '447700900615', 'Acct-Session-Id': 'ma-5' }) + 'Message-Authenticator = 0x00\n',
  );
  assert.ok(rc.answered, rc.output);
  assert.match(rc.output, /Message-Authenticator/, 'radclient sent one');
  assert.equal((await radius.lab.gw.bindings.get('127.0.6.5'))?.subscriber.msisdn, '+447700900615');
});
