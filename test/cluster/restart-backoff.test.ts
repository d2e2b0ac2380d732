// The wait before a --workers slot's next replacement (cluster/restart-backoff.ts):
// doubling after each worker that did not serve for long, capped, and back to
// the base once one has served for long enough.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartBackoff } from '../../src/cluster/restart-backoff.js';

test('a slot whose workers keep failing waits 0.5 s, 1 s, 2 s … up to 30 s; the wait is reported longer once per step', () => {
  const b = new RestartBackoff();
  const waits = Array.from({ length: 10 }, (_, i) => b.stopped(1, 1000 * i));
  assert.deepEqual(
    waits.map((w) => w.delayMs),
    [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000],
  );
  assert.deepEqual(
    waits.map((w) => w.longer),
    [false, true, true, true, true, true, true, false, false, false],
  );
  assert.equal(b.stopped(2, 0).delayMs, 500, 'each slot has its own wait');
});

test('a worker that served for a minute resets its slot to 0.5 s; one that served briefly does not', () => {
  const b = new RestartBackoff();
  for (let i = 0; i < 4; i++) b.stopped(1, i);
  b.serving(1, 10_000);
  assert.equal(b.stopped(1, 20_000).delayMs, 8000, 'served 10 s: still failing');
  b.serving(1, 100_000);
  assert.deepEqual(b.stopped(1, 160_000), { delayMs: 500, longer: false });
  assert.equal(b.stopped(1, 160_001).delayMs, 1000);
});
