// egress-guard contract (the second lock): what the client sent passes, and
// so does a disclosure the policy — looked up again from the host the client
// asked for — grants there; any other header carrying an identifier is
// removed and reported (header, attribute, reason; never the value); a URL the
// gateway changed to carry one is refused. Every flow that passes is sealed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { egressGuard } from '../../../src/pipeline/stages/egress-guard.js';
import { passedGuard } from '../../../src/pipeline/guard-seal.js';
import type { GuardHit } from '../../../src/pipeline/egress-hits.js';
import { CONTINUE } from '../../../src/pipeline/stage.js';
import { ErrorCodes } from '../../../src/shared/errors.js';
import type { Flow } from '../../../src/pipeline/flow.js';
import { makeFlow, SUBSCRIBER, type FlowOptions } from '../../helpers/pipeline.js';
import { signEnrichment } from '../../../src/pipeline/stages/sign.js';

function guarded(opts: FlowOptions, gatewayDoes: (f: Flow) => void = () => {}) {
  const hits: GuardHit[] = [];
  const f = makeFlow({ subscriber: SUBSCRIBER, partner: true, ...opts });
  gatewayDoes(f);
  const verdict = egressGuard({ onHits: (h) => hits.push(...h) }).onRequest(f);
  return { f, verdict, hits };
}

const selfcareNumber = { partnerId: 'selfcare', attribute: 'msisdn', form: 'raw', header: 'X-MSISDN', value: SUBSCRIBER.msisdn } as const;

test('a clean flow and a granted disclosure pass, sealed, with no hit', () => {
  const plain = guarded({ url: 'http://news.example/' }, (f) => f.headers.push('Via', '1.1 hedge'));
  assert.deepEqual(plain.verdict, CONTINUE);
  assert.deepEqual(plain.hits, []);
  assert.ok(passedGuard(plain.f));
  const granted = guarded({}, (f) => f.disclose(selfcareNumber));
  assert.deepEqual(granted.verdict, CONTINUE);
  assert.deepEqual(granted.hits, []);
  assert.equal(granted.f.header('X-MSISDN'), SUBSCRIBER.msisdn);
  assert.ok(passedGuard(granted.f));
});

test("the client's own headers pass, even when they carry its number", () => {
  const { f, hits } = guarded({ url: 'http://news.example/', headers: ['Host', 'news.example', 'X-My-Phone', SUBSCRIBER.msisdn] });
  assert.deepEqual(hits, []);
  assert.equal(f.header('X-My-Phone'), SUBSCRIBER.msisdn);
});

test('a header the gateway added with an identifier is removed and reported by name, attribute and reason', () => {
  const { f, verdict, hits } = guarded({ url: 'http://news.example/' }, (f) => f.headers.push('X-Debug', 'line=447700900123', 'X-UP-Calling-Line-ID', 'anything'));
  assert.deepEqual(verdict, CONTINUE, 'stripped, the request goes on');
  assert.equal(f.header('X-Debug'), undefined);
  assert.equal(f.header('X-UP-Calling-Line-ID'), undefined);
  assert.deepEqual(
    hits.map((h) => [h.header, h.attribute, h.reason, h.action]),
    [
      ['x-debug', 'msisdn', 'identifier', 'stripped'],
      ['x-up-calling-line-id', 'msisdn', 'identity-header', 'stripped'],
    ],
  );
  assert.ok(!JSON.stringify(hits).includes('7700900123'), 'hits carry no value');
  assert.ok(passedGuard(f));
});

test('a disclosure the policy does not grant at the host the client asked for is removed', () => {
  const { f, hits } = guarded({ url: 'http://news.example/' }, (f) => f.disclose(selfcareNumber));
  assert.equal(f.header('X-MSISDN'), undefined);
  assert.deepEqual(f.disclosures, []);
  assert.equal(hits.length, 1);
  assert.equal(hits[0]!.action, 'stripped');
  // A claim header carrying the number instead of yes/no is not what the grant allows.
  const claim = guarded({ url: 'http://www.agegate.example/' }, (f) =>
    f.disclose({ partnerId: 'agegate', attribute: 'age-verified', form: 'claim', header: 'X-Age-Verified', value: '447700900123' }),
  );
  assert.equal(claim.f.header('X-Age-Verified'), undefined);
});

test('a URL the gateway changed to carry the number is refused', () => {
  const { verdict, hits, f } = guarded({ url: 'http://news.example/story' }, (f) => (f.target.path += '?cli=447700900123'));
  assert.deepEqual(verdict, { kind: 'stop', status: 500, code: ErrorCodes.EGRESS_REFUSED, message: 'the gateway refused to send a request it had changed to carry an identifier' });
  assert.deepEqual(
    hits.map((h) => [h.header, h.action]),
    [[':url', 'refused']],
  );
  assert.ok(!passedGuard(f), 'a refused flow is not sealed');
});

test('a check that cannot run refuses the request', () => {
  assert.equal(egressGuard({ onHits: () => {} }).onError, 'refuse');
});

