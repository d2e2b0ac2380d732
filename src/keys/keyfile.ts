// The operator's key file: Ed25519 signing keys (the enrichment signature,
// and front-door ID tokens for clients that chose EdDSA), RSA keys for RS256
// ID tokens (the front door; OpenID Connect's default and mandatory-to-
// implement algorithm), AES-256 token keys (the `token` form), newest first,
// and one pseudonym root key from which each partner's pseudonym key is
// derived (never given to a partner; never rotated, since every pseudonym
// would change). Written by
// `hedge keys generate`, rotated by `hedge keys rotate`: the new key signs at
// once, the previous ones stay valid (published in the JWKS, accepted for
// token resolution) until their `expires`, the overlap partners need to pick
// up the new key. The file holds private keys: mode 0600, never logged.
import { generateKeyPairSync, randomBytes, createHash } from 'node:crypto';
import { writeFileSync, renameSync, existsSync } from 'node:fs';
import { readRegularFile, UnusableFileError } from '../shared/read-bounded.js';
import { z } from 'zod';
import { fileErrorText } from '../shared/file-error-text.js';

const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/);
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO 8601 date' });

const signingKey = z.strictObject({
  kid: z.string().min(1),
  created: isoDate,
  expires: isoDate.optional(),
  jwk: z.strictObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: b64u, d: b64u }),
});
/** An RSA private key as a JWK (RFC 7518 §6.3); its size is checked when it is loaded (at least 2048 bits). */
const idTokenRsaKey = z.strictObject({
  kid: z.string().min(1),
  created: isoDate,
  expires: isoDate.optional(),
  jwk: z.strictObject({ kty: z.literal('RSA'), n: b64u, e: b64u, d: b64u, p: b64u, q: b64u, dp: b64u, dq: b64u, qi: b64u }),
});
const tokenKey = z.strictObject({
  kid: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  created: isoDate,
  expires: isoDate.optional(),
  key: b64u.refine((k) => Buffer.from(k, 'base64url').length === 32, { message: 'a token key is 32 bytes, base64url' }),
});
const pseudonymRoot = z.strictObject({
  created: isoDate,
  key: b64u.refine((k) => Buffer.from(k, 'base64url').length === 32, { message: 'the pseudonym key is 32 bytes, base64url' }),
});
export const keyFileSchema = z.strictObject({
  hedgeKeys: z.literal(1),
  signing: z.array(signingKey).min(1, { message: 'at least one signing key' }),
  token: z.array(tokenKey).min(1, { message: 'at least one token key' }),
  /** RSA keys that sign RS256 ID tokens; absent in key files written before them: `hedge keys rotate` adds one. */
  idTokenRsa: z.array(idTokenRsaKey).optional(),
  /** Absent in key files written before pseudonym keys moved to the operator; `hedge keys rotate` adds one. */
  pseudonym: pseudonymRoot.optional(),
});

export type KeyFile = z.output<typeof keyFileSchema>;
export type SigningKeyEntry = KeyFile['signing'][number];
export type TokenKeyEntry = KeyFile['token'][number];
export type IdTokenRsaKeyEntry = NonNullable<KeyFile['idTokenRsa']>[number];

export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  use: 'sig';
  alg: 'EdDSA';
}
export interface PublicRsaJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  use: 'sig';
  alg: 'RS256';
}
export interface Jwks {
  keys: PublicJwk[];
}
/** The front door's JWKS: the keys ID tokens are signed with, Ed25519 and RSA. */
export interface IdTokenJwks {
  keys: (PublicJwk | PublicRsaJwk)[];
}

/** The smallest RSA key that may sign ID tokens (RFC 7518 §3.3: 2048 bits or larger). */
export const MIN_RSA_BITS = 2048;
/** What `hedge keys generate` and `rotate` make. */
const RSA_BITS = 2048;

export function newSigningKey(now = Date.now()): SigningKeyEntry {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as { x: string; d: string };
  // RFC 7638-style thumbprint of the public key, shortened: stable and derived, so two nodes sharing the file agree.
  const kid = createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${jwk.x}"}`).digest('base64url').slice(0, 16);
  return { kid, created: new Date(now).toISOString(), jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d } };
}

export function newIdTokenRsaKey(now = Date.now()): IdTokenRsaKeyEntry {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: RSA_BITS });
  const jwk = privateKey.export({ format: 'jwk' }) as { n: string; e: string; d: string; p: string; q: string; dp: string; dq: string; qi: string };
  // RFC 7638 thumbprint of the public key (members in lexical order), shortened like the signing key's.
  const kid = createHash('sha256').update(`{"e":"${jwk.e}","kty":"RSA","n":"${jwk.n}"}`).digest('base64url').slice(0, 16);
  return {
    kid,
    created: new Date(now).toISOString(),
    jwk: { kty: 'RSA', n: jwk.n, e: jwk.e, d: jwk.d, p: jwk.p, q: jwk.q, dp: jwk.dp, dq: jwk.dq, qi: jwk.qi },
  };
}

