// The demo's echo origin answers every request with what it received —
// method, Host, path, headers in order with duplicates, body size — so a reader
// of the demo sees exactly what each site would see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startEchoOrigin } from '../../src/demo/echo-origin.js';

test('echoes method, host, path, raw headers in order and the body size', async () => {
  const seen: string[] = [];
  const origin = await startEchoOrigin('127.0.0.1', 0, (req) => seen.push(req.url ?? ''));
  try {
    const body = 'a=1&b=2';
    const reply = await new Promise<{ status: number; type: string | undefined; json: Record<string, unknown> }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: origin.address.port,
          method: 'POST',
          path: '/form?x=1',
          headers: [
            ['Host', 'news.example'],
            ['X-Twice', 'one'],
            ['X-Twice', 'two'],
            ['Content-Length', String(body.length)],
          ].flat(),
          agent: false,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], json: JSON.parse(text) as Record<string, unknown> }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.type, 'application/json');
    assert.equal(reply.json.method, 'POST');
    assert.equal(reply.json.host, 'news.example');
    assert.equal(reply.json.path, '/form?x=1');
    assert.equal(reply.json.bodyBytes, body.length);
    assert.deepEqual(reply.json.rawHeaders, ['Host', 'news.example', 'X-Twice', 'one', 'X-Twice', 'two', 'Content-Length', String(body.length), 'Connection', 'close']);
    assert.deepEqual(seen, ['/form?x=1'], 'the hook sees each request');
  } finally {
    await origin.close();
  }
});
