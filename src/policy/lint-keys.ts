// Key lints that need the key material itself (the config lints in lint.ts
// see only the YAML): a pseudonym key must never double as a key a partner
// holds. If a partner's sealing key (`key:`) or hmac-sha256 signature secret
// equals its own or another partner's pseudonym key, or the operator's
// pseudonym root, that partner can recompute pseudonyms and recover numbers
// by enumerating the numbering plan. Messages never show a key.
import { timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { PolicyMaterial } from '../keys/material.js';
import type { Lint } from '../config/lint.js';

export function lintKeyReuse(config: Config, material: PolicyMaterial): Lint[] {
  const out: Lint[] = [];
  const pseudonymKeys: [string, Buffer][] = [];
  if (material.pseudonymRoot) pseudonymKeys.push(["the operator's pseudonym root key (keys.file)", material.pseudonymRoot]);
  for (const [id, k] of material.pseudonymKeys) pseudonymKeys.push([`the pseudonym key of partner "${id}"`, k]);
  const reused = (held: Buffer) => pseudonymKeys.find(([, k]) => k.length === held.length && timingSafeEqual(k, held))?.[0];

  config.partners.forEach((p, pi) => {
    const held: [string, Buffer | undefined][] = [
      ['key', p.key !== undefined ? Buffer.from(p.key, 'base64url') : undefined],
      ['signatureSecret', p.signatureSecret !== undefined ? Buffer.from(p.signatureSecret, 'base64url') : undefined],
    ];
    for (const [field, bytes] of held) {
      if (!bytes) continue;
      const which = reused(bytes);
      if (which)
        out.push({
          severity: 'error',
          path: ['partners', pi, field],
          partner: p.id,
          message: `its ${field === 'key' ? 'sealing key' : 'signature secret'} (${field}:) is ${which}: the partner would hold a pseudonym key and could recover numbers from pseudonyms`,
          fix: `give the partner a fresh key (\`hedge keys partner\`); pseudonym keys never leave the operator`,
        });
    }
  });
  return out;
}
