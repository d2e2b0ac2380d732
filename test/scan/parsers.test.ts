// The scanner reads every capture format people have: HAR, raw HTTP request
// dumps (bodies and responses skipped by their framing), tshark packet trees
// and field output, and plain header lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCapture, sniffFormat } from '../../src/scan/read-capture.js';
import { scanRequests } from '../../src/scan/scan.js';

const FIX = 'test/fixtures/captures';
const headerOf = (hs: [string, string][], n: string) => hs.find(([k]) => k.toLowerCase() === n)?.[1];

test('format sniffing', () => {
  assert.equal(sniffFormat(Buffer.from('{"log":{"entries":[]}}')), 'har');
  assert.equal(sniffFormat(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n')), 'raw');
  assert.equal(sniffFormat(Buffer.from('Hypertext Transfer Protocol\n    GET / HTTP/1.1\\r\\n\n')), 'tshark');
  assert.equal(sniffFormat(Buffer.from('Host: a\nX-A: b\n')), 'headers');
});

test('HAR: every entry, headers in order, HTTP/2 pseudo-headers dropped', () => {
  const r = readCapture(`${FIX}/one-leak.har`);
  assert.equal(r.format, 'har');
  assert.equal(r.requests.length, 5);
  assert.deepEqual(r.problems, []);
  assert.equal(r.requests[2]!.source, `${FIX}/one-leak.har entry 3`);
  assert.equal(headerOf(r.requests[2]!.headers, 'x-up-calling-line-id'), '447700900123');
});

test('raw dump: a POST body that looks like a request is skipped by Content-Length, responses are skipped', () => {
  const r = readCapture(`${FIX}/dump.http`);
  assert.equal(r.format, 'raw');
  assert.deepEqual(
    r.requests.map((x) => `${x.method} ${x.url}`),
    ['GET http://news.example/index.html', 'POST http://news.example/form', 'GET http://wap.operator.example/wap/home', 'GET http://news.example/last'],
  );
  assert.deepEqual(r.problems, []);
  const kinds = scanRequests(r.requests).map((f) => `${f.name}:${f.kind}`);
  assert.deepEqual(kinds.sort(), ['X-Network-Info:identity', 'X-Nokia-IMSI:identity', 'X-Wap-Profile:device']);
});

test('tshark packet tree: request line, header lines and the full request URI', () => {
  const r = readCapture(`${FIX}/tshark-tree.txt`);
  assert.equal(r.format, 'tshark');
  assert.deepEqual(
    r.requests.map((x) => x.url),
    ['http://news.example/index.html?src=sms', 'http://portal.example/account'],
  );
  assert.equal(headerOf(r.requests[0]!.headers, 'x-uidh'), 'OTgxNTk2NDk4MzIwMTMwMjA4NjQ1MjU4');
  assert.equal(r.requests[0]!.headers.length, 3, 'tshark annotations are not headers');
  const f = scanRequests(r.requests).map((x) => `${x.name}:${x.kind}`);
  assert.deepEqual(f.sort(), ['X-MSISDN:identity', 'X-UIDH:tracking']);
});

test('tshark fields output: method, URL and the joined header lines', () => {
  const r = readCapture(`${FIX}/tshark-fields.txt`);
  assert.equal(r.format, 'tshark');
  assert.equal(r.requests.length, 2);
  assert.deepEqual(r.requests[0]!.headers, [
    ['Host', 'news.example'],
    ['User-Agent', 'curl/8.5.0'],
    ['Accept', '*/*'],
  ]);
  const f = scanRequests(r.requests);
  assert.deepEqual(
    f.map((x) => `${x.where}:${x.name}:${x.kind}`),
    ['url:query msisdn:identity'],
  );
  assert.equal(f[0]!.request.url, 'http://shop.example/?msisdn=…');
});

test('header list: blocks per request, a URL line, comments; a base64 alias of the number is found', () => {
  const r = readCapture(`${FIX}/headers.txt`);
  assert.equal(r.format, 'headers');
  assert.deepEqual(
    r.requests.map((x) => `${x.method} ${x.url}`),
    ['GET http://news.example/', 'GET http://partner.example/login'],
  );
  const f = scanRequests(r.requests);
  assert.equal(f.length, 1);
  assert.equal(f[0]!.name, 'X-Opwv-DDM-Subscriber');
  assert.equal(f[0]!.kind, 'identity', 'the token decodes to a phone number');
});

test('lines that are not headers are reported with file:line, never silently dropped', async () => {
  const { parseHeaderList } = await import('../../src/scan/parse-header-list.js');
  const r = parseHeaderList('Host: a.example\nthis is not a header\nX-A: 1\n', 'f.txt');
  assert.equal(r.requests.length, 1);
  assert.deepEqual(r.problems, [{ where: 'f.txt:2', message: 'not a "Name: value" header line; skipped' }]);
});
