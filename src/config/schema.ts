// The configuration schema: the one source of truth for what a hedge YAML file
// may contain. `hedge config schema` prints it as JSON Schema for editors.
import { z } from 'zod';
import { isIP } from 'node:net';
import { parseBindingKey } from '../shared/binding-key.js';
import { parseHostPattern } from '../shared/host-pattern.js';
import { NUMBER_FORMATS } from '../subscriber/normalize.js';
import { parsePrefix } from '../destination/ip.js';
import { FRONT_DOOR_SCOPES } from './front-door-scopes.js';
import { secret } from './secret.js';
import { validAdminHostname } from './admin-exposure.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const listenAddress = z.string().refine((s) => parseListen(s) !== undefined, { message: 'expected "address:port" (IPv6 as "[::1]:port")' });

export function parseListen(s: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  if (m[1] !== undefined && isIP(host) !== 6) return undefined;
  return { host, port };
}

const hostPattern = z.string().superRefine((s, ctx) => {
  const p = parseHostPattern(s);
  if (typeof p === 'string') ctx.addIssue({ code: 'custom', message: `bad host pattern ${p}` });
});

const headerName = z.string().regex(TOKEN, { message: 'not a valid HTTP header name' });

export const ATTRIBUTES = ['msisdn', 'imsi', 'imei', 'client-ip', 'age-verified', 'subscriber'] as const;
export const IDENTITY_ATTRIBUTES = new Set<string>(['msisdn', 'imsi', 'imei', 'client-ip']);
export const CLAIM_ATTRIBUTES = new Set<string>(['age-verified', 'subscriber']);
export const FORMS = ['raw', 'pseudonym', 'token', 'sealed', 'claim'] as const;

const grant = z
  .strictObject({
    attribute: z.enum(ATTRIBUTES, { message: `unknown attribute; expected one of ${ATTRIBUTES.join(', ')}` }),
    form: z.enum(FORMS, { message: `unknown form; expected one of ${FORMS.join(', ')}` }).optional(),
    format: z.enum(['e164', 'digits', 'national']).optional(),
    header: headerName,
    /** Legacy partners only: allows a raw identifier to a partner without `tls: required`. */
    cleartext: z.literal('allowed', { message: 'the only value is "allowed"' }).optional(),
    /** sealed and token forms: seconds the value stays valid. */
    lifetime: z.number().int().min(10).max(86400).optional(),
  })
  .superRefine((g, ctx) => {
    const claim = CLAIM_ATTRIBUTES.has(g.attribute);
    if (claim && g.form !== undefined && g.form !== 'claim')
      ctx.addIssue({ code: 'custom', path: ['form'], message: `"${g.attribute}" is a claim; it has no form other than "claim"` });
    if (!claim && g.form === undefined) ctx.addIssue({ code: 'custom', path: ['form'], message: `"${g.attribute}" needs an explicit form (raw, pseudonym, token or sealed)` });
    if (!claim && g.form === 'claim')
      ctx.addIssue({ code: 'custom', path: ['form'], message: `"${g.attribute}" is an identifier, not a claim; use raw, pseudonym, token or sealed` });
    if (g.lifetime !== undefined && g.form !== 'sealed' && g.form !== 'token')
      ctx.addIssue({ code: 'custom', path: ['lifetime'], message: 'lifetime applies only to the sealed and token forms' });
    if (g.format !== undefined && !(g.attribute === 'msisdn' && g.form === 'raw'))
      ctx.addIssue({ code: 'custom', path: ['format'], message: 'format applies only to a raw msisdn' });
    if (g.attribute === 'client-ip' && g.form !== undefined && g.form !== 'raw') ctx.addIssue({ code: 'custom', path: ['form'], message: 'client-ip can only be sent raw' });
  });

