// A front-door lab on loopback: a lab CA and operator certificate (real
// openssl), a partner key pair, a hedge gateway with `frontDoor:` and the
// SQLite audit, the phone (HTTPS requests from a chosen loopback source
// address) and the partner side driven by openid-client.
import https from 'node:https';
import { before, after } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, exportJWK, type CryptoKey } from 'jose';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { parseConfig } from '../../src/config/load.js';
import { startGateway, type RunningGateway, type GatewayOptions } from '../../src/node/gateway.js';
import { silentLogger } from '../../src/shared/log.js';
import { makeLabPki, type LabPki } from './pki.js';
import { auditBackend, type AuditBackend } from './audit.js';

export const PHONE = '127.0.0.1';
export const PHONE_NUMBER = '+447700900123';
/** A loopback source with no binding: a phone on Wi-Fi, say. */
export const UNBOUND = '127.0.0.9';
/** Bound, but opted out of the bank. */
export const OPTED_OUT = '127.0.0.3';
export const OPTED_OUT_NUMBER = '+447700900133';
/** Bound with only `ageVerified: true` (no birth date). */
export const ADULT_ONLY = '127.0.0.4';
export const ALL_SCOPES = ['number-verification:verify', 'number-verification:device-phone-number:read', 'kyc-age-verification:verify'] as const;
export const PURPOSE = 'dpv:FraudPreventionAndDetection';

export interface PartnerKit {
  clientId: string;
  redirectUri: string;
  privateKey: CryptoKey;
  publicJwk: Record<string, unknown>;
}

export async function makePartner(clientId: string): Promise<PartnerKit> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: `${clientId}-1`, alg: 'ES256', use: 'sig' };
  return { clientId, redirectUri: `https://${clientId}.example/callback`, privateKey, publicJwk };
}

export interface FrontDoorLab {
  gw: RunningGateway;
  issuer: string;
  port: number;
  pki: LabPki;
  audit: AuditBackend;
  auditLoc: { spec: string; schema: string };
  bank: PartnerKit;
  shop: PartnerKit;
  /** An undici dispatcher trusting the lab CA (partner side). */
  dispatcher: Agent;
  close(): Promise<void>;
}

export interface LabOptions extends GatewayOptions {
  /** Scopes of the "shop" partner (default: verify only). */
  shopScopes?: readonly string[];
  /** The "shop" partner's frontDoor.idTokenSignedResponseAlg (default: not set, so RS256). */
  shopIdTokenAlg?: 'RS256' | 'EdDSA';
  /** Extra YAML appended under `frontDoor:` (indented two spaces). */
  frontDoorExtra?: string;
  /** Replaces the subscribers section. */
  subscribersYaml?: string;
  edit?: (yaml: string) => string;
  /** No audit section. */
  noAudit?: boolean;
}

