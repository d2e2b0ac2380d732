// Key material a compiled policy needs, read once per load: the signing key,
// the RSA key for RS256 ID tokens (at least 2048 bits), the token keys, each partner's CA file and sealing key as KeyObjects, and
// each partner's pseudonym key derived from the operator's pseudonym root. No key
// is imported per request. Paths are relative to the config file.
import { createHash, createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import { fileErrorText } from '../shared/file-error-text.js';
import { readRegularFile, UnusableFileError } from '../shared/read-bounded.js';
import { dirname, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { generateKeyFile, idTokenJwks, MIN_RSA_BITS, newIdTokenRsaKey, publicJwks, readKeyFile, validKeys, type IdTokenJwks, type Jwks, type KeyFile } from './keyfile.js';
import { derivePseudonymKey } from './pseudonym-key.js';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

export interface TokenKey {
  kid: string;
  key: KeyObject;
}

export interface PolicyMaterial {
  /** The key that signs now (the newest valid one). */
  signing: SigningKey;
  /** Public keys partners accept now (all valid ones: rotation overlap). */
  jwks: Jwks;
  /** The RSA key that signs RS256 ID tokens now (the newest valid one); undefined when no front-door client gets RS256 and the key file has none. */
  idTokenRsa: SigningKey | undefined;
  /** The front door's JWKS (`jwks_uri`): every valid Ed25519 and RSA key an ID token may be signed with. */
  idTokenJwks: IdTokenJwks;
  /** [0] issues tokens; every one resolves them. */
  tokenKeys: TokenKey[];
  /** True when no keys.file is configured: a per-process key, lost at restart. */
  ephemeral: boolean;
  /** Extra CA certificates per partner id (`ca:`), PEM. */
  partnerCa: Map<string, Buffer>;
  /** Sealing keys per partner id (`key:`). */
  sealKeys: Map<string, KeyObject>;
  /** The operator's pseudonym root (key file `pseudonym`); undefined in a key file written before it existed. */
  pseudonymRoot: Buffer | undefined;
  /** Pseudonym keys per partner id, derived from the root: they stay with the operator. */
  pseudonymKeys: Map<string, Buffer>;
  /** Front-door client public keys read from a partner's `frontDoor.jwksFile`, per partner id. */
  clientJwks: Map<string, { keys: { kty: string; [k: string]: unknown }[] }>;
  /** hmac-sha256 signature secrets per partner id (`signatureSecret:`), with the keyid sent in Signature-Input. */
  signatureSecrets: Map<string, HmacSigningKey>;
}

/** The keyid of an hmac-sha256 signature secret: "hs-" and 11 characters of its SHA-256 (names it, changes with it, reveals nothing of a 256-bit secret). */
export function hmacKeyId(secret: Buffer): string {
  return `hs-${createHash('sha256').update(secret).digest('base64url').slice(0, 11)}`;
}

export interface HmacSigningKey {
  /** "hs-" and 11 characters of SHA-256 over the secret: names the secret (changes with it) without revealing it. */
  keyid: string;
  key: KeyObject;
  bytes: Buffer;
}

/** A problem with a file the config names; the loader turns it into file:line:key. */
export class MaterialError extends Error {
  constructor(
    readonly path: readonly (string | number)[],
    message: string,
  ) {
    super(message);
    this.name = 'MaterialError';
  }
}

/** A partner CA bundle or client JWKS file: kilobytes; read at every reload, so bounded (shared/read-bounded.ts). */
const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

let ephemeralFile: KeyFile | undefined;

/**
 * Names the file holding the per-run keys when no keys.file is configured and
 * several processes serve one gateway (`--workers`): the primary writes it once
 * so every worker signs with the same key and resolves every worker's tokens.
 */
export const EPHEMERAL_KEYS_ENV = 'HEDGE_EPHEMERAL_KEYS_FILE';

export function resolveConfigPath(configFile: string, p: string): string {
  return resolve(dirname(configFile), p);
}

export function loadMaterial(config: Config, configFile: string, now = Date.now()): PolicyMaterial {
  let kf: KeyFile;
  let ephemeral = false;
  const rs256Client = config.partners.find((p) => p.frontDoor?.idTokenSignedResponseAlg === 'RS256');
  if (config.keys) {
    try {
      kf = readKeyFile(resolveConfigPath(configFile, config.keys.file));
    } catch (err) {
      throw new MaterialError(['keys', 'file'], (err as Error).message);
    }
  } else {
    const shared = process.env[EPHEMERAL_KEYS_ENV];
    // The RSA key only when a client needs it: generating one costs up to a second at start.
    ephemeralFile ??= shared ? readKeyFile(shared) : generateKeyFile(now, { idTokenRsa: false });
    if (rs256Client && validKeys(ephemeralFile.idTokenRsa ?? [], now).length === 0) ephemeralFile = { ...ephemeralFile, idTokenRsa: [newIdTokenRsaKey(now)] };
    kf = ephemeralFile;
    ephemeral = true;
  }
  const idTokenRsa = loadIdTokenRsaKeys(kf, config.keys?.file ?? 'the per-run key file', now);
  if (rs256Client && !idTokenRsa)
    throw new MaterialError(
      ['keys', 'file'],
      `partner "${rs256Client.id}" gets RS256 ID tokens (frontDoor.idTokenSignedResponseAlg, RS256 unless set) but the key file ${config.keys?.file ?? ''} has no RSA ID-token key (it predates them, or every one has expired); run \`hedge keys rotate\` on it to add one, or set idTokenSignedResponseAlg: EdDSA for that client`,
    );
  const signingEntries = validKeys(kf.signing, now);
  const active = signingEntries[0];
  if (!active) throw new MaterialError(['keys', 'file'], 'every signing key in the key file has expired; run `hedge keys rotate`');
  const tokenEntries = validKeys(kf.token, now);
  if (tokenEntries.length === 0) throw new MaterialError(['keys', 'file'], 'every token key in the key file has expired; run `hedge keys rotate`');
  const signing = { kid: active.kid, privateKey: createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: active.jwk.x, d: active.jwk.d }, format: 'jwk' }) };
  const tokenKeys = tokenEntries.map((t) => ({ kid: t.kid, key: createSecretKey(Buffer.from(t.key, 'base64url')) }));

  const partnerCa = new Map<string, Buffer>();
  const sealKeys = new Map<string, KeyObject>();
  const pseudonymRoot = kf.pseudonym ? Buffer.from(kf.pseudonym.key, 'base64url') : undefined;
  const pseudonymKeys = new Map<string, Buffer>();
  const clientJwks = new Map<string, { keys: { kty: string; [k: string]: unknown }[] }>();
  const signatureSecrets = new Map<string, HmacSigningKey>();
  config.partners.forEach((p, i) => {
    if (p.ca !== undefined) {
      try {
        const pem = readRegularFile(resolveConfigPath(configFile, p.ca), MAX_CONFIG_FILE_BYTES);
        if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
        partnerCa.set(p.id, pem);
      } catch (err) {
        throw new MaterialError(
          ['partners', i, 'ca'],
          `partner "${p.id}": cannot use CA file ${p.ca}: ${(err as NodeJS.ErrnoException).code ? fileErrorText(err) : (err as Error).message}`,
        );
      }
    }
    if (p.key !== undefined) sealKeys.set(p.id, createSecretKey(Buffer.from(p.key, 'base64url')));
    if (p.signatureSecret !== undefined) {
      const bytes = Buffer.from(p.signatureSecret, 'base64url');
      signatureSecrets.set(p.id, { keyid: hmacKeyId(bytes), key: createSecretKey(bytes), bytes });
    }
    if (pseudonymRoot) pseudonymKeys.set(p.id, derivePseudonymKey(pseudonymRoot, p.id));
    else if (p.send.some((g) => g.form === 'pseudonym') || p.frontDoor !== undefined)
      throw new MaterialError(
        ['keys', 'file'],
        `partner "${p.id}" has a pseudonym grant${p.frontDoor ? ' or is a front-door client (pairwise sub)' : ''} but the key file has no pseudonym key (it predates them); run \`hedge keys rotate\` on it to add one`,
      );
    const jwksFile = p.frontDoor?.jwksFile;
    if (jwksFile !== undefined) clientJwks.set(p.id, readClientJwks(resolveConfigPath(configFile, jwksFile), ['partners', i, 'frontDoor', 'jwksFile'], p.id));
  });
  return {
    signing,
    jwks: publicJwks(kf, now),
    idTokenRsa,
    idTokenJwks: idTokenJwks(kf, now),
    tokenKeys,
    ephemeral,
    partnerCa,
    sealKeys,
    pseudonymRoot,
    pseudonymKeys,
    clientJwks,
    signatureSecrets,
  };
}