// A partner as a client of the front door: private_key_jwt with its public
// keys, exact redirect URIs, the scopes it may ask for and its declared purpose.
const redirectUri = z.string().superRefine((s, ctx) => {
  if (!URL.canParse(s)) return ctx.addIssue({ code: 'custom', message: 'not an absolute URL' });
  const u = new URL(s);
  if (u.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'a redirect URI must be https:// (the authorisation code travels in it)' });
  if (u.hash !== '' || s.includes('#')) ctx.addIssue({ code: 'custom', message: 'a redirect URI must not have a fragment' });
});
const publicJwk = z.looseObject({ kty: z.enum(['RSA', 'EC', 'OKP'], { message: 'a public key of type RSA, EC or OKP' }) }).superRefine((k, ctx) => {
  if ('d' in k || 'p' in k || 'q' in k) ctx.addIssue({ code: 'custom', message: "this is a PRIVATE key: give only the partner's public key" });
});
const frontDoorClient = z
  .strictObject({
    clientId: z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, { message: 'letters, digits, ".", "_", "~" and "-" (1-128)' }),
    /** The partner's public keys for private_key_jwt, inline (a JWKS) … */
    jwks: z.strictObject({ keys: z.array(publicJwk).min(1, { message: 'at least one public key' }) }).optional(),
    /** … or as a JWKS file, relative to the config file. */
    jwksFile: z.string().min(1).optional(),
    redirectUris: z.array(redirectUri).min(1, { message: 'register at least one redirect URI' }),
    scopes: z.array(z.enum(FRONT_DOOR_SCOPES, { message: `unknown scope; expected one of ${FRONT_DOOR_SCOPES.join(', ')}` })).min(1, { message: 'grant at least one scope' }),
    /** The declared purpose, a W3C DPV purpose as CAMARA uses it (e.g. dpv:FraudPreventionAndDetection). */
    purpose: z.string().regex(/^dpv:[A-Za-z][A-Za-z0-9]*$/, { message: 'a DPV purpose such as dpv:FraudPreventionAndDetection' }),
    /**
     * How this client's ID tokens are signed (OIDC Dynamic Client Registration's
     * id_token_signed_response_alg): RS256, OpenID Connect's default, which every
     * OIDC library accepts; or EdDSA (Ed25519), smaller and faster, for clients
     * whose library supports it.
     */
    idTokenSignedResponseAlg: z.enum(['RS256', 'EdDSA'], { message: 'RS256 or EdDSA' }).default('RS256'),
  })
  .superRefine((c, ctx) => {
    if ((c.jwks === undefined) === (c.jwksFile === undefined)) ctx.addIssue({ code: 'custom', path: ['jwks'], message: 'give exactly one of "jwks" (inline) or "jwksFile"' });
    if (new Set(c.scopes).size !== c.scopes.length) ctx.addIssue({ code: 'custom', path: ['scopes'], message: 'a scope is listed twice' });
  });

