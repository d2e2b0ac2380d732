// A breach report carries its own SHA-256 and the gateway key's Ed25519
// signature over it, so a copy forwarded to a regulator or a lawyer can be
// checked (`hedge audit verify-report FILE`): one changed byte anywhere and
// the check fails. The seal is one line in the format's own comment syntax
// (a JSON member for JSON) and covers every byte of the report without it.
import { createHash } from 'node:crypto';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import type { Signer, SignatureVerifier } from './keys.js';

export type ReportFormat = 'table' | 'csv' | 'json' | 'html';

const MARK = 'hedge-report-signature v1';

export interface ReportSeal {
  sha256: string;
  keyId: string;
  signature: string;
}

function message(sha256: string, keyId: string): string {
  return `${MARK}\n${sha256}\n${keyId}`;
}

function fields(s: ReportSeal): string {
  return `${MARK} sha256=${s.sha256} keyid=${s.keyId} sig=${s.signature}`;
}

/** The report text with its seal line added. */
export function sealReport(text: string, format: ReportFormat, signer: Signer): string {
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  const seal = fields({ sha256, keyId: signer.keyId, signature: signer.sign(message(sha256, signer.keyId)) });
  switch (format) {
    case 'json': {
      // `…\n}\n` becomes `…,\n  "hedge-report-signature": "…"\n}\n`; removing that member restores the signed bytes.
      const m = /\n\}\n?$/.exec(text);
      if (!m) throw new HedgeError(ErrorCodes.AUDIT_REPORT, 'cannot seal: the JSON report does not end with its closing brace');
      return `${text.slice(0, m.index)},\n  "hedge-report-signature": ${JSON.stringify(seal)}${text.slice(m.index)}`;
    }
    case 'csv':
      return `${text}# ${seal}\r\n`;
    case 'html':
      return `${text}<!-- ${seal} -->\n`;
    case 'table':
      return `${text}${seal}\n`;
  }
}

export interface SealCheck {
  ok: boolean;
  /** Why not, in words. */
  reason?: string;
  seal?: ReportSeal;
  /** The SHA-256 of the report's bytes without the seal, as computed here. */
  computed?: string;
}

const SEAL_RE = /hedge-report-signature v1 sha256=([0-9a-f]{64}) keyid=(\S+) sig=([A-Za-z0-9_-]+)/;

/** Splits a sealed report into the signed bytes and its seal, whatever its format. */
export function splitSeal(text: string): { body: string; seal: ReportSeal } | undefined {
  const json = /,\n {2}"hedge-report-signature": "([^"\n]*)"(\n\}\n?)$/.exec(text);
  if (json) {
    const m = SEAL_RE.exec(json[1]!);
    return m ? { body: text.slice(0, json.index) + json[2], seal: { sha256: m[1]!, keyId: m[2]!, signature: m[3]! } } : undefined;
  }
  const line = /(?:# |<!-- )?(hedge-report-signature v1 [^\r\n]*?)(?: -->)?\r?\n?$/.exec(text);
  if (!line || (line.index > 0 && text[line.index - 1] !== '\n')) return undefined;
  const m = SEAL_RE.exec(line[1]!);
  return m ? { body: text.slice(0, line.index), seal: { sha256: m[1]!, keyId: m[2]!, signature: m[3]! } } : undefined;
}

export function verifyReportSeal(text: string, verifier: SignatureVerifier): SealCheck {
  const parts = splitSeal(text);
  if (!parts) return { ok: false, reason: 'no hedge report signature found (was the last line removed?)' };
  const computed = createHash('sha256').update(parts.body, 'utf8').digest('hex');
  if (computed !== parts.seal.sha256) return { ok: false, reason: 'the report was changed after it was signed (its SHA-256 differs)', seal: parts.seal, computed };
  if (!verifier.verify(parts.seal.keyId, message(parts.seal.sha256, parts.seal.keyId), parts.seal.signature))
    return { ok: false, reason: `the signature does not verify with key(s) ${verifier.describe}`, seal: parts.seal, computed };
  return { ok: true, seal: parts.seal, computed };
}
