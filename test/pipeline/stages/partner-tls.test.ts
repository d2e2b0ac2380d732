// partner-tls contract: a `tls: required` partner is reached over HTTPS even
// when the phone asked for http:// (port 80 becomes 443, another port is kept);
// nothing changes for other partners, for HTTPS already, or for a flow that
// will not be enriched (upgrade handshakes keep the phone's transport).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partnerTls } from '../../../src/pipeline/stages/partner-tls.js';
import { CONTINUE } from '../../../src/pipeline/stage.js';
import { makeFlow } from '../../helpers/pipeline.js';

const run = (url: string, edit?: (f: ReturnType<typeof makeFlow>) => void) => {
  const f = makeFlow({ url, partner: true });
  edit?.(f);
  assert.deepEqual(partnerTls().onRequest(f), CONTINUE);
  return `${f.target.scheme}://${f.target.host}:${f.target.port}${f.target.path}`;
};

test('tls: required → https, port 80 becomes 443, an explicit port is kept, path untouched', () => {
  assert.equal(run('http://bank.example/pay?x=1'), 'https://bank.example:443/pay?x=1');
  assert.equal(run('http://bank.example:8080/'), 'https://bank.example:8080/');
});

test('nothing changes for an optional-TLS partner, a non-partner, or a flow not to be enriched', () => {
  assert.equal(run('http://my.operator.example/'), 'http://my.operator.example:80/');
  assert.equal(run('http://news.example/'), 'http://news.example:80/');
  assert.equal(
    run('http://bank.example/', (f) => (f.enrichmentDisabled = true)),
    'http://bank.example:80/',
  );
});

test('a failure here refuses the request rather than send a TLS-required partner cleartext', () => {
  assert.equal(partnerTls().onError, 'refuse');
});