const partner = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'partner id: lower-case letters, digits, "-" and "_"' }),
    name: z.string().min(1),
    purpose: z.string().min(1),
    /** GDPR Art. 6 basis; without it the partner is treated as consent-based (the subscriber can withdraw). */
    legalBasis: z
      .enum(['consent', 'contract', 'legitimate-interest', 'legal-obligation'], { message: 'one of consent, contract, legitimate-interest, legal-obligation' })
      .optional(),
    hosts: z.array(hostPattern).min(1, { message: 'a partner needs at least one host' }),
    /**
     * Formerly the partner's pseudonym key. Refused: a partner holding it recovers
     * numbers from pseudonyms by enumeration; pseudonym keys are now derived from
     * the operator's key file (src/keys/pseudonym-key.ts). Parsed only to say so.
     */
    secret: z.string().optional(),
    /** AES-256 key for sealed values: 32 random bytes, base64url (`hedge keys partner` prints one). */
    key: secret(
      z.string().refine((k) => /^[A-Za-z0-9_-]{43}$/.test(k) && Buffer.from(k, 'base64url').length === 32, {
        message: 'expected 32 bytes as base64url (43 characters); `hedge keys partner` prints a fresh one',
      }),
    ).optional(),
    /** `required`: the gateway speaks HTTPS to this partner even for http:// requests. */
    tls: z.enum(['required', 'optional']).default('optional'),
    /**
     * How enriched requests to this partner are signed: `ed25519` (default) and
     * `hmac-sha256` are RFC 9421 HTTP Message Signatures (Signature-Input,
     * Signature); `hedge-v1` the earlier X-Hedge-Signature for partners deployed
     * with it; `off` none (a legacy partner that does not verify). The last two are warned by the lints.
     */
    signature: z
      .enum(['ed25519', 'hmac-sha256', 'hedge-v1', 'off'], {
        message: 'expected ed25519 (RFC 9421, the default), hmac-sha256 (RFC 9421 with signatureSecret), hedge-v1 (the earlier X-Hedge-Signature) or off',
      })
      .default('ed25519'),
    /** hmac-sha256: the secret shared with this partner to sign (32 bytes, base64url); never a pseudonym or sealing key. */
    signatureSecret: secret(
      z.string().refine((k) => /^[A-Za-z0-9_-]{43}$/.test(k) && Buffer.from(k, 'base64url').length === 32, {
        message: 'expected 32 bytes as base64url (43 characters); `hedge keys partner` prints a fresh one',
      }),
    ).optional(),
    /** PEM file of extra CA certificates trusted for this partner (labs), relative to the config file. */
    ca: z.string().min(1).optional(),
    /** The partner's grants end at this date (ISO 8601); afterwards the partner receives nothing. */
    until: z
      .string()
      .refine((d) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(d) && !Number.isNaN(Date.parse(d)), {
        message: 'expected an ISO 8601 date such as 2027-01-31 or 2027-01-31T12:00:00Z',
      })
      .optional(),
    send: z.array(grant).default([]),
    /** The partner as an API client of the front door (OIDC network-based authentication + CAMARA APIs). */
    frontDoor: frontDoorClient.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.secret !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['secret'],
        message: `partner "${p.id}": a partner-held pseudonym secret lets whoever holds it recover numbers by enumeration; pseudonym keys now stay with the operator (derived per partner from keys.file). Remove \`secret:\` (pseudonyms change once: docs/partners.md, "Pseudonyms")`,
      });
    if (p.signature === 'hmac-sha256' && p.signatureSecret === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['signature'],
        message: `partner "${p.id}": hmac-sha256 needs \`signatureSecret:\` (\`hedge keys partner\` prints one; give it to the partner)`,
      });
    if (p.signatureSecret !== undefined && p.signature !== 'hmac-sha256')
      ctx.addIssue({ code: 'custom', path: ['signatureSecret'], message: `partner "${p.id}": signatureSecret is used only with \`signature: hmac-sha256\`` });
    if (p.signatureSecret !== undefined && p.signatureSecret === p.key)
      ctx.addIssue({ code: 'custom', path: ['signatureSecret'], message: `partner "${p.id}": signatureSecret and key must differ (one key per purpose)` });
    if (p.ca !== undefined && p.tls !== 'required') ctx.addIssue({ code: 'custom', path: ['ca'], message: `partner "${p.id}": "ca" is used only with "tls: required"` });
    const seen = new Set<string>();
    p.send.forEach((g, i) => {
      const h = g.header.toLowerCase().replace(/_/g, '-');
      if (seen.has(h)) ctx.addIssue({ code: 'custom', path: ['send', i, 'header'], message: `header "${g.header}" is granted twice for partner "${p.id}"` });
      seen.add(h);
    });
  });

const staticBinding = z.strictObject({
  // An IPv4 address, an IPv6 address (exactly that address) or an IPv6 prefix such as 2001:db8:1:2::/64.
  ip: z.string().superRefine((s, ctx) => {
    const k = parseBindingKey(s, { strict: true });
    if (typeof k === 'string') ctx.addIssue({ code: 'custom', message: k });
  }),
  msisdn: z.string(),
  imsi: z.string().optional(),
  imei: z.string().optional(),
  ageVerified: z.boolean().optional(),
  /** Verified date of birth (YYYY-MM-DD): the front door's age checks compare it with the threshold. */
  birthDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expected a date YYYY-MM-DD' })
    .optional(),
  optOut: z.array(z.string()).optional(),
});

