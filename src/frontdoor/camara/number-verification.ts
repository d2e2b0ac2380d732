// CAMARA Number Verification 2.1.0 under /number-verification/v2:
//   POST /verify               → {"devicePhoneNumberVerified": bool}   (the number: match)
//   GET  /device-phone-number  → {"devicePhoneNumber": "+…"}           (the number: raw)
// The number compared is the one bound to the connection the subscriber
// authorised from (held by the token); each answer is recorded before it is sent.
import type http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FrontDoorContext } from '../context.js';
import { SCOPE_DISCLOSURES, type FrontDoorScope } from '../../config/front-door-scopes.js';
import { sendJson } from '../http.js';
import { checkCall, readJsonBody } from './api-call.js';
import { CamaraErrors, sendError, type Challenge, type ErrorInfo } from './errors.js';
import type { Committed } from '../disclose.js';
import { NumberVerificationRequestBody } from './schemas.js';
import type { AccessGrant } from '../grants.js';

export const NUMBER_VERIFICATION_BASE = '/number-verification/v2';

export async function handleVerify(ctx: FrontDoorContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const scope = 'number-verification:verify';
  const c = await checkCall(ctx, req, scope, true);
  if (!c.ok) return refuse(ctx, res, c.partner, 'verify', c.error, c.correlator, c.challenge);
  const body = await readJsonBody(req, ctx.maxBodyBytes);
  if (!body.ok) return refuse(ctx, res, c.grant.partnerId, 'verify', body.error, c.correlator);
  const parsed = NumberVerificationRequestBody.safeParse(body.value);
  if (!parsed.success)
    return refuse(
      ctx,
      res,
      c.grant.partnerId,
      'verify',
      CamaraErrors.invalidArgument('Give exactly one of phoneNumber (E.164 with "+") or hashedPhoneNumber (hex SHA-256 of the E.164 number).'),
      c.correlator,
    );
  const number = c.grant.subscriber.msisdn;
  const verified =
    parsed.data.phoneNumber !== undefined
      ? parsed.data.phoneNumber === number
      : sameHex(createHash('sha256').update(number).digest('hex'), parsed.data.hashedPhoneNumber!.toLowerCase());
  const committed = await record(ctx, c.grant, scope, '/verify');
  if (committed !== 'recorded') return refuse(ctx, res, c.grant.partnerId, 'verify', notRecorded(committed), c.correlator);
  ctx.metrics.step('api', c.grant.partnerId, 'ok');
  ctx.metrics.answer(c.grant.partnerId, 'number-verification/verify', verified ? 'verified' : 'not_verified');
  sendJson(res, 200, { devicePhoneNumberVerified: verified }, c.correlator !== undefined ? { 'x-correlator': c.correlator } : {});
}

export async function handleDevicePhoneNumber(ctx: FrontDoorContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const scope = 'number-verification:device-phone-number:read';
  const c = await checkCall(ctx, req, scope, true);
  if (!c.ok) return refuse(ctx, res, c.partner, 'device-phone-number', c.error, c.correlator, c.challenge);
  req.resume();
  const committed = await record(ctx, c.grant, scope, '/device-phone-number');
  if (committed !== 'recorded') return refuse(ctx, res, c.grant.partnerId, 'device-phone-number', notRecorded(committed), c.correlator);
  ctx.metrics.step('api', c.grant.partnerId, 'ok');
  ctx.metrics.answer(c.grant.partnerId, 'number-verification/device-phone-number', 'shared');
  sendJson(res, 200, { devicePhoneNumber: c.grant.subscriber.msisdn }, c.correlator !== undefined ? { 'x-correlator': c.correlator } : {});
}

/** Checks the token's grant is still in force and records the answer (disclose.ts); the answer is sent only when 'recorded'. */
export function record(ctx: FrontDoorContext, g: AccessGrant, scope: FrontDoorScope, path: string): Promise<Committed> {
  const policy = ctx.policy();
  const partner = policy.clients.get(g.clientId);
  if (!partner || partner.id !== g.partnerId) return Promise.resolve('refused'); // the partner was removed by a reload: nothing more goes to it
  return ctx.discloser.commit({
    requestId: ctx.nextId(),
    partner,
    subscriber: g.subscriber,
    clientAddress: g.clientAddress,
    target: ctx.target(path),
    scope,
    what: SCOPE_DISCLOSURES[scope],
    policy,
  });
}

/** The CAMARA error for an answer that was not recorded. */
export function notRecorded(c: Exclude<Committed, 'recorded'>): ErrorInfo {
  return c === 'refused'
    ? CamaraErrors.permissionDenied("The subscriber no longer shares this with the client, or the client's agreement has ended. Nothing was disclosed.")
    : CamaraErrors.unavailable();
}

export function refuse(
  ctx: FrontDoorContext,
  res: http.ServerResponse,
  partner: string,
  api: string,
  e: { status: number; code: string; message: string },
  correlator: string | undefined,
  challenge?: Challenge,
): void {
  ctx.metrics.step('api', partner, e.code);
  void api;
  sendError(res, e, correlator, challenge);
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
