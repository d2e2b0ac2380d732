// detect/client-address.ts: its own IPv6 reader gives the bytes
// shared/address.ts parseIp gives, for every spelling of random addresses and
// for near-misses; and findClientAddress names how the address was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findClientAddress, readV6 } from '../../src/detect/client-address.js';
import { parseIp } from '../../src/shared/address.js';

/** Deterministic random 16-bit groups. */
function groups(seed: number): number[] {
  let s = seed;
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    // Zero groups often, so that "::" has runs to compress.
    out.push((s >>> 8) % 3 === 0 ? 0 : (s >>> 12) & 0xffff);
  }
  return out;
}

/** Spellings of one address: full, unpadded, each possible "::", upper case, a dotted tail. */
function spellings(g: number[]): string[] {
  const hex = g.map((x) => x.toString(16));
  const out = [g.map((x) => x.toString(16).padStart(4, '0')).join(':'), hex.join(':'), hex.join(':').toUpperCase()];
  for (let a = 0; a < 8; a++) for (let b = a + 1; b <= 8; b++) if (g.slice(a, b).every((x) => x === 0)) out.push(`${hex.slice(0, a).join(':')}::${hex.slice(b).join(':')}`);
  out.push(`${hex.slice(0, 6).join(':')}:${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`);
  return out;
}

test('readV6 reads every spelling as parseIp does, and refuses what parseIp refuses', () => {
  const out = new Uint8Array(16);
  let n = 0;
  for (let seed = 1; seed < 400; seed++) {
    for (const s of spellings(groups(seed))) {
      const want = parseIp(s);
      assert.ok(want, s);
      assert.ok(readV6(s, 0, s.length, out), s);
      assert.deepEqual([...out], [...want], s);
      // Inside a larger text, by its bounds.
      const t = `x[${s}]y`;
      assert.ok(readV6(t, 2, 2 + s.length, out), t);
      assert.deepEqual([...out], [...want], t);
      n++;
    }
  }
  assert.ok(n > 2000, `${n} spellings`);
  const bad = ['', ':', '1', ':1', '1:', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::1', 'g::1', '::1.2.3', '::1.2.3.256', '1:2:3:4:5:6:7:1.2.3.4', '::1:', ':::1'];
  for (const s of bad) {
    assert.equal(parseIp(s), undefined, `parseIp("${s}")`);
    assert.equal(readV6(s, 0, s.length, out), false, `readV6("${s}")`);
  }
  assert.equal(readV6('1.2.3.4', 0, 7, out), false, 'an IPv4 address is not IPv6');
});

test('findClientAddress says how the address was written', () => {
  const v6 = '2001:db8:1:2::42';
  const cases: [string, string, string | undefined][] = [
    [v6, `for="[${v6}]:443"`, 'plain'],
    [v6, '2001:DB8:1:2:0:0:0:42', 'plain'],
    [v6, '2001:db8:1:2::/64', 'plain'],
    [v6, encodeURIComponent(v6), 'percent'],
    [v6, 'id=20010DB8000100020000000000000042', 'hex'],
    [v6, '2.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', 'reverse-dns'],
    [v6, '2001:db8:1:3::42', undefined],
    [v6, '20010db800010003', undefined],
    [v6, '8.b.d.0.1.0.0.2.ip6.arpa', undefined], // the /32: the operator's
    ['192.0.2.1', '::ffff:192.0.2.1', 'plain'],
    ['192.0.2.1', '[::ffff:c000:201]:80', 'plain'],
    ['192.0.2.1', '192.0.2.1:443', 'plain'],
    ['192.0.2.1', '192%2E0%2E2%2E1', 'percent'],
    ['192.0.2.1', '192.0.2.10', undefined],
    ['192.0.2.1', '3221225985', undefined], // an integer: not looked for (docs/detect.md)
    ['', 'anything', undefined],
  ];
  for (const [client, text, want] of cases) assert.equal(findClientAddress(text, client), want, `"${text}" from ${client || '(none)'}`);
});
