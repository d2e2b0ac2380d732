// The fixed-rate generator (bench/tools/fixed-rate.mjs) the front door's
// latency row depends on: every due request is sent exactly once, request i
// carries token i, and a request that waited for a free connection is timed
// from when it was due (a stalled server is not hidden).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

const tool = join(import.meta.dirname, '..', '..', 'bench', 'tools', 'fixed-rate.mjs');

async function withServer(delayMs: number, fn: (port: number, seen: string[]) => Promise<void>): Promise<void> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization ?? '');
    req.resume();
    req.on('end', () => setTimeout(() => res.end('{"ok":true}'), delayMs));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn((server.address() as AddressInfo).port, seen);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** Runs the generator as a child (asynchronously: the server under test lives in this process). */
async function run(port: number, args: string[]): Promise<Record<string, number>> {
  const c = spawn(process.execPath, [tool, '--url', `http://127.0.0.1:${port}/v`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (err += d));
  const code = await new Promise((r) => c.once('exit', r));
  assert.equal(code, 0, err);
  return JSON.parse(out.trim()) as Record<string, number>;
}

test('fixed-rate generator: each due request, warm-up included, is sent once with its own token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-fixed-rate-'));
  try {
    const tokens = Array.from({ length: 100 }, (_, i) => `t${i}`);
    writeFileSync(join(dir, 'tokens.txt'), tokens.join('\n') + '\n');
    await withServer(0, async (port, seen) => {
      const r = await run(port, [
        '--rate',
        '100',
        '--seconds',
        '0.5',
        '--warmup',
        '0.2',
        '--connections',
        '4',
        '--method',
        'POST',
        '--body',
        '{}',
        '--token-file',
        join(dir, 'tokens.txt'),
      ]);
      // 20 warm-up requests (sent, not counted), then the 50 that count.
      assert.equal(r.due, 50);
      assert.equal(r.sent, 50);
      assert.equal(r.ok, 50);
      assert.equal(r.errors, 0);
      assert.equal(r.warmupFailed, 0);
      assert.deepEqual(
        [...seen].sort(),
        tokens
          .slice(0, 70)
          .map((t) => `Bearer ${t}`)
          .sort(),
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fixed-rate generator: a request that waited for a connection is timed from when it was due', async () => {
  // One connection, answers after 50 ms, 100 requests/s due: each waits behind the one before.
  await withServer(50, async (port) => {
    const r = await run(port, ['--rate', '100', '--seconds', '0.3', '--connections', '1']);
    assert.equal(r.ok, 30);
    assert.ok(r.waitedForConnection! > 0);
    // Served one per 50 ms while due one per 10 ms: the last is answered ~1.2 s after it was due.
    assert.ok(r.maxMs! > 500, `max ${r.maxMs} ms`);
  });
});
