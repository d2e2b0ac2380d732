// Threat: any phone — or any web page it loads over mobile data — blocks
// /authorize for every partner. Opening a partner's authorisation URL needs
// no authentication beyond the phone's own connection, and every visit left
// a pending code (live 60 s) in one store shared by all clients, bounded by
// frontDoor.limits.maxPending. A loop of visits filled it, and every partner's
// next authorisation was answered temporarily_unavailable.
//
// Now pending codes are counted per client (maxPendingPerClient, a tenth of
// maxPending by default) and per phone across all clients
// (maxPendingCodesPerAddress; an IPv6 phone by its /64, as the proxy counts
// clients): a flood fills only the flooding phone's and that client's share.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { ADULT_ONLY, PHONE, PURPOSE, authorise, partnerClient, phoneGet, startFrontDoorLab, type FrontDoorLab } from '../helpers/front-door.js';

async function shopAuthorizeUrl(lab: FrontDoorLab): Promise<string> {
  const challenge = await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier());
  return `${lab.issuer}/authorize?${new URLSearchParams({
    client_id: 'shop',
    redirect_uri: lab.shop.redirectUri,
    response_type: 'code',
    scope: `openid number-verification:verify ${PURPOSE}`,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  })}`;
}

const outcome = (location: string | undefined) => {
  const q = new URL(location ?? 'https://missing.invalid/').searchParams;
  return q.has('code') ? 'code' : (q.get('error') ?? 'none');
};

describe("a phone opening one partner's /authorize in a loop", () => {
  let lab: FrontDoorLab;
  after(async () => lab?.close());

  it("fills that partner's share, not the front door: other partners still get codes", async () => {
    lab = await startFrontDoorLab({ frontDoorExtra: '  limits: { maxPending: 100 }' });
    try {
      const url = await shopAuthorizeUrl(lab);
      const seen = new Map<string, number>();
      for (let i = 0; i < 110; i++) {
        const o = outcome((await phoneGet(lab, url, PHONE)).location);
        seen.set(o, (seen.get(o) ?? 0) + 1);
      }
      assert.ok((seen.get('temporarily_unavailable') ?? 0) > 0, 'the flood is cut off');
      assert.ok((seen.get('code') ?? 0) <= 10, `at most the shop's share (a tenth of maxPending) of codes: ${JSON.stringify([...seen])}`);
      const bank = await partnerClient(lab, lab.bank);
      for (const from of [PHONE, ADULT_ONLY]) {
        const a = await authorise(lab, bank, ['number-verification:verify'], from);
        assert.ok(a.callback.searchParams.has('code'), `the bank still gets a code (from ${from}): ${a.callback.search}`);
      }
    } finally {
      await lab.close();
    }
  });

  it('from one phone, across all partners, holds at most maxPendingCodesPerAddress codes; other phones are not affected', async () => {
    lab = await startFrontDoorLab({ frontDoorExtra: '  limits: { maxPending: 100, maxPendingPerClient: 50, maxPendingCodesPerAddress: 4 }' });
    const url = await shopAuthorizeUrl(lab);
    const bank = await partnerClient(lab, lab.bank);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push(outcome((await phoneGet(lab, url, PHONE)).location));
    for (let i = 0; i < 3; i++) got.push(outcome((await authorise(lab, bank, ['number-verification:verify'], PHONE)).reply.location));
    assert.deepEqual(got, ['code', 'code', 'code', 'code', 'temporarily_unavailable', 'temporarily_unavailable']);
    const other = await authorise(lab, bank, ['number-verification:verify'], ADULT_ONLY);
    assert.ok(other.callback.searchParams.has('code'), 'another phone still gets a code');
    assert.ok(outcome((await phoneGet(lab, url, ADULT_ONLY)).location) === 'code');
  });
});
