// What every front-door route needs, built once by the server.
import type { CompiledPolicy } from '../policy/compile.js';
import type { Logger } from '../shared/log.js';
import type { Target } from '../pipeline/flow.js';
import type { Endpoints } from './discovery.js';
import type { Identifier } from './identify.js';
import type { Discloser } from './disclose.js';
import type { SingleUseStore } from './single-use-store.js';
import type { AccessGrant, CodeGrant, UsedCode } from './grants.js';
import type { ClientAuthenticator } from './client-auth.js';
import type { FrontDoorMetrics } from './metrics.js';
import type { DpopVerifier } from './dpop.js';
import type { RequestObjectVerifier } from './request-object.js';

export interface FrontDoorContext {
  policy(): CompiledPolicy;
  endpoints: Endpoints;
  identifier: Identifier;
  discloser: Discloser;
  codes: SingleUseStore<CodeGrant>;
  /** Codes already exchanged or being exchanged (until they would have expired) → the access token issued for them, revoked on a replay. */
  usedCodes: SingleUseStore<UsedCode>;
  tokens: SingleUseStore<AccessGrant>;
  clientAuth: ClientAuthenticator;
  /** Signed authorisation requests (RFC 9101) and the jti of those already used. */
  requestObjects: RequestObjectVerifier;
  dpop: DpopVerifier;
  metrics: FrontDoorMetrics;
  log: Logger;
  codeLifetimeMs: number;
  tokenLifetimeMs: number;
  maxBodyBytes: number;
  nextId(): string;
  /** The Flow target for a request to this path on the front door (audit host and port). */
  target(path: string): Target;
}