const limits = z.strictObject({
  maxHeaderBytes: z.number().int().min(1024).max(1048576).default(16384),
  maxHeaders: z.number().int().min(8).max(1000).default(100),
  idleTimeoutMs: z.number().int().min(100).default(60000),
  headersTimeoutMs: z.number().int().min(100).default(30000),
  requestTimeoutMs: z.number().int().min(0).default(300000),
  upstreamConnectTimeoutMs: z.number().int().min(50).default(5000),
  upstreamHeadersTimeoutMs: z.number().int().min(50).default(30000),
  upstreamBodyTimeoutMs: z.number().int().min(0).default(300000),
  upstreamConnections: z.number().int().min(1).max(10000).default(256),
  /** Requests with bodies one client address (an IPv6 client's /64) may have in flight; more → 429. */
  maxUploadsPerClient: z.number().int().min(1).max(10000).default(16),
  /** Average request-body rate required once requestBodyGraceMs of reading have passed (0: off); slower → 408. */
  minRequestBodyBytesPerSecond: z.number().int().min(0).default(240),
  requestBodyGraceMs: z.number().int().min(0).default(5000),
  /** Longest wait for a pooled upstream connection (0: no limit); longer → 503. */
  upstreamQueueTimeoutMs: z.number().int().min(0).default(10000),
  drainTimeoutMs: z.number().int().min(0).default(10000),
  /** Client connections in total; beyond it new connections are closed at accept. "auto": what the open-file limit allows. 0: no cap. */
  maxConnections: z.union([z.literal('auto'), z.number().int().min(0).max(10_000_000)], { message: 'a number of connections, or "auto"' }).default('auto'),
  /** Client connections from one client address (0: no cap). */
  maxConnectionsPerAddress: z.number().int().min(0).max(1_000_000).default(1024),
  /** Requests processed at once; beyond it requests are answered 503 before the pipeline (0: no cap). */
  maxInFlightRequests: z.number().int().min(0).max(1_000_000).default(4096),
  /** Requests one client address (an IPv6 client's /64) may have in flight; more → 429 and the connection closed (0: no cap). */
  maxInFlightPerClient: z.number().int().min(0).max(1_000_000).default(256),
  /**
   * How long one event-loop turn may be busy before the requests and connections it reaches later are shed, when the turn before was as long (0: off).
   * 250 ms by default: only a sustained overload sheds (two quarter-second turns in a row), never a collection or a reload; 50 ms bounds the wait tighter.
   */
  maxLoopTurnMs: z.number().int().min(0).max(60_000).default(250),
});

// The access log of one listener (src/shared/access-log.ts): off unless enabled; never an identifier.
const accessLog = z.strictObject({
  enabled: z.boolean().default(false),
  clientAddress: z.boolean().default(false),
});
const accessLogOff = () => ({ enabled: false, clientAddress: false });

const alerts = z.strictObject({
  webhook: z
    .strictObject({
      url: secret(z.string().refine((s) => /^https?:\/\/[^\s]+$/.test(s) && URL.canParse(s), { message: 'expected an http:// or https:// URL' })),
      timeoutMs: z.number().int().min(100).max(60000).default(5000),
      retries: z.number().int().min(0).max(10).default(3),
      minIntervalSeconds: z.number().min(0).max(86400).default(60),
      headers: z.record(headerName, secret(z.string())).optional(),
    })
    .optional(),
});

/** "10.0.0.0/8" → parsed IPv4 prefix, or undefined. */
export function parseCidr(s: string): { base: number; bits: number } | undefined {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(s);
  if (!m || isIP(m[1]!) !== 4) return undefined;
  const bits = Number(m[2]);
  if (bits > 32) return undefined;
  const base = m[1]!.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (base & mask) >>> 0, bits };
}

const cidr = z.string().refine((s) => parseCidr(s) !== undefined, { message: 'expected an IPv4 prefix such as 10.0.0.0/8' });

