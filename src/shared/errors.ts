// Stable error codes: the one catalogue. Every code is documented in
// docs/errors.md; tests and operators match on the code, never on the message
// text. Code elsewhere names a code as `ErrorCodes.X`, never as a string
// (test/shared/error-codes.test.ts holds both rules).
export const ErrorCodes = {
  CONFIG_INVALID: 'HEDGE_ERR_CONFIG_INVALID',
  CONFIG_READ: 'HEDGE_ERR_CONFIG_READ',
  STAGE_FAILED: 'HEDGE_ERR_STAGE_FAILED',
  BAD_REQUEST_TARGET: 'HEDGE_ERR_BAD_REQUEST_TARGET',
  AMBIGUOUS_FRAMING: 'HEDGE_ERR_AMBIGUOUS_FRAMING',
  MALFORMED_REQUEST: 'HEDGE_ERR_MALFORMED_REQUEST',
  HTTP_VERSION: 'HEDGE_ERR_HTTP_VERSION',
  TOO_MANY_HEADERS: 'HEDGE_ERR_TOO_MANY_HEADERS',
  HEADERS_TOO_LARGE: 'HEDGE_ERR_HEADERS_TOO_LARGE',
  REQUEST_TIMEOUT: 'HEDGE_ERR_REQUEST_TIMEOUT',
  CONNECT_PORT_REFUSED: 'HEDGE_ERR_CONNECT_PORT_REFUSED',
  LOOP_DETECTED: 'HEDGE_ERR_LOOP_DETECTED',
  DESTINATION_REFUSED: 'HEDGE_ERR_DESTINATION_REFUSED',
  TOO_MANY_UPLOADS: 'HEDGE_ERR_TOO_MANY_UPLOADS',
  TOO_MANY_IN_FLIGHT: 'HEDGE_ERR_TOO_MANY_IN_FLIGHT',
  REQUEST_BODY_TOO_SLOW: 'HEDGE_ERR_REQUEST_BODY_TOO_SLOW',
  BODY_TOO_LARGE: 'HEDGE_ERR_BODY_TOO_LARGE',
  UPSTREAM_BUSY: 'HEDGE_ERR_UPSTREAM_BUSY',
  REACHED_THROUGH_PROXY: 'HEDGE_ERR_REACHED_THROUGH_PROXY',
  UPSTREAM_UNREACHABLE: 'HEDGE_ERR_UPSTREAM_UNREACHABLE',
  UPSTREAM_TIMEOUT: 'HEDGE_ERR_UPSTREAM_TIMEOUT',
  UPSTREAM_RESET: 'HEDGE_ERR_UPSTREAM_RESET',
  UPSTREAM_DNS: 'HEDGE_ERR_UPSTREAM_DNS',
  UPSTREAM_TLS: 'HEDGE_ERR_UPSTREAM_TLS',
  BINDING_INVALID: 'HEDGE_ERR_BINDING_INVALID',
  BINDING_STORE_UNAVAILABLE: 'HEDGE_ERR_BINDING_STORE_UNAVAILABLE',
  ADMIN_UNAUTHORIZED: 'HEDGE_ERR_ADMIN_UNAUTHORIZED',
  ADMIN_EXPOSED: 'HEDGE_ERR_ADMIN_EXPOSED',
  ADMIN_HOST: 'HEDGE_ERR_ADMIN_HOST',
  ADMIN_CROSS_SITE: 'HEDGE_ERR_ADMIN_CROSS_SITE',
  ADMIN_CONTENT_TYPE: 'HEDGE_ERR_ADMIN_CONTENT_TYPE',
  NUMBER_INVALID: 'HEDGE_ERR_NUMBER_INVALID',
  REASSIGNMENT_INVALID: 'HEDGE_ERR_REASSIGNMENT_INVALID',
  REASSIGNMENT_NOT_SHARED: 'HEDGE_ERR_REASSIGNMENT_NOT_SHARED',
  TOKEN_INVALID: 'HEDGE_ERR_TOKEN_INVALID',
  TOKEN_EXPIRED: 'HEDGE_ERR_TOKEN_EXPIRED',
  EGRESS_REFUSED: 'HEDGE_ERR_EGRESS_REFUSED',
  EGRESS_UNGUARDED: 'HEDGE_ERR_EGRESS_UNGUARDED',
  RATE_LIMITED: 'HEDGE_ERR_RATE_LIMITED',
  OVERLOADED: 'HEDGE_ERR_OVERLOADED',
  METHOD_NOT_ALLOWED: 'HEDGE_ERR_METHOD_NOT_ALLOWED',
  CAPTURE_UNREADABLE: 'HEDGE_ERR_CAPTURE_UNREADABLE',
  POLICY_RELOAD_REFUSED: 'HEDGE_ERR_POLICY_RELOAD_REFUSED',
  CANARY_DISABLED: 'HEDGE_ERR_CANARY_DISABLED',
  AUDIT_UNAVAILABLE: 'HEDGE_ERR_AUDIT_UNAVAILABLE',
  AUDIT_STORE: 'HEDGE_ERR_AUDIT_STORE',
  AUDIT_KEY: 'HEDGE_ERR_AUDIT_KEY',
  AUDIT_TAMPERED: 'HEDGE_ERR_AUDIT_TAMPERED',
  AUDIT_REPORT: 'HEDGE_ERR_AUDIT_REPORT',
  LOG_LEVEL_INVALID: 'HEDGE_ERR_LOG_LEVEL_INVALID',
  NOT_FOUND: 'HEDGE_ERR_NOT_FOUND',
  METHOD: 'HEDGE_ERR_METHOD',
  INTERNAL: 'HEDGE_ERR_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class HedgeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HedgeError';
    this.code = code;
  }
}

/** One problem found in a config file, located by file, line and key path. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  key: string;
  message: string;
  severity: 'error' | 'warning';
  /** The partner a policy lint is about, when it is about one. */
  partner?: string;
}

export class ConfigError extends HedgeError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(ErrorCodes.CONFIG_INVALID, issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.column} ${i.severity} ${i.key ? `${i.key}: ` : ''}${i.message}`;
}
