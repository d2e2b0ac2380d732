// Key material of the audit: one small module so it can later draw on the
// gateway's shared key store. Two keys:
//  - the audit key (32 random bytes, hex or base64 in a file): HKDF splits it
//    into an AES-256-GCM key that encrypts subscribers' numbers in the store and
//    an HMAC key for the keyed subscriber reference (so the store alone reveals
//    no numbers, yet the operator can decrypt them for a breach report);
//  - the signing key (Ed25519, PKCS#8 PEM): signs checkpoints of chain heads.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { ErrorCodes, HedgeError } from '../shared/errors.js';

export interface AuditKey {
  /** Keyed reference of a subscriber's E.164 number: stable, not reversible without the key. */
  reference(e164: string): string;
  /** AES-256-GCM, base64url(iv ‖ ciphertext ‖ tag). */
  seal(plain: string): string;
  open(sealed: string): string;
  /** Short fingerprint naming the key in reports (never the key). */
  id: string;
}

export function auditKeyFromBytes(raw: Buffer): AuditKey {
  if (raw.length !== 32) throw new HedgeError(ErrorCodes.AUDIT_KEY, 'the audit key must be 32 bytes (64 hex characters or base64)');
  const enc = Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), 'hedge audit encryption v1', 32));
  const ref = Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), 'hedge audit reference v1', 32));
  const id = createHash('sha256').update('hedge audit key id').update(raw).digest('hex').slice(0, 12);
  return {
    id,
    reference: (e164) => createHmac('sha256', ref).update(e164).digest('hex').slice(0, 32),
    seal(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', enc, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, body, c.getAuthTag()]).toString('base64url');
    },
    open(sealed) {
      const b = Buffer.from(sealed, 'base64url');
      if (b.length < 29) throw new HedgeError(ErrorCodes.AUDIT_KEY, 'a sealed subscriber value is truncated');
      const d = createDecipheriv('aes-256-gcm', enc, b.subarray(0, 12));
      d.setAuthTag(b.subarray(b.length - 16));
      try {
        return Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString('utf8');
      } catch {
        throw new HedgeError(ErrorCodes.AUDIT_KEY, 'a sealed subscriber value does not open with this audit key (wrong key, or the value was altered)');
      }
    },
  };
}

export function loadAuditKey(file: string): AuditKey {
  const text = readKeyFile(file, 'audit key').trim();
  let raw: Buffer;
  if (/^[0-9a-fA-F]{64}$/.test(text)) raw = Buffer.from(text, 'hex');
  else raw = Buffer.from(text, 'base64');
  if (raw.length !== 32) throw new HedgeError(ErrorCodes.AUDIT_KEY, `${file}: the audit key must be 32 bytes written as 64 hex characters or base64`);
  return auditKeyFromBytes(raw);
}

export interface Signer {
  /** Fingerprint of the public key (sha256 of its DER, 16 hex). */
  keyId: string;
  publicKeyPem: string;
  sign(message: string): string;
}

export interface SignatureVerifier {
  /** The key id(s) this verifier knows, for messages. */
  describe: string;
  /** False when the key id is unknown or the signature does not verify. */
  verify(keyId: string, message: string, signature: string): boolean;
}

export function loadSigner(file: string): Signer {
  let key: KeyObject;
  try {
    key = createPrivateKey(readKeyFile(file, 'signing key'));
  } catch (err) {
    if (err instanceof HedgeError) throw err;
    throw new HedgeError(ErrorCodes.AUDIT_KEY, `${file}: not a PEM private key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new HedgeError(ErrorCodes.AUDIT_KEY, `${file}: the checkpoint signing key must be Ed25519`);
  const pub = createPublicKey(key);
  const publicKeyPem = pub.export({ type: 'spki', format: 'pem' }).toString();
  return { keyId: keyIdOf(pub), publicKeyPem, sign: (m) => sign(null, Buffer.from(m), key).toString('base64url') };
}

/** A verifier from a public key PEM, or from the private key file (its public half). */
export function loadVerifier(file: string): SignatureVerifier {
  const text = readKeyFile(file, 'verification key');
  let pub: KeyObject;
  try {
    pub = text.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(text)) : createPublicKey(text);
  } catch {
    throw new HedgeError(ErrorCodes.AUDIT_KEY, `${file}: not a PEM key`);
  }
  return verifierOf(pub);
}

export function verifierOf(pub: KeyObject | string): SignatureVerifier {
  const k = typeof pub === 'string' ? createPublicKey(pub) : pub;
  return keyedVerifier(new Map([[keyIdOf(k), k]]));
}

/** Verifies with whichever of several keys (by id) signed: key rotation keeps old checkpoints verifiable. */
export function keyedVerifier(keys: ReadonlyMap<string, KeyObject>): SignatureVerifier {
  return {
    describe: [...keys.keys()].join(', '),
    verify(keyId, m, s) {
      const k = keys.get(keyId);
      return k !== undefined && verify(null, Buffer.from(m), k, Buffer.from(s, 'base64url'));
    },
  };
}

/** The gateway's own signing key (keys.file, `hedge keys generate`) as the checkpoint signer; its kid names it. */
export function signerFromKey(kid: string, privateKey: KeyObject): Signer {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new HedgeError(ErrorCodes.AUDIT_KEY, 'the checkpoint signing key must be Ed25519');
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { keyId: kid, publicKeyPem, sign: (m) => sign(null, Buffer.from(m), privateKey).toString('base64url') };
}

function keyIdOf(pub: KeyObject): string {
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

function readKeyFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new HedgeError(ErrorCodes.AUDIT_KEY, `${file}: cannot read the ${what}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** Writes a new audit key and Ed25519 signing key (mode 0600). */
export function generateAuditKeys(keyFile: string, signingKeyFile: string): void {
  writeFileSync(keyFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(signingKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600, flag: 'wx' });
}