export function newTokenKey(now = Date.now()): TokenKeyEntry {
  return { kid: randomBytes(6).toString('base64url'), created: new Date(now).toISOString(), key: randomBytes(32).toString('base64url') };
}

export function newPseudonymRoot(now = Date.now()): NonNullable<KeyFile['pseudonym']> {
  return { created: new Date(now).toISOString(), key: randomBytes(32).toString('base64url') };
}

/**
 * A new key file. `idTokenRsa: false` leaves out the RSA key (generating one
 * takes a quarter to a whole second): for per-run keys, which get one only when
 * a front-door client needs it.
 */
export function generateKeyFile(now = Date.now(), o: { idTokenRsa?: boolean } = {}): KeyFile {
  const kf: KeyFile = { hedgeKeys: 1, signing: [newSigningKey(now)], token: [newTokenKey(now)], pseudonym: newPseudonymRoot(now) };
  if (o.idTokenRsa !== false) kf.idTokenRsa = [newIdTokenRsaKey(now)];
  return kf;
}

/**
 * Adds a new signing, token and RSA ID-token key in front (the first RSA key, in a
 * file written before them); the previous ones expire after `overlapMs`; already expired ones are dropped.
 * The pseudonym root is kept as it is (a new one would change every partner's pseudonyms), or added when missing.
 */
export function rotateKeyFile(kf: KeyFile, overlapMs: number, now = Date.now()): KeyFile {
  const until = new Date(now + overlapMs).toISOString();
  const keep = <T extends { expires?: string | undefined }>(list: T[]) =>
    list.filter((k) => k.expires === undefined || Date.parse(k.expires) > now).map((k) => (k.expires === undefined ? { ...k, expires: until } : k));
  return {
    hedgeKeys: 1,
    signing: [newSigningKey(now), ...keep(kf.signing)],
    token: [newTokenKey(now), ...keep(kf.token)],
    idTokenRsa: [newIdTokenRsaKey(now), ...keep(kf.idTokenRsa ?? [])],
    pseudonym: kf.pseudonym ?? newPseudonymRoot(now),
  };
}

/** Keys still valid at `now`, newest first. */
export function validKeys<T extends { expires?: string | undefined }>(list: readonly T[], now = Date.now()): T[] {
  return list.filter((k) => k.expires === undefined || Date.parse(k.expires) > now);
}

export function publicJwks(kf: KeyFile, now = Date.now()): Jwks {
  return { keys: validKeys(kf.signing, now).map((k) => ({ kty: 'OKP', crv: 'Ed25519', x: k.jwk.x, kid: k.kid, use: 'sig', alg: 'EdDSA' })) };
}

/** The front door's JWKS: every valid Ed25519 key (EdDSA ID tokens) and RSA key (RS256). */
export function idTokenJwks(kf: KeyFile, now = Date.now()): IdTokenJwks {
  const rsa = validKeys(kf.idTokenRsa ?? [], now).map((k): PublicRsaJwk => ({ kty: 'RSA', n: k.jwk.n, e: k.jwk.e, kid: k.kid, use: 'sig', alg: 'RS256' }));
  return { keys: [...publicJwks(kf, now).keys, ...rsa] };
}

/** A key file holds a few keys per kind (rotation keeps the previous ones for the overlap): kilobytes. */
const MAX_KEY_FILE_BYTES = 1024 * 1024;

/** Reads and validates a key file; the error names the problem, never a key value. */
export function readKeyFile(path: string): KeyFile {
  let data: unknown;
  try {
    data = JSON.parse(readRegularFile(path, MAX_KEY_FILE_BYTES).toString('utf8'));
  } catch (err) {
    if (err instanceof UnusableFileError) throw new Error(`cannot use key file ${path}: ${err.message}`, { cause: err });
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code ? `cannot read key file ${path}: ${fileErrorText(err)}` : `key file ${path} is not valid JSON`, { cause: err });
  }
  const r = keyFileSchema.safeParse(data);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new Error(`key file ${path} is not a hedge key file: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`);
  }
  return r.data;
}

/** Writes atomically with mode 0600; refuses to replace an existing file unless `overwrite`. */
export function writeKeyFile(path: string, kf: KeyFile, overwrite = false): void {
  if (!overwrite && existsSync(path)) throw new Error(`${path} exists; use \`hedge keys rotate ${path}\` to add a key`);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(kf, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}