const anyPrefix = z.string().refine((s) => parsePrefix(s) !== undefined, { message: 'expected an address prefix such as 10.0.0.0/8 or fc00::/7 (or one address)' });
// Where the proxy may connect (src/destination/): loopback, private and other special ranges are refused unless allowed.
const destinations = z.strictObject({
  allow: z.array(anyPrefix).default([]),
  deny: z.array(anyPrefix).default([]),
});

/** The widest prefix a Framed-IPv6-Address may be bound at (radius.clients[].ipv6PrefixLength). */
export const MIN_IPV6_PREFIX_LENGTH = 48;

// A NAS (packet gateway) allowed to send RADIUS accounting: by exact address or prefix, with its shared secret.
const radiusClient = z
  .strictObject({
    name: z.string().min(1).optional(),
    address: z
      .string()
      .refine((s) => isIP(s) !== 0, { message: 'not an IP address' })
      .optional(),
    cidr: cidr.optional(),
    secret: secret(z.string().min(1, { message: 'a shared secret is required' })),
    /** How this NAS writes Calling-Station-Id when it has no "+"; radius.numberFormat when absent. */
    numberFormat: z.enum(NUMBER_FORMATS).optional(),
    /**
     * The prefix length a Framed-IPv6-Address (one address) from this NAS is bound at: the phone picks addresses inside it.
     * At most a site's /48 (RFC 6177): a wider one would identify many subscribers' addresses as this one.
     */
    ipv6PrefixLength: z
      .number()
      .int()
      .min(MIN_IPV6_PREFIX_LENGTH, {
        message: `at least ${MIN_IPV6_PREFIX_LENGTH}: one address's subnet is a phone's /64 or at most a site's /48; a wider prefix would identify every address in it as this subscriber`,
      })
      .max(128, { message: 'at most 128 (one address)' })
      .default(64),
  })
  .superRefine((c, ctx) => {
    if ((c.address === undefined) === (c.cidr === undefined)) ctx.addIssue({ code: 'custom', path: ['address'], message: 'give exactly one of "address" or "cidr"' });
  });

export const radiusSchema = z.strictObject({
  listen: listenAddress.default('127.0.0.1:1813'),
  clients: z.array(radiusClient).min(1, { message: 'list at least one NAS client (address or cidr, secret)' }),
  /** Which reading of a Calling-Station-Id without "+" wins when both are valid numbers (src/subscriber/normalize.ts). */
  numberFormat: z.enum(NUMBER_FORMATS).default('international'),
  interimMultiplier: z.number().min(1).max(100).default(3),
  interimIntervalSeconds: z.number().int().min(1).max(86400).default(600),
  framedAddressMap: z.array(z.strictObject({ from: cidr, to: cidr })).default([]),
  /** A Start or Interim whose event (Event-Timestamp, else receipt − Acct-Delay-Time) is older is acknowledged and not applied (radius/freshness.ts). */
  maxEventAgeSeconds: z.number().int().min(30).max(86400).default(300),
  /** How far a NAS's clock may be ahead (Event-Timestamp in the future), and how close two events must be to count as simultaneous. */
  clockSkewSeconds: z.number().int().min(0).max(120).default(10),
  /** Refuse (acknowledge, not apply) a Start or Interim without Event-Timestamp: without one a captured packet replayed later cannot be told from a fresh one. */
  requireEventTimestamp: z.boolean().default(false),
});
export type RadiusConfig = z.output<typeof radiusSchema>;

const redisOptions = z.strictObject({
  // No braces: hedge puts each binding's key in a hash tag of its own ({…}) so Redis Cluster keeps it in one slot.
  keyPrefix: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^{}]+$/, { message: 'must not contain "{" or "}" (hedge adds the hash tags)' })
    .default('hedge:'),
  timeoutMs: z.number().int().min(10).max(10000).default(250),
  /** Replicas that must have a write (WAIT) before it is acknowledged; 1 with Sentinel: a failover loses no acknowledged binding. */
  waitReplicas: z.number().int().min(0).max(10).default(0),
  /** TLS for rediss://, rediss-cluster:// and rediss-sentinel:// stores (PEM files, relative to the config file). */
  tls: z
    .strictObject({
      ca: z.string().min(1).optional(),
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
      serverName: z.string().min(1).optional(),
    })
    .optional(),
});

