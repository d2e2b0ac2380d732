// What the audit stores and how it is chained. Every record carries the hash
// of the previous record of its node's chain; the hash covers every stored
// field, so changing, removing, inserting or reordering a record breaks the
// chain at that record. Checkpoints sign a chain head with the gateway key.
import { hash } from 'node:crypto';

/** Record types written by hedge. Other capabilities add theirs through AuditLog.recordEvent. */
export type AuditEventType = 'disclosure' | 'guard-hit' | 'policy-load' | 'policy-reload' | 'canary' | 'unrecorded' | (string & {});

export interface AuditRecord {
  node: string;
  /** Position in the node's chain, from 1. */
  seq: number;
  /** Epoch milliseconds. */
  time: number;
  type: AuditEventType;
  requestId: string | null;
  partner: string | null;
  /** Destination host (lower case), for disclosures and guard hits. */
  host: string | null;
  policyVersion: string | null;
  /** Keyed reference (HMAC) of the subscriber's E.164 number. */
  subjectRef: string | null;
  /** The subscriber's number (and source address) encrypted under the audit key. */
  subjectSealed: string | null;
  /** JSON text; stored and hashed as written. */
  detail: string;
  prevHash: string;
  hash: string;
}

export type UnchainedRecord = Omit<AuditRecord, 'node' | 'seq' | 'prevHash' | 'hash'>;

export interface Checkpoint {
  node: string;
  /** The chain head signed: the record at this seq has this hash. */
  seq: number;
  hash: string;
  time: number;
  /**
   * periodic | shutdown: a signed head; purge: records up to seq were removed,
   * the chain continues from hash; resume: the `resume` record a gateway
   * appended at start after an unclean stop — it seals the chain as found from
   * then on, and attests nothing about the records no checkpoint covered before
   * that stop (restart.ts).
   */
  kind: 'periodic' | 'shutdown' | 'purge' | 'resume';
  keyId: string;
  signature: string;
  /** JSON text (purge: {before}; resume: what was found, see restart.ts). */
  detail: string;
}

export const GENESIS = '0'.repeat(64);

/** SHA-256 (hex) of the previous hash, LF, and the JSON array of the record's fields (UTF-8), in one call: every answer's record is hashed on the event loop. */
export function recordHash(r: Omit<AuditRecord, 'hash'>): string {
  return hash(
    'sha256',
    `${r.prevHash}\n${JSON.stringify([r.node, r.seq, r.time, r.type, r.requestId, r.partner, r.host, r.policyVersion, r.subjectRef, r.subjectSealed, r.detail])}`,
    'hex',
  );
}

/** The exact bytes a checkpoint signature covers. */
export function checkpointMessage(c: Omit<Checkpoint, 'signature' | 'keyId'>): string {
  return `hedge-audit-checkpoint v1\n${c.node}\n${c.seq}\n${c.hash}\n${c.time}\n${c.kind}\n${c.detail}`;
}

/** Disclosure detail as stored (values are never stored, only what kind of item went out). */
export interface DisclosureDetail {
  port: number;
  items: { attribute: string; form: string; header: string }[];
  /** Where the binding that fed the disclosure came from (static, admin, radius). */
  binding: string | null;
}
