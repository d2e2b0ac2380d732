// A flood of one event is one log line per key and interval, with the count of
// the lines it stood for; other keys are not held back; keys past the cap
// share one (shared/log-every.ts: the proxy's stage failures, RADIUS refusals).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogEvery } from '../../src/shared/log-every.js';
import { createLogger } from '../../src/shared/log.js';

function lab(maxKeys?: number) {
  const lines: Record<string, unknown>[] = [];
  let now = 1_000_000;
  const log = createLogger({ level: 'info', format: 'json', write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const every = new LogEvery(log, 10_000, { maxKeys, now: () => now });
  return { lines, every, advance: (ms: number) => (now += ms) };
}

test('a store that fails every request: one line per stage and interval, then the count', () => {
  const { lines, every, advance } = lab();
  for (let i = 0; i < 1000; i++) every.write('error', 'consent\0HEDGE_ERR_X', 'pipeline stage failed', { stage: 'consent' });
  assert.equal(lines.length, 1, 'the first at once, the rest held back');
  every.write('error', 'enrich\0', 'pipeline stage failed', { stage: 'enrich' });
  assert.equal(lines.length, 2, 'another key is not held back');
  advance(10_000);
  every.write('error', 'consent\0HEDGE_ERR_X', 'pipeline stage failed', { stage: 'consent' });
  assert.equal(lines.length, 3);
  assert.equal(lines[2]!.sinceLastLine, 999, 'the next line says how many it stood for');
  assert.equal(lines[2]!.level, 'error');
});

test('keys past the cap share one', () => {
  const { lines, every } = lab(4);
  for (let i = 0; i < 100; i++) every.write('warn', `k${i}`, 'm', {});
  assert.equal(lines.length, 5, 'four keys, then one overflow key');
});