export async function startFrontDoorLab(o: LabOptions = {}): Promise<FrontDoorLab> {
  const pki = makeLabPki(['127.0.0.1', 'localhost'], 'hedge-front-door-lab');
  const be = await auditBackend('sqlite');
  if (typeof be === 'string') throw new Error(be);
  const auditLoc = be.fresh();
  const bank = await makePartner('bank');
  const shop = await makePartner('shop');
  writeFileSync(join(pki.dir, 'shop.jwks.json'), JSON.stringify({ keys: [shop.publicJwk] }));
  const subscribers =
    o.subscribersYaml ??
    `subscribers:
  static:
    - { ip: ${PHONE}, msisdn: "${PHONE_NUMBER}", birthDate: "1990-04-01" }
    - { ip: ${OPTED_OUT}, msisdn: "${OPTED_OUT_NUMBER}", birthDate: "1990-04-01", optOut: [bank] }
    - { ip: ${ADULT_ONLY}, msisdn: "+447700900144", ageVerified: true }
`;
  let yaml = `operator: { name: Lab Mobile, country: GB }
proxy: { listen: 127.0.0.1:0 }
admin: { listen: 127.0.0.1:0 }
${subscribers}
partners:
  - id: bank
    name: Lab Bank
    purpose: fraud prevention
    hosts: [bank.example]
    frontDoor:
      clientId: ${bank.clientId}
      jwks: ${JSON.stringify({ keys: [bank.publicJwk] })}
      redirectUris: ["${bank.redirectUri}"]
      scopes: ${JSON.stringify(ALL_SCOPES)}
      purpose: ${PURPOSE}
  - id: shop
    name: Lab Shop
    purpose: checkout
    hosts: [shop.example]
    frontDoor:
      clientId: ${shop.clientId}
      jwksFile: ${join(pki.dir, 'shop.jwks.json')}
      redirectUris: ["${shop.redirectUri}"]
      scopes: ${JSON.stringify(o.shopScopes ?? ['number-verification:verify'])}
      purpose: ${PURPOSE}${o.shopIdTokenAlg ? `\n      idTokenSignedResponseAlg: ${o.shopIdTokenAlg}` : ''}
frontDoor:
  listen: 127.0.0.1:0
  cert: ${join(pki.dir, 'leaf.pem')}
  key: ${join(pki.dir, 'leaf.key')}
${o.frontDoorExtra ?? ''}
${o.noAudit ? 'canary: { enabled: false }' : be.yaml(auditLoc)}
`;
  if (o.edit) yaml = o.edit(yaml);
  const file = join(pki.dir, 'hedge.yaml');
  writeFileSync(file, yaml);
  const gw = await startGateway(parseConfig(yaml, file), { log: silentLogger, ...o });
  const fd = gw.frontDoor!;
  const dispatcher = new Agent({ connect: { ca: pki.ca } });
  return {
    gw,
    issuer: fd.url,
    port: fd.address.port,
    pki,
    audit: be,
    auditLoc,
    bank,
    shop,
    dispatcher,
    async close() {
      await gw.stop(200);
      await dispatcher.close();
      await be.close();
      pki.cleanup();
    },
  };
}

/** A suite's lab and the bank's openid-client configuration, readable once the suite's `before` has run. */
export interface SuiteFrontDoorLab {
  readonly lab: FrontDoorLab;
  readonly bank: oidc.Configuration;
}

/**
 * Starts a lab (with `o`) and the bank's openid-client configuration before
 * the enclosing suite's tests and closes the lab after them: call it in a
 * `describe` body, read `lab` and `bank` in tests and hooks.
 */
export function useFrontDoorLab(o: LabOptions = {}): SuiteFrontDoorLab {
  let lab: FrontDoorLab | undefined;
  let bank: oidc.Configuration | undefined;
  before(async () => {
    lab = await startFrontDoorLab(o);
    bank = await partnerClient(lab, lab.bank);
  });
  after(async () => lab?.close());
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the front-door lab is not started yet: read it in a test or hook');
    return v;
  };
  return {
    get lab() {
      return started(lab);
    },
    get bank() {
      return started(bank);
    },
  };
}

/** The disclosure records in the lab's audit (every answer that disclosed something is one). */
export async function disclosures(lab: FrontDoorLab): Promise<number> {
  const store = await lab.audit.open(lab.auditLoc);
  try {
    return (await store.scan({ from: 0, to: Date.now() + 1000, type: 'disclosure' }, undefined, 1000)).length;
  } finally {
    await store.close();
  }
}

/**
 * The partner's openid-client configuration: discovery, private_key_jwt, ID
 * tokens checked against the JWKS. Without `idTokenAlg` the client registers
 * none, so openid-client expects RS256 (OIDC's default), as most SDKs do.
 */