/**
 * The key file's valid RSA ID-token keys, each checked (a usable RSA private
 * key of at least MIN_RSA_BITS): the newest, which signs, or undefined when
 * there is none. A smaller key is refused even while it is only published: a
 * partner would accept tokens signed with it.
 */
function loadIdTokenRsaKeys(kf: KeyFile, file: string, now: number): SigningKey | undefined {
  let newest: SigningKey | undefined;
  for (const k of validKeys(kf.idTokenRsa ?? [], now)) {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: k.jwk, format: 'jwk' });
    } catch {
      throw new MaterialError(['keys', 'file'], `the RSA ID-token key ${k.kid} in ${file} is not a usable RSA private key`);
    }
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (privateKey.asymmetricKeyType !== 'rsa' || bits < MIN_RSA_BITS)
      throw new MaterialError(
        ['keys', 'file'],
        `the RSA ID-token key ${k.kid} in ${file} has ${bits} bits; RS256 needs at least ${MIN_RSA_BITS} (RFC 7518 §3.3): remove it from "idTokenRsa" and run \`hedge keys rotate\` for a new ${MIN_RSA_BITS}-bit key`,
      );
    newest ??= { kid: k.kid, privateKey };
  }
  return newest;
}

/**
 * What a reload compares besides the policy version (which hashes the partners and stripped headers only):
 * a digest of the key file's valid keys, the partner CA files and the front-door client JWKS files, so that
 * `hedge keys rotate` or a replaced CA file followed by a reload is a change. Never printed: it is computed over
 * secret keys (SHA-256, so it reveals nothing of them), and used only to compare.
 */
