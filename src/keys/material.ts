// Key material a compiled policy needs, read once per load: the signing key,
// the token keys, each partner's CA file and sealing key as KeyObjects, and
// each partner's pseudonym key derived from the operator's pseudonym root. No key
// is imported per request. Paths are relative to the config file.
import { createHash, createPrivateKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { generateKeyFile, publicJwks, readKeyFile, validKeys, type Jwks, type KeyFile } from './keyfile.js';
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
  if (config.keys) {
    try {
      kf = readKeyFile(resolveConfigPath(configFile, config.keys.file));
    } catch (err) {
      throw new MaterialError(['keys', 'file'], (err as Error).message);
    }
  } else {
    const shared = process.env[EPHEMERAL_KEYS_ENV];
    ephemeralFile ??= shared ? readKeyFile(shared) : generateKeyFile(now);
    kf = ephemeralFile;
    ephemeral = true;
  }
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
        const pem = readFileSync(resolveConfigPath(configFile, p.ca));
        if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
        partnerCa.set(p.id, pem);
      } catch (err) {
        throw new MaterialError(['partners', i, 'ca'], `partner "${p.id}": cannot use CA file ${p.ca}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
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
  return { signing, jwks: publicJwks(kf, now), tokenKeys, ephemeral, partnerCa, sealKeys, pseudonymRoot, pseudonymKeys, clientJwks, signatureSecrets };
}

/** A partner's public JWKS file: public keys only (a private key here means the partner's secret was shared). */
export function readClientJwks(path: string, at: readonly (string | number)[], partnerId: string): { keys: { kty: string; [k: string]: unknown }[] } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MaterialError(at, `partner "${partnerId}": cannot read the JWKS file: ${code ?? 'not valid JSON'}`);
  }
  const keys = (data as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'object' || k === null || typeof (k as { kty?: unknown }).kty !== 'string'))
    throw new MaterialError(at, `partner "${partnerId}": the JWKS file needs {"keys": [ … ]} with at least one public key`);
  if (keys.some((k) => 'd' in (k as object))) throw new MaterialError(at, `partner "${partnerId}": the JWKS file holds a PRIVATE key; give only the partner's public keys`);
  return { keys: keys as { kty: string; [k: string]: unknown }[] };
}