export async function partnerClient(lab: FrontDoorLab, p: PartnerKit, idTokenAlg?: 'RS256' | 'EdDSA'): Promise<oidc.Configuration> {
  const fetchWithCa: oidc.CustomFetch = (url, options) => undiciFetch(url, { ...(options as object), dispatcher: lab.dispatcher }) as unknown as Promise<Response>;
  const metadata = idTokenAlg ? { id_token_signed_response_alg: idTokenAlg } : {};
  const config = await oidc.discovery(new URL(lab.issuer), p.clientId, metadata, oidc.PrivateKeyJwt(p.privateKey), {
    [oidc.customFetch]: fetchWithCa,
  });
  oidc.enableNonRepudiationChecks(config);
  return config;
}

export interface PhoneReply {
  status: number;
  location: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The phone opens a URL on the front door over HTTPS from `localAddress` (its mobile data address). */
export function phoneGet(lab: FrontDoorLab, url: string | URL, localAddress = PHONE): Promise<PhoneReply> {
  return phoneRequest(lab, 'GET', url, undefined, localAddress);
}

/** The phone submits a form (an HTML form with method="post") to the front door; `contentType` defaults to a form's. */
export function phonePost(
  lab: FrontDoorLab,
  url: string | URL,
  body: string | URLSearchParams,
  localAddress = PHONE,
  contentType = 'application/x-www-form-urlencoded',
): Promise<PhoneReply> {
  return phoneRequest(lab, 'POST', url, { body: String(body), contentType }, localAddress);
}

function phoneRequest(
  lab: FrontDoorLab,
  method: 'GET' | 'POST',
  url: string | URL,
  send: { body: string; contentType: string } | undefined,
  localAddress: string,
): Promise<PhoneReply> {
  return new Promise((resolve, reject) => {
    const headers = send ? { 'content-type': send.contentType, 'content-length': Buffer.byteLength(send.body) } : undefined;
    const req = https.request(new URL(url), { ca: lab.pki.ca, localAddress, agent: false, method, headers });
    req.setTimeout(10_000, () => req.destroy(new Error('phone request timed out')));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(send?.body);
  });
}

export interface AuthorisedFlow {
  callback: URL;
  verifier: string;
  state: string;
  nonce: string;
}

/** Partner builds the authorisation URL (PKCE S256, state, nonce); the phone opens it; returns the redirect back. */
export async function authorise(
  lab: FrontDoorLab,
  config: oidc.Configuration,
  scopes: readonly string[],
  from = PHONE,
  extra: Record<string, string> = {},
): Promise<AuthorisedFlow & { reply: PhoneReply }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const redirectUri = config.clientMetadata().client_id === lab.bank.clientId ? lab.bank.redirectUri : lab.shop.redirectUri;
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: ['openid', ...scopes, PURPOSE].join(' '),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
    prompt: 'none',
    ...extra,
  });
  const reply = await phoneGet(lab, url, from);
  return { reply, callback: new URL(reply.location ?? 'https://missing.invalid/'), verifier, state, nonce };
}

/** Authorise + code exchange as the partner; returns the token response (ID token already validated). */
export interface LoggedIn extends AuthorisedFlow {
  accessToken: string;
  idToken: string;
  claims: oidc.IDToken;
  expiresIn: number | undefined;
  scope: string | undefined;
}

export async function fullLogin(lab: FrontDoorLab, config: oidc.Configuration, scopes: readonly string[], from = PHONE): Promise<LoggedIn> {
  const a = await authorise(lab, config, scopes, from);
  const t = await oidc.authorizationCodeGrant(config, a.callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce, idTokenExpected: true });
  const claims = t.claims();
  if (!claims || t.id_token === undefined) throw new Error('no ID token');
  return { ...a, accessToken: t.access_token, idToken: t.id_token, claims, expiresIn: t.expires_in, scope: t.scope };
}

/** A CAMARA call with a bearer token (raw: the tests check status, headers and body). */
export async function api(
  lab: FrontDoorLab,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string; correlator?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.correlator !== undefined) headers['x-correlator'] = opts.correlator;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined || method === 'POST') headers['content-type'] ??= 'application/json';
  const res = await undiciFetch(`${lab.issuer}${path}`, { method, headers, body, dispatcher: lab.dispatcher });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json: json as Record<string, unknown>, text };
}
