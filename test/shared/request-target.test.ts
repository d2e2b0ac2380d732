// Request targets (RFC 9112 §3.2): absolute-form and origin-form parsing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAbsoluteForm, parseOriginForm } from '../../src/shared/request-target.js';

test('request targets: absolute-form and origin-form', () => {
  assert.deepEqual(parseAbsoluteForm('http://News.Example:8080/a?b=1'), { scheme: 'http', host: 'news.example', port: 8080, path: '/a?b=1' });
  assert.deepEqual(parseAbsoluteForm('http://news.example'), { scheme: 'http', host: 'news.example', port: 80, path: '/' });
  assert.deepEqual(parseAbsoluteForm('http://[::1]:81/x'), { scheme: 'http', host: '::1', port: 81, path: '/x' });
  for (const bad of ['ftp://x/', 'http://u:p@x/', 'http://x:0/', 'http://x:99999/', 'http:///x', 'http://a b/']) assert.ok('error' in parseAbsoluteForm(bad), bad);
  assert.deepEqual(parseOriginForm('/p', 'Host.Example'), { scheme: 'http', host: 'host.example', port: 80, path: '/p' });
  assert.ok('error' in parseOriginForm('/p', undefined));
});