const subscribers = z.strictObject({
  store: secret(z.string()).default('memory'),
  static: z.array(staticBinding).default([]),
  /** How often the static bindings are checked (and written back if missing) while the store is up; 0: only when it reconnects. */
  staticCheckSeconds: z.number().min(0).max(3600).default(30),
  maxStaleMs: z.number().int().min(0).max(60000).default(1000),
  redis: redisOptions.default(() => redisOptions.parse({})),
});

// The canary sentinel: a synthetic subscriber pushed through the real ingress
// (src/canary/). Defaults are fictional identities (Ofcom drama range, test MCC 001).
const canarySubscriber = z.strictObject({
  msisdn: z.string().default('+447700900999'),
  imsi: z.string().default('001019999999999'),
  imei: z.string().default('359999999999998'),
  ageVerified: z.boolean().default(true),
});
const canary = z.strictObject({
  enabled: z.boolean().default(true),
  source: z
    .string()
    .refine((s) => isIP(s) !== 0, { message: 'not an IP address' })
    .default('127.0.0.254'),
  subscriber: canarySubscriber.default(() => canarySubscriber.parse({})),
  intervalSeconds: z.number().min(0).max(86400).default(60),
  timeoutMs: z.number().int().min(100).max(60000).default(5000),
  onFailure: z.enum(['alert', 'disable-enrichment']).default('alert'),
});
export type CanaryConfig = z.output<typeof canary>;

const reload = z.strictObject({
  watch: z.boolean().default(false),
  debounceMs: z.number().int().min(50).max(60000).default(500),
  timeoutMs: z.number().int().min(1000).max(600000).default(30000),
});

/** An IPv4 or IPv6 address, or an IPv4 prefix (a load balancer allowed to send PROXY protocol headers). */
const addressOrPrefix = z.string().refine((s) => isIP(s) !== 0 || parseCidr(s) !== undefined, { message: 'an IP address or an IPv4 prefix such as 10.0.0.0/24' });

// The front door: the operator's HTTPS authorisation server (OIDC with
// network-based authentication) and the CAMARA APIs (src/frontdoor/).
const frontDoorLimits = z
  .strictObject({
    handshakeTimeoutMs: z.number().int().min(100).max(60000).default(10000),
    headersTimeoutMs: z.number().int().min(100).max(60000).default(10000),
    idleTimeoutMs: z.number().int().min(100).default(30000),
    maxBodyBytes: z.number().int().min(256).max(1048576).default(16384),
    maxHeaderBytes: z.number().int().min(1024).max(65536).default(16384),
    maxConnections: z.number().int().min(1).default(10000),
    /** Connections from one client (an IPv4 address, an IPv6 /64; behind a trusted load balancer, the PROXY header's address); 0: no cap. */
    maxConnectionsPerAddress: z.number().int().min(0).max(1_000_000).default(256),
    /** Outstanding codes / access tokens / remembered client assertions: beyond it the front door answers "temporarily unavailable". */
    maxPending: z.number().int().min(100).default(200000),
    /** Of those, what one client (partner) may hold of each kind; default a tenth of maxPending. */
    maxPendingPerClient: z.number().int().min(1).optional(),
    /** Codes issued and not yet exchanged per phone (an IPv4 address, an IPv6 /64), across all clients. */
    maxPendingCodesPerAddress: z.number().int().min(1).max(10000).default(32),
  })
  .superRefine((l, ctx) => {
    if (l.maxPendingPerClient !== undefined && l.maxPendingPerClient > l.maxPending)
      ctx.addIssue({
        code: 'custom',
        path: ['maxPendingPerClient'],
        message: `${l.maxPendingPerClient} is larger than frontDoor.limits.maxPending (${l.maxPending}): one client's share must fit in the whole`,
      });
  });
