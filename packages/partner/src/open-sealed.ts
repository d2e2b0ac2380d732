// openSealed: decrypts a value the operator sealed for you (JWE compact,
// dir/A256GCM) and checks what the operator bound into it: your partner id,
// your host, and that it has not expired. jose is loaded on the first call,
// not with the kit: hedge's gateway imports the kit's signature helpers and
// never opens a sealed value, and would otherwise keep jose resident (~1 MB).
import { createSecretKey, type KeyObject } from 'node:crypto';

export const SEALED_TYP = 'hedge-sealed+v1';

export interface OpenOptions {
  /** Your host name(s): a value sealed for another host is refused. */
  host: string | readonly string[];
  /** Your partner id; when given, a value sealed for another partner is refused. */
  partnerId?: string;
  /** Current time in ms (tests). */
  now?: number;
  /** Seconds of clock skew tolerated on iat. Default 30. */
  clockTolerance?: number;
}

export type SealedRefusal = 'malformed' | 'decrypt-failed' | 'wrong-host' | 'wrong-partner' | 'expired' | 'not-yet-valid';

export type OpenResult =
  { ok: true; value: string; attribute: string; partnerId: string; host: string; issuedAt: number; expiresAt: number } | { ok: false; reason: SealedRefusal; message: string };

/** key: your 32-byte sealing key as base64url (as the operator gave it), bytes, or a KeyObject. */
export async function openSealed(token: string, key: string | Uint8Array | KeyObject, opts: OpenOptions): Promise<OpenResult> {
  const refuse = (reason: SealedRefusal, message: string): OpenResult => ({ ok: false, reason, message });
  if (typeof token !== 'string' || token.split('.').length !== 5 || token.length > 8192) return refuse('malformed', 'not a JWE compact serialisation');
  const k = typeof key === 'string' ? createSecretKey(Buffer.from(key, 'base64url')) : key instanceof Uint8Array ? createSecretKey(key) : key;
  const { compactDecrypt } = await import('jose');
  let plaintext: Uint8Array;
  let header: Record<string, unknown>;
  try {
    const r = await compactDecrypt(token, k, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
    plaintext = r.plaintext;
    header = r.protectedHeader as Record<string, unknown>;
  } catch {
    return refuse('decrypt-failed', 'cannot decrypt: another key, or the value was altered');
  }
  const { typ, att, pid, aud, iat, exp } = header;
  if (typ !== SEALED_TYP || typeof att !== 'string' || typeof pid !== 'string' || typeof aud !== 'string' || typeof iat !== 'number' || typeof exp !== 'number')
    return refuse('malformed', 'not a hedge sealed value');
  const hosts = typeof opts.host === 'string' ? [opts.host] : opts.host;
  if (!hosts.some((h) => h.toLowerCase() === aud)) return refuse('wrong-host', `sealed for host "${aud}"`);
  if (opts.partnerId !== undefined && pid !== opts.partnerId) return refuse('wrong-partner', `sealed for partner "${pid}"`);
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (now >= exp) return refuse('expired', `expired ${now - exp}s ago`);
  if (iat - now > (opts.clockTolerance ?? 30)) return refuse('not-yet-valid', 'issued in the future');
  return { ok: true, value: new TextDecoder().decode(plaintext), attribute: att, partnerId: pid, host: aud, issuedAt: iat, expiresAt: exp };
}
