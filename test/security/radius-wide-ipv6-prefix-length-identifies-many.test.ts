// Threat: radius.clients[].ipv6PrefixLength is the prefix a Framed-IPv6-Address
// (one address) is bound at. Any length from 1 was accepted: at /1 one
// subscriber's Start binds half the IPv6 internet to them, and every request
// from any address in it is identified to partners as that subscriber. The one
// address's subnet is at most a site's /48 (RFC 6177) — a phone's is its /64
// (RFC 6459) — so a length under 48 is refused at load, naming file, line and key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/shared/errors.js';
import { DEMO_YAML } from '../helpers/gateway.js';
import { issuesOf, lineOf } from '../helpers/config.js';

const withLength = (len: number) =>
  DEMO_YAML.replace(/^partners:/m, `radius:\n  clients:\n    - { address: 127.0.0.1, secret: "sixteen-chars-or-more", ipv6PrefixLength: ${len} }\npartners:`);

test('an ipv6PrefixLength wider than /48 is refused at its line, with file and key', () => {
  for (const len of [1, 16, 32, 47]) {
    const text = withLength(len);
    const [i] = issuesOf(text);
    assert.equal(i!.key, 'radius.clients[0].ipv6PrefixLength', `/${len}`);
    assert.equal(i!.line, lineOf(text, 'ipv6PrefixLength'), `/${len}`);
    assert.match(i!.message, /48/, `/${len}`);
    try {
      parseConfig(text, 'lab.yaml');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /lab\.yaml:\d+/, 'the file is named');
    }
  }
});

test('/48 to /128 are accepted', () => {
  for (const len of [48, 56, 64, 128]) assert.equal(parseConfig(withLength(len), 'ok.yaml').config.radius?.clients[0]?.ipv6PrefixLength, len);
});
