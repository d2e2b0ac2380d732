// Per-partner pseudonym keys, derived from the operator's pseudonym root key
// (the key file's `pseudonym`). A pseudonym is HMAC-SHA256 of an identifier;
// whoever holds its key recovers the identifier by enumerating the numbering
// plan, so the key never leaves the operator: it is derived here, used by the
// enrich stage, and neither configured per partner nor shown anywhere.
//
//   key(partner) = HKDF-SHA256(ikm = root (32 bytes), salt = "hedge-pseudonym-v1", info = partner id (UTF-8), L = 32)
//
// Distinct per partner (pseudonyms are unlinkable across partners), stable for
// one key file (a partner recognises a returning subscriber).
import { hkdfSync } from 'node:crypto';

export const PSEUDONYM_KDF_SALT = 'hedge-pseudonym-v1';

export function derivePseudonymKey(root: Buffer, partnerId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', root, PSEUDONYM_KDF_SALT, partnerId, 32));
}
