// Threat: a flood of malformed RADIUS datagrams (random bytes, truncated or
// bit-flipped packets, and garbage signed with the real secret) crashes or
// wedges the accounting listener, so real Starts go unanswered and bindings go
// stale. The listener must drop and count them, and keep answering valid ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { startLab, viaProxy, type Lab } from '../helpers/gateway.js';
import { NAS_SECRET, withRadius } from '../helpers/radius.js';
import { encodeAccountingRequest, sendAccounting } from '../../src/identity/radius/sender.js';

let lab: Lab;
before(async () => {
  lab = await startLab({ edit: withRadius() });
});
after(async () => {
  await lab.close();
});

/** A packet with arbitrary attribute bytes but a valid request authenticator (the NAS's secret). */
function signedGarbage(): Buffer {
  const attrs = randomBytes(randomInt(0, 120));
  const p = Buffer.alloc(20 + attrs.length);
  p[0] = 4;
  p[1] = randomInt(256);
  p.writeUInt16BE(p.length, 2);
  attrs.copy(p, 20);
  const auth = createHash('md5').update(p.subarray(0, 4)).update(Buffer.alloc(16)).update(attrs).update(NAS_SECRET).digest();
  auth.copy(p, 4);
  return p;
}

function fuzzPacket(valid: Buffer): Buffer {
  switch (randomInt(6)) {
    case 0:
      return randomBytes(randomInt(0, 200)); // noise
    case 1:
      return valid.subarray(0, randomInt(0, valid.length)); // truncated
    case 2: {
      const p = Buffer.from(valid); // one bit flipped: authenticator no longer verifies, or framing breaks
      const i = randomInt(p.length);
      p[i] = p[i]! ^ (1 << randomInt(8));
      return p;
    }
    case 3: {
      const p = Buffer.from(valid); // lying length field
      p.writeUInt16BE(randomInt(0, 65536), 2);
      return p;
    }
    case 4:
      return signedGarbage();
    default: {
      const p = Buffer.concat([valid, randomBytes(randomInt(1, 40))]); // trailing junk after Length (RFC: ignored)
      p[1] = randomInt(256);
      return p;
    }
  }
}

test('thousands of random and truncated packets: the listener keeps answering valid ones', async () => {
  const port = lab.gw.radius!.address.port;
  const sock = dgram.createSocket('udp4');
  sock.on('message', () => {});
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const template = encodeAccountingRequest(
    { status: 'start', framedIp: '10.0.0.40', msisdn: '447700900240', sessionId: 'fuzz', imsi: '001010000000240', ratType: 6 },
    NAS_SECRET,
    1,
  );
  const send = (b: Buffer) => new Promise<void>((r) => sock.send(b, port, '127.0.0.1', () => r()));
  const ROUNDS = 40;
  const PER_ROUND = 100;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < PER_ROUND; i++) await send(fuzzPacket(template));
      // A real NAS's Start in the middle of the flood is answered and applied.
      const ip = `10.0.1.${round + 1}`;
      await sendAccounting(
        '127.0.0.1',
        port,
        NAS_SECRET,
        { status: 'start', framedIp: ip, msisdn: `4477009003${String(round).padStart(2, '0')}`, sessionId: `v-${round}` },
        { timeoutMs: 2000, retries: 4 },
      );
      assert.ok(await lab.gw.bindings.get(`127.0.1.${round + 1}`), `valid Start #${round} applied`);
    }
  } finally {
    sock.close();
  }
  const v = (result: string) => lab.gw.metrics.value('hedge_radius_packets_total', { result });
  assert.ok((await v('malformed')) > 0, 'malformed packets counted');
  assert.ok((await v('bad_authenticator')) > 0, 'forged packets counted');
  assert.ok((await v('accepted')) >= ROUNDS);
  // The gateway as a whole is still serving and enriching.
  const r = await viaProxy(lab.gw.proxyAddress, 'http://my.operator.example/', { localAddress: '127.0.1.1' });
  assert.equal(r.json().headers['x-msisdn'], '+447700900300');
});

test('forged accounting: a Start whose authenticator was made with another secret never binds', async () => {
  const port = lab.gw.radius!.address.port;
  // Many attempts with wrong secrets: none may bind (the authenticator is compared in constant time over raw bytes).
  for (let i = 0; i < 50; i++) {
    const pkt = encodeAccountingRequest(
      { status: 'start', framedIp: '10.0.2.1', msisdn: '447700900999', sessionId: `forged-${i}` },
      `guess-${i}-${randomBytes(4).toString('hex')}`,
      i,
    );
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.send(pkt, port, '127.0.0.1', () => r()));
    sock.close();
  }
  await sendAccounting('127.0.0.1', port, NAS_SECRET, { status: 'interim', framedIp: '10.0.2.2', msisdn: '447700900998', sessionId: 'probe' });
  assert.equal(await lab.gw.bindings.get('127.0.2.1'), undefined);
});
