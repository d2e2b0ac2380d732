// Checkpoints are signed with the gateway key: the Ed25519 signing key of the
// operator's key file (`keys.file`, `hedge keys generate`/`rotate`), or a
// dedicated PEM key (`audit.signingKeyFile`) when one is configured.
// Verification accepts every signing key in the key file, expired ones
// included, so checkpoints written before a rotation still verify.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { readKeyFile, validKeys } from '../keys/keyfile.js';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import { keyedVerifier, loadSigner, loadVerifier, signerFromKey, type SignatureVerifier, type Signer } from './keys.js';
import { configPath } from '../config/config-path.js';

export function checkpointSigner(config: Config, configFile: string): Signer {
  const a = config.audit!;
  if (a.signingKeyFile !== undefined) return loadSigner(configPath(configFile, a.signingKeyFile));
  if (!config.keys) throw new HedgeError(ErrorCodes.AUDIT_KEY, 'audit checkpoints need a signing key: set keys.file (the gateway key) or audit.signingKeyFile');
  const kf = readGatewayKeys(configPath(configFile, config.keys.file));
  const active = validKeys(kf.signing)[0];
  if (!active) throw new HedgeError(ErrorCodes.AUDIT_KEY, 'every signing key in the key file has expired; run `hedge keys rotate`');
  return signerFromKey(active.kid, jwkPrivate(active.jwk));
}

export function checkpointVerifier(config: Config, configFile: string, publicKeyFile?: string): SignatureVerifier {
  if (publicKeyFile !== undefined) return loadVerifier(publicKeyFile);
  const a = config.audit!;
  if (a.signingKeyFile !== undefined) return loadVerifier(configPath(configFile, a.signingKeyFile));
  if (!config.keys) throw new HedgeError(ErrorCodes.AUDIT_KEY, 'no key to verify checkpoints with: set keys.file or audit.signingKeyFile, or pass --public-key');
  const kf = readGatewayKeys(configPath(configFile, config.keys.file));
  return keyedVerifier(new Map<string, KeyObject>(kf.signing.map((k) => [k.kid, createPublicKey(jwkPrivate(k.jwk))])));
}

function jwkPrivate(jwk: { x: string; d: string }): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d }, format: 'jwk' });
}

function readGatewayKeys(path: string) {
  try {
    return readKeyFile(path);
  } catch (err) {
    throw new HedgeError(ErrorCodes.AUDIT_KEY, `${path}: ${(err as Error).message}`);
  }
}
