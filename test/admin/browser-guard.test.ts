// The admin API's browser guard (src/admin/browser-guard.ts) on its own: which
// Host headers name the admin API when it listens beyond loopback (the address
// a connection arrived at, the address it is bound to, admin.hostnames), and
// how Host authorities are read. The end-to-end threat test is
// test/security/admin-dns-rebinding-and-cross-site-writes.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { AdminBrowserGuard, authorityHost } from '../../src/admin/browser-guard.js';

function req(host: string | undefined, localAddress: string, extra: Record<string, string> = {}, method = 'GET', url = '/health'): IncomingMessage {
  return { method, url, headers: { ...(host === undefined ? {} : { host }), ...extra }, socket: { localAddress } } as unknown as IncomingMessage;
}

test('listening on every address: the address the connection arrived at is the admin API, another is not', () => {
  const g = new AdminBrowserGuard();
  g.boundTo('0.0.0.0');
  assert.equal(g.refusal(req('10.1.2.3:9090', '10.1.2.3')), undefined);
  assert.equal(g.refusal(req('10.1.2.3:9090', '::ffff:10.1.2.3')), undefined, 'a dual-stack socket reports the mapped form');
  assert.equal(g.refusal(req('[2001:db8::5]:9090', '2001:db8::5')), undefined);
  assert.equal(g.refusal(req('10.1.2.4:9090', '10.1.2.3'))?.status, 421);
  assert.equal(g.refusal(req('0.0.0.0:9090', '10.1.2.3'))?.status, 421, 'the wildcard is no address of the admin API');
  assert.equal(g.refusal(req('gw1:9090', '10.1.2.3'))?.status, 421);
  assert.equal(g.refusal(req(undefined, '10.1.2.3')), undefined, 'an HTTP/1.0 checker without Host (no browser omits it)');
});

test('a specific bound address and the configured names are accepted whatever address the connection names', () => {
  const g = new AdminBrowserGuard(['gw1.example.net', '192.0.2.80', 'Scrape.Internal.']);
  g.boundTo('10.1.2.3');
  for (const host of [
    '10.1.2.3:9090',
    'gw1.example.net:9090',
    'GW1.example.net.',
    '192.0.2.80:19090',
    'scrape.internal',
    'localhost',
    '127.0.0.1',
    '[::1]:9090',
    '[::ffff:127.0.0.1]',
  ])
    assert.equal(g.refusal(req(host, '172.17.0.2')), undefined, host);
  for (const host of ['gw2.example.net', 'example.net', 'gw1.example.net.evil.example', '192.0.2.81', '[::ffff:10.1.2.4]', 'localhost.evil.example', '2130706433'])
    assert.equal(g.refusal(req(host, '172.17.0.2'))?.code, 'HEDGE_ERR_ADMIN_HOST', host);
});

test('authorities: ports, brackets, trailing dot, and what is not one', () => {
  assert.equal(authorityHost('Example.NET.:8080'), 'example.net');
  assert.equal(authorityHost('[::1]:9090'), '::1');
  assert.equal(authorityHost('[::1]'), '::1');
  for (const bad of ['', ':9090', '::1', '[::1', '[127.0.0.1]', 'a b', 'a@b', 'a:b', 'a:99999999', '[::1]x', 'host:80:80']) assert.equal(authorityHost(bad), undefined, bad);
});

test('Origin other than the admin API, Sec-Fetch-Site other than same-origin or none; a body not declared JSON', () => {
  const g = new AdminBrowserGuard();
  const at = (extra: Record<string, string>, method = 'GET') => g.refusal(req('127.0.0.1:9090', '127.0.0.1', extra, method))?.code;
  assert.equal(at({ origin: 'http://127.0.0.1:9090' }), undefined);
  assert.equal(at({ origin: 'http://127.0.0.1:9091' }), 'HEDGE_ERR_ADMIN_CROSS_SITE');
  assert.equal(at({ origin: 'http://localhost:9090' }), 'HEDGE_ERR_ADMIN_CROSS_SITE', 'another origin, though the same machine');
  assert.equal(at({ origin: 'file://' }), 'HEDGE_ERR_ADMIN_CROSS_SITE');
  assert.equal(at({ 'sec-fetch-site': 'same-site' }), 'HEDGE_ERR_ADMIN_CROSS_SITE');
  assert.equal(at({ 'sec-fetch-site': 'none' }), undefined);
  assert.equal(at({ 'content-length': '2', 'content-type': 'text/plain' }, 'POST'), 'HEDGE_ERR_ADMIN_CONTENT_TYPE');
  assert.equal(at({ 'transfer-encoding': 'chunked' }, 'DELETE'), 'HEDGE_ERR_ADMIN_CONTENT_TYPE');
  assert.equal(at({ 'content-length': '2', 'content-type': 'Application/JSON; charset=utf-8' }, 'PUT'), undefined);
  assert.equal(at({ 'content-length': '0' }, 'POST'), undefined, 'a bodyless POST (canary run, reload)');
  assert.equal(at({}, 'DELETE'), undefined);
});