const frontDoor = z.strictObject({
  listen: listenAddress.default('127.0.0.1:8443'),
  /** The issuer URL partners and phones use (https://host[:port]: no path — the endpoints are at the root —, query or fragment); default https://<listen>. */
  issuer: z
    .string()
    .superRefine((s, ctx) => {
      if (!URL.canParse(s) || new URL(s).protocol !== 'https:' || s.includes('?') || s.includes('#'))
        return ctx.addIssue({ code: 'custom', message: 'an https:// URL without query or fragment, such as https://auth.operator.example' });
      const u = new URL(s);
      const path = s.replace(/^https:\/\/[^/]*/i, ''); // as written: URL() would resolve /%2e%2e away
      if (path !== '' && path !== '/')
        ctx.addIssue({
          code: 'custom',
          message: `the issuer has a path (${path}): the front door serves its endpoints (/authorize, /token, /.well-known/…) at the root of its host, so the issuer must be https://host or https://host:port with no path, e.g. ${u.origin}`,
        });
      else if (u.username !== '' || u.password !== '') ctx.addIssue({ code: 'custom', message: 'the issuer must not carry a user name or password' });
    })
    .optional(),
  /** The operator's certificate chain and private key (PEM files, relative to the config file). */
  cert: z.string().min(1),
  key: z.string().min(1),
  /** Load balancers in front of the listener that prepend a PROXY protocol v2 header (the phone's address); from anyone else it is not honoured. */
  trustedProxies: z.array(addressOrPrefix).default([]),
  codeLifetimeSeconds: z.number().int().min(5).max(60).default(60),
  tokenLifetimeSeconds: z.number().int().min(10).max(300).default(300),
  limits: frontDoorLimits.default(() => frontDoorLimits.parse({})),
});
export type FrontDoorConfig = z.output<typeof frontDoor>;

const audit = z.strictObject({
  store: secret(z.string().min(1, { message: 'sqlite:PATH or a postgres:// URL' })),
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'a PostgreSQL schema name: lower-case letters, digits, "_"' })
    .default('hedge_audit'),
  keyFile: z.string().min(1),
  signingKeyFile: z.string().min(1).optional(),
  node: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { message: 'letters, digits, ".", "_" and "-"' })
    .optional(),
  batchDelayMs: z.number().min(0).max(1000).default(0),
  batchMaxRecords: z.number().int().min(1).max(5000).default(256),
  commitTimeoutMs: z.number().int().min(10).max(60000).default(1000),
  retryAfterMs: z.number().int().min(10).default(1000),
  busyTimeoutMs: z.number().int().min(0).max(10000).default(50),
  maxPendingRecords: z.number().int().min(1).default(10000),
  checkpointEveryRecords: z.number().int().min(1).default(10000),
  checkpointIntervalMs: z.number().int().min(0).default(60000),
  retentionDays: z.number().int().min(1).optional(),
  /** Each committed checkpoint also appended to a file the store's writers cannot reach (docs/audit.md, "The audit witness"). */
  witness: z.strictObject({ file: z.string().min(1) }).optional(),
});

/**
 * The admin API's listener bounds (shared/listener-limits.ts). Its clients are
 * operators' tools (the CLI, a Prometheus scraper, a load balancer's probes):
 * few connections, some answers slow to build (an audit report), so a longer
 * idle timeout than a public page's. It runs in the gateway's process: every
 * connection it holds is a descriptor the proxy does not have.
 */
const adminLimits = z.strictObject({
  headersTimeoutMs: z.number().int().min(100).max(60000).default(10000),
  idleTimeoutMs: z.number().int().min(100).max(600000).default(60000),
  maxConnections: z.number().int().min(1).max(100000).default(64),
  maxConnectionsPerAddress: z.number().int().min(1).max(100000).default(32),
});

