// The example partner server (examples/partner-server.ts) behind a real
// gateway: it verifies the signature, opens the sealed number, and treats a
// replayed or spoofed request as anonymous.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startGateway, type RunningGateway } from '../../src/node/gateway.js';
import { parseConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/shared/log.js';
import { viaProxy } from '../helpers/gateway.js';
import { startPartnerServer, type PartnerServer } from '../../examples/partner-server.js';
import { tempKeyFile } from '../helpers/keys.js';

const KEY = randomBytes(32).toString('base64url');
let gw: RunningGateway;
let partner: PartnerServer;
let keys: ReturnType<typeof tempKeyFile>;

before(async () => {
  keys = tempKeyFile();
  const yaml = (port: number, keyFile?: string) => `operator: { name: Example Mobile, country: GB }
${keyFile ? `keys: { file: "${keyFile}" }` : ''}
proxy:
  listen: 127.0.0.1:0
  resolve:
    "verify.idcheck.example": 127.0.0.1:${port}
admin: { listen: 127.0.0.1:0 }
subscribers:
  static:
    - { ip: 127.0.0.1, msisdn: "+447700900123" }
partners:
  - id: idcheck
    name: Identity check partner
    purpose: identity-verification
    hosts: [verify.idcheck.example]
    key: "${KEY}"
    send:
      - { attribute: msisdn, form: sealed, header: X-MSISDN-Sealed }
`;
  // The partner reads the JWKS at first use, from the gateway started after it.
  partner = await startPartnerServer({
    jwksUrl: () => `${gw.adminUrl}/.well-known/jwks.json`,
    partnerId: 'idcheck',
    hosts: ['verify.idcheck.example'],
    sealKey: KEY,
    sealedHeaders: ['X-MSISDN-Sealed'],
  });
  gw = await startGateway(parseConfig(yaml(partner.address.port, keys.file), 'p.yaml'), { log: silentLogger });
});
after(async () => {
  await gw.stop(100);
  await partner.close();
  keys.cleanup();
});

test('the example partner verifies the gateway, fetching the JWKS at first use, and opens the sealed number', async () => {
  const r = await viaProxy(gw.proxyAddress, 'http://verify.idcheck.example/check');
  const j = r.json<{ verified: boolean; opened: Record<string, string>; reason?: string }>();
  assert.equal(j.verified, true, JSON.stringify(j));
  assert.deepEqual(j.opened, { msisdn: '+447700900123' });
});

test('a phone that types its own X-MSISDN-Sealed and signature to the partner directly is anonymous', async () => {
  const res = await fetch(`http://127.0.0.1:${partner.address.port}/check`, {
    headers: {
      host: 'verify.idcheck.example',
      'x-msisdn-sealed': 'a..b.c.d',
      'hedge-partner': 'idcheck',
      'signature-input': 'hedge=("@method" "@authority" "@path" "hedge-partner" "x-msisdn-sealed");created=1;expires=2000000000;nonce="n";keyid="k";alg="ed25519";tag="hedge"',
      signature: 'hedge=:AAAA:',
    },
  });
  const j = (await res.json()) as { verified: boolean; reason: string };
  assert.equal(j.verified, false);
});
