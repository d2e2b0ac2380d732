// The stage contract (DESIGN.md): a named object with a hook over the Flow that
// returns an explicit verdict. Stages do no I/O except through injected stores.
import type { Flow } from './flow.js';
import type { ErrorCode } from '../shared/errors.js';

export interface Continue {
  readonly kind: 'continue';
}
export interface Stop {
  readonly kind: 'stop';
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
}
export type Verdict = Continue | Stop;

export const CONTINUE: Continue = Object.freeze({ kind: 'continue' });
export function stop(status: number, code: ErrorCode, message: string): Stop {
  return { kind: 'stop', status, code, message };
}

export interface Stage {
  readonly name: string;
  /**
   * What a throw in this stage means for the request, chosen per stage:
   *  - 'no-enrichment': revoke anything added, enrich nothing more, forward the request;
   *  - 'refuse': answer with an error (used where forwarding could leak or let a spoof through).
   */
  readonly onError: 'no-enrichment' | 'refuse';
  onRequest(flow: Flow): Verdict | Promise<Verdict>;
}