export function materialFingerprint(m: PolicyMaterial): string {
  const h = createHash('sha256');
  const add = (label: string, data: string | Buffer) => h.update(`${label}\0${data.length}\0`).update(data);
  add('jwks', JSON.stringify(m.jwks));
  add('signing', m.signing.kid);
  for (const t of m.tokenKeys) add(`token:${t.kid}`, t.key.export());
  if (m.pseudonymRoot) add('pseudonym', m.pseudonymRoot);
  for (const [id, pem] of [...m.partnerCa].sort(([a], [b]) => a.localeCompare(b))) add(`ca:${id}`, pem);
  for (const [id, jwks] of [...m.clientJwks].sort(([a], [b]) => a.localeCompare(b))) add(`client-jwks:${id}`, JSON.stringify(jwks));
  return h.digest('hex');
}

/** A partner's public JWKS file: public keys only (a private key here means the partner's secret was shared). */
export function readClientJwks(path: string, at: readonly (string | number)[], partnerId: string): { keys: { kty: string; [k: string]: unknown }[] } {
  let data: unknown;
  try {
    data = JSON.parse(readRegularFile(path, MAX_CONFIG_FILE_BYTES).toString('utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MaterialError(
      at,
      `partner "${partnerId}": cannot read the JWKS file: ${err instanceof UnusableFileError ? err.message : code ? fileErrorText(err) : 'not valid JSON'}`,
    );
  }
  const keys = (data as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'object' || k === null || typeof (k as { kty?: unknown }).kty !== 'string'))
    throw new MaterialError(at, `partner "${partnerId}": the JWKS file needs {"keys": [ … ]} with at least one public key`);
  if (keys.some((k) => 'd' in (k as object))) throw new MaterialError(at, `partner "${partnerId}": the JWKS file holds a PRIVATE key; give only the partner's public keys`);
  return { keys: keys as { kty: string; [k: string]: unknown }[] };
}