// The guard looks for the subscriber's identifiers in all the added values at once (joined by LF), then
// in each value only when that scan found something: the same answer as one scan per value.
test('several added headers: only the one carrying an identifier is removed, the others pass in order', () => {
  const { f, hits } = guarded({ url: 'http://news.example/' }, (f) =>
    f.headers.push('X-Trace', 'abc', 'X-Debug', `imsi=${Buffer.from(SUBSCRIBER.imsi!).toString('hex').toUpperCase()}`, 'X-Build', 'release-7'),
  );
  assert.deepEqual(
    hits.map((h) => [h.header, h.attribute, h.reason]),
    [['x-debug', 'imsi', 'identifier']],
  );
  assert.equal(f.header('X-Debug'), undefined);
  assert.deepEqual(f.headers.slice(-4), ['X-Trace', 'abc', 'X-Build', 'release-7']);
});

test('an identifier is never assembled across two added values', () => {
  // "+44770090" and "0123": the number only if the two values were read as one text. What the joined
  // scan finds only decides whether each value is scanned on its own; a hit is always one value's.
  const { f, hits } = guarded({ url: 'http://news.example/' }, (f) => f.headers.push('X-Part-A', 'v=+44770090', 'X-Part-B', '0123;q'));
  assert.deepEqual(
    hits.filter((h) => h.reason === 'identifier'),
    [],
  );
  assert.equal(f.header('X-Part-B'), '0123;q');
});

// RFC 9421 fields of exactly the sign stage's shape: the subscriber scan reads only their free parts
// (covered header names, created, expires, nonce, keyid; the signature's base64) and the heuristic
// identifier-like scan is skipped. Anything the signer could be made to put there is still found.
const billingAlias = { partnerId: 'billing', attribute: 'msisdn', form: 'pseudonym', header: 'X-Subscriber-Alias', value: 'p-2Yt8QmWc4nZb7Ls1' } as const;

function signedForBilling(tamper: (f: Flow) => void = () => {}) {
  return guarded({ url: 'http://pay.billing.example/pay?amount=5' }, (f) => {
    f.destinationVerified = true;
    f.disclose(billingAlias);
    signEnrichment(undefined, 'X-Hedge-Signature').onRequest(f);
    tamper(f);
  });
}

function replaceValue(f: Flow, name: string, change: (v: string) => string): void {
  const i = f.headers.findIndex((n, k) => k % 2 === 0 && n === name);
  assert.ok(i >= 0, `${name} was added`);
  f.headers[i + 1] = change(f.headers[i + 1]!);
}

test("the sign stage's own Signature-Input and Signature pass unchanged, with no hit", () => {
  const { f, hits } = signedForBilling();
  assert.deepEqual(hits, []);
  assert.match(
    f.header('Signature-Input') ?? '',
    /^hedge=\("@method" "@authority" "@path" "@query" "hedge-partner" "x-subscriber-alias"\);created=\d+;expires=\d+;nonce="[\w-]{22}";keyid="[\w-]+";alg="hmac-sha256";tag="hedge"$/,
  );
  assert.match(f.header('Signature') ?? '', /^hedge=:[A-Za-z0-9+/]{43}=:$/);
});

test('a signature field of the right shape that carries an identifier in any free part is removed', () => {
  const msisdnDigits = SUBSCRIBER.msisdn!.slice(1);
  const nonceWithNumber = Buffer.from(msisdnDigits.padEnd(16, '0')).toString('base64url');
  const macWithNumber = Buffer.concat([Buffer.from(msisdnDigits), Buffer.alloc(20)]).toString('base64');
  const cases: [string, string, (v: string) => string, string][] = [
    ['created', 'Signature-Input', (v) => v.replace(/;created=\d+/, `;created=${msisdnDigits}`), 'msisdn'],
    ['expires', 'Signature-Input', (v) => v.replace(/;expires=\d+/, `;expires=${msisdnDigits}`), 'msisdn'],
    ['nonce', 'Signature-Input', (v) => v.replace(/;nonce="[\w-]{22}"/, `;nonce="${nonceWithNumber}"`), 'msisdn'],
    ['keyid', 'Signature-Input', (v) => v.replace(/;keyid="[\w-]+"/, `;keyid="k${SUBSCRIBER.imsi}"`), 'imsi'],
    ['a covered name', 'Signature-Input', (v) => v.replace('"x-subscriber-alias"', `"x-subscriber-alias" "x-${msisdnDigits}"`), 'msisdn'],
    ['the signature', 'Signature', () => `hedge=:${macWithNumber}:`, 'msisdn'],
  ];
  for (const [where, name, change, attribute] of cases) {
    const { f, hits } = signedForBilling((f) => replaceValue(f, name, change));
    assert.deepEqual(
      hits.map((h) => [h.header, h.attribute, h.reason, h.action]),
      [[name.toLowerCase(), attribute, 'identifier', 'stripped']],
      where,
    );
    assert.equal(f.header(name), undefined, where);
  }
});

test('a signature field not of the shape the sign stage makes gets the full scan, heuristics included', () => {
  // Another subscriber's number: not this subscriber's identifier, found by the identifier-like scan only.
  const cases: [string, (v: string) => string][] = [
    ['Signature-Input', (v) => `${v};note="call 447700900999"`],
    ['Signature', (v) => `${v}, other=:447700900999:`],
  ];
  for (const [name, change] of cases) {
    const { f, hits } = signedForBilling((f) => replaceValue(f, name, change));
    assert.deepEqual(
      hits.map((h) => [h.header, h.reason]),
      [[name.toLowerCase(), 'identifier-like']],
      name,
    );
    assert.equal(f.header(name), undefined, name);
  }
});