const transparencyLimits = z.strictObject({
  headersTimeoutMs: z.number().int().min(100).max(60000).default(10000),
  idleTimeoutMs: z.number().int().min(100).max(600000).default(15000),
  maxConnections: z.number().int().min(1).max(100000).default(256),
  maxConnectionsPerAddress: z.number().int().min(1).max(100000).default(16),
});
/** The subscriber's own page (src/transparency/): what was disclosed about them, and their consent choices. */
export const transparencySchema = z.strictObject({
  listen: listenAddress.default('127.0.0.1:8084'),
  /** The page's public name (e.g. privacy.operator.example): phones reach it through hedge's proxy by an in-process hop that keeps their address; the only DNS name the page answers to (transparency/page-hosts.ts). */
  host: z
    .string()
    .regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i, { message: 'a host name such as privacy.operator.example' })
    .optional(),
  /** Page requests per client (an IPv4 address, or an IPv6 /64) per minute. */
  rateLimitPerMinute: z.number().int().min(1).max(10000).default(60),
  /** The listener's bounds (shared/listener-limits.ts): it runs in the gateway's process, so its connections use the proxy's descriptors. */
  limits: transparencyLimits.default(() => transparencyLimits.parse({})),
});

export const configSchema = z.strictObject({
  operator: z.strictObject({
    name: z.string().min(1),
    country: z.string().regex(/^[A-Z]{2}$/, { message: 'an ISO 3166-1 alpha-2 code such as GB' }),
  }),
  proxy: z
    .strictObject({
      listen: listenAddress.default('127.0.0.1:8080'),
      mode: z.enum(['forward', 'transparent']).default('forward'),
      originalDestination: z.enum(['unknown', 'socket']).default('unknown'),
      resolve: z
        .record(
          hostPattern,
          z.string().refine((s) => parseListen(s) !== undefined, { message: 'expected "address:port"' }),
        )
        .default({}),
      via: z.string().regex(TOKEN).default('hedge'),
      stripHeaders: z.array(headerName).default([]),
      destinations: destinations.default(() => destinations.parse({})),
      limits: limits.default(() => limits.parse({})),
      accessLog: accessLog.default(accessLogOff),
    })
    .default(() => ({
      listen: '127.0.0.1:8080',
      mode: 'forward' as const,
      originalDestination: 'unknown' as const,
      resolve: {},
      via: 'hedge',
      stripHeaders: [],
      destinations: destinations.parse({}),
      limits: limits.parse({}),
      accessLog: accessLogOff(),
    })),
  admin: z
    .strictObject({
      listen: listenAddress.default('127.0.0.1:9090'),
      token: secret(z.string().min(16, { message: 'an admin token needs at least 16 characters' })).optional(),
      /** Names (or addresses) the admin API answers to besides its own addresses, loopback and localhost (browser-guard.ts). */
      hostnames: z.array(z.string().refine(validAdminHostname, { message: 'a DNS name or an IP address, without scheme, port or wildcard' })).default([]),
      accessLog: accessLog.default(accessLogOff),
      /** Export nodejs_gc_duration_seconds: Node then tracks every garbage collection, at a cost per request (process-metrics.ts). */
      gcMetrics: z.boolean().default(false),
      /** Timeouts and connection caps of the admin listener: a client that holds connections must not take the proxy's descriptors. */
      limits: adminLimits.default(() => adminLimits.parse({})),
    })
    .default(() => ({ listen: '127.0.0.1:9090', hostnames: [], accessLog: accessLogOff(), gcMetrics: false, limits: adminLimits.parse({}) })),
  subscribers: subscribers.default(() => subscribers.parse({})),
  radius: radiusSchema.optional(),
  keys: z
    .strictObject({
      /** JSON key file written by `hedge keys generate` (signing keys and token keys), relative to the config file. */
      file: z.string().min(1),
      /** Name of the signature header added to every enriched request. */
      signatureHeader: headerName.default('X-Hedge-Signature'),
    })
    .optional(),
  partners: z.array(partner).default([]),
  alerts: alerts.default({}),
  canary: canary.default(() => canary.parse({})),
  reload: reload.default(() => reload.parse({})),
  audit: audit.optional(),
  transparency: transparencySchema.optional(),
  frontDoor: frontDoor.optional(),
});

export type Config = z.output<typeof configSchema>;
export type PartnerConfig = Config['partners'][number];
export type LimitsConfig = Config['proxy']['limits'];
export type AuditConfig = NonNullable<Config['audit']>;
