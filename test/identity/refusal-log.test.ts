// Refused RADIUS datagrams are logged one line per reason and NAS per interval,
// with the count of the ones in between; never an attribute value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefusalLog } from '../../src/identity/radius/refusal-log.js';
import { createLogger } from '../../src/shared/log.js';

test('one line per (reason, NAS) per interval; the next line says how many were not logged', () => {
  const lines: Record<string, unknown>[] = [];
  let now = 0;
  const r = new RefusalLog(createLogger({ write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }), 10_000, () => now);
  for (let i = 0; i < 5; i++) r.refused('refused', 'bad_authenticator', 'pgw-1');
  r.refused('refused', 'bad_authenticator', 'pgw-2');
  r.refused('refused', 'malformed', 'pgw-1');
  assert.equal(lines.length, 3);
  now = 10_000;
  r.refused('refused', 'bad_authenticator', 'pgw-1');
  assert.equal(lines.length, 4);
  assert.equal(lines[3]!.alsoRefusedSinceLastLine, 4);
  assert.equal(lines[3]!.nas, 'pgw-1');
  assert.equal(lines[3]!.level, 'warn');
});

test('spoofed sources cannot grow the table without bound', () => {
  const lines: unknown[] = [];
  const r = new RefusalLog(createLogger({ write: (l) => lines.push(l) }), 10_000, () => 0);
  for (let i = 0; i < 5000; i++) r.refused('refused', 'unknown_client', `10.0.${i >> 8}.${i & 255}`);
  assert.ok(lines.length <= 1025, `${lines.length} lines`);
});
