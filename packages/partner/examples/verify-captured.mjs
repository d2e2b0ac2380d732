#!/usr/bin/env node
// Verifies one request as your server received it, saved as JSON:
//   { "method": "GET", "url": "/path?query", "rawHeaders": ["Host", "…", "Signature-Input", "…", …] }
// (a Node server can write exactly that: { method: req.method, url: req.url, rawHeaders: req.rawHeaders }).
//
//   node examples/verify-captured.mjs request.json --partner ID --jwks jwks.json            (ed25519)
//   node examples/verify-captured.mjs request.json --partner ID --hmac-secret BASE64URL     (hmac-sha256)
//        [--host NAME] [--now UNIX_SECONDS]
//
// Prints what the signature proves, or the typed reason it was refused; exit code 0 or 1.
import { readFileSync } from 'node:fs';
import { verifyRequest, MemoryNonceStore } from 'hedge-partner';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
};
const file = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
const partnerId = opt('partner');
if (!file || !partnerId) {
  console.error('usage: verify-captured.mjs request.json --partner ID (--jwks FILE | --hmac-secret KEY) [--host NAME] [--now SECONDS]');
  process.exit(2);
}
const captured = JSON.parse(readFileSync(file, 'utf8'));
const headers = {};
for (let i = 0; i + 1 < captured.rawHeaders.length; i += 2) headers[captured.rawHeaders[i].toLowerCase()] = captured.rawHeaders[i + 1];
const jwksFile = opt('jwks');
const now = opt('now');
const result = await verifyRequest(
  { method: captured.method, url: captured.url, headers, rawHeaders: captured.rawHeaders },
  {
    partnerId,
    jwks: jwksFile ? JSON.parse(readFileSync(jwksFile, 'utf8')) : undefined,
    hmacSecret: opt('hmac-secret'),
    host: opt('host'),
    now: now ? Number(now) * 1000 : undefined,
    nonces: new MemoryNonceStore(),
  },
);
if (result.ok) {
  console.log(`verified: ${result.alg} signature by ${result.keyid} for partner ${result.partnerId}, created ${new Date(result.created * 1000).toISOString()}`);
  for (const [name, value] of Object.entries(result.attributes)) console.log(`  ${name}: ${value}`);
} else {
  console.log(`refused: ${result.reason} (${result.message})`);
  process.exit(1);
}
