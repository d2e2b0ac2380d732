// An example partner server: what a partner of the operator runs to trust
// the enrichment it receives. It verifies the operator's RFC 9421 signature
// (ed25519 against the JWKS, or hmac-sha256 with its signature secret) on every
// request (refusing replays, tampering, unsigned identity headers, stale or
// misdirected requests), opens values sealed for it, and answers with what it
// learnt. It imports the kit as partners do, from 'hedge-partner'.
//
//   HEDGE_JWKS_URL=http://127.0.0.1:9090/.well-known/jwks.json \
//   PARTNER_ID=idcheck PARTNER_HOST=verify.idcheck.example \
//   PARTNER_KEY=<the key: from the operator's config> \
//   PARTNER_SIGNATURE_SECRET=<signatureSecret:, for hmac-sha256 partners> \
//   npx tsx examples/partner-server.ts
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { verifyRequest, openSealed, MemoryNonceStore, type Jwk } from 'hedge-partner';

export interface PartnerServerOptions {
  /** Where the operator publishes its JWKS (the admin API's /.well-known/jwks.json); read at first use. */
  jwksUrl: string | (() => string);
  partnerId: string;
  /** This server's public host name(s), as the operator's policy names them. */
  hosts: string[];
  /** hmac-sha256 partners: the signature secret (base64url) the operator gave. */
  signatureSecret?: string;
  /** Sealing key (base64url), for values sealed for this partner. */
  sealKey?: string;
  /** Headers that carry sealed values. */
  sealedHeaders?: string[];
  maxAgeSeconds?: number;
  listen?: { host: string; port: number };
}

export interface PartnerServer {
  server: http.Server;
  address: AddressInfo;
  close(): Promise<void>;
}

export async function startPartnerServer(o: PartnerServerOptions): Promise<PartnerServer> {
  let jwks: { keys: Jwk[] } | undefined;
  const fetchJwks = async (): Promise<{ keys: Jwk[] }> => {
    const r = await fetch(typeof o.jwksUrl === 'string' ? o.jwksUrl : o.jwksUrl());
    if (!r.ok) throw new Error(`JWKS fetch failed: ${r.status}`);
    return (jwks = (await r.json()) as { keys: Jwk[] });
  };
  const nonces = new MemoryNonceStore();

  const server = http.createServer((req, res) => {
    void (async () => {
      const opts = { jwks: jwks ?? (await fetchJwks()), hmacSecret: o.signatureSecret, partnerId: o.partnerId, host: o.hosts, maxAge: o.maxAgeSeconds ?? 60, nonces };
      let v = await verifyRequest(req, opts);
      if (!v.ok && v.reason === 'unknown-key' && o.signatureSecret === undefined) {
        // The operator rotated its key: fetch the JWKS again, once, and retry.
        v = await verifyRequest(req, { ...opts, jwks: await fetchJwks() });
      }
      if (!v.ok) {
        // Treat the visitor as anonymous: never act on identity headers that did not verify.
        return reply(res, 200, { verified: false, reason: v.reason });
      }
      const opened: Record<string, string> = {};
      for (const h of o.sealedHeaders ?? []) {
        const token = v.attributes[h.toLowerCase()];
        if (token === undefined || o.sealKey === undefined) continue;
        const s = await openSealed(token, o.sealKey, { host: o.hosts, partnerId: o.partnerId });
        if (!s.ok) return reply(res, 200, { verified: false, reason: `sealed ${h}: ${s.reason}` });
        opened[s.attribute] = s.value;
      }
      // A real partner would now look the subscriber up; this example reports what it could prove.
      reply(res, 200, { verified: true, signedHeaders: Object.keys(v.attributes), opened, alg: v.alg, created: v.created });
    })().catch(() => reply(res, 500, { error: 'internal error' }));
  });
  const listen = o.listen ?? { host: '127.0.0.1', port: 0 };
  await new Promise<void>((r) => server.listen(listen.port, listen.host, r));
  return {
    server,
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = (k: string, d?: string) => {
    const v = process.env[k] ?? d;
    if (v === undefined) throw new Error(`set ${k}`);
    return v;
  };
  const s = await startPartnerServer({
    jwksUrl: env('HEDGE_JWKS_URL', 'http://127.0.0.1:9090/.well-known/jwks.json'),
    partnerId: env('PARTNER_ID'),
    hosts: env('PARTNER_HOST').split(','),
    sealKey: process.env.PARTNER_KEY,
    signatureSecret: process.env.PARTNER_SIGNATURE_SECRET,
    sealedHeaders: (process.env.SEALED_HEADERS ?? 'X-MSISDN-Sealed').split(','),
    listen: { host: '127.0.0.1', port: Number(process.env.PORT ?? 8443) },
  });
  console.log(`partner ${process.env.PARTNER_ID} listening on http://127.0.0.1:${s.address.port}`);
}
