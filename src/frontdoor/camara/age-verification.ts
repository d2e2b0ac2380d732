// CAMARA KYC Age Verification 0.2.1 under /kyc-age-verification/v0.2:
//   POST /verify {ageThreshold} → {"ageCheck": "true" | "false" | "not_available"}
// Never a guess: a verified birth date answers any threshold; with only
// `ageVerified: true` (an adult check done by the operator) thresholds up to
// 18 answer "true" and higher ones "not_available"; otherwise "not_available".
// The token identifies the subscriber, so a phoneNumber in the body is refused
// (422 UNNECESSARY_IDENTIFIER). Content lock and parental control are not
// known to hedge: asked for, they are "not_available".
import type http from 'node:http';
import type { FrontDoorContext } from '../context.js';
import type { Subscriber } from '../../subscriber/subscriber.js';
import { sendJson } from '../http.js';
import { checkCall, readJsonBody } from './api-call.js';
import { CamaraErrors } from './errors.js';
import { VerifyAgeRequestBody } from './schemas.js';
import { notRecorded, record, refuse } from './number-verification.js';

export const AGE_VERIFICATION_BASE = '/kyc-age-verification/v0.2';
/** The age an operator's "age verified" flag attests (the adult check of header enrichment). */
export const AGE_VERIFIED_MEANS = 18;

export type AgeCheck = 'true' | 'false' | 'not_available';

export function ageCheck(s: Subscriber, threshold: number, today = new Date()): AgeCheck {
  if (s.birthDate !== undefined) return ageOn(s.birthDate, today) >= threshold ? 'true' : 'false';
  if (s.ageVerified === true && threshold <= AGE_VERIFIED_MEANS) return 'true';
  return 'not_available';
}

/** Completed years between a YYYY-MM-DD birth date and today (UTC calendar). */
export function ageOn(birthDate: string, today: Date): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  let age = today.getUTCFullYear() - y;
  const month = today.getUTCMonth() + 1;
  if (month < m || (month === m && today.getUTCDate() < d)) age--;
  return age;
}

export async function handleAgeVerify(ctx: FrontDoorContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const scope = 'kyc-age-verification:verify';
  const c = await checkCall(ctx, req, scope, false);
  if (!c.ok) return refuse(ctx, res, c.partner, 'age-verification', c.error, c.correlator, c.challenge);
  const body = await readJsonBody(req, ctx.maxBodyBytes);
  if (!body.ok) return refuse(ctx, res, c.grant.partnerId, 'age-verification', body.error, c.correlator);
  const parsed = VerifyAgeRequestBody.safeParse(body.value);
  if (!parsed.success)
    return refuse(
      ctx,
      res,
      c.grant.partnerId,
      'age-verification',
      CamaraErrors.invalidArgument('The request body does not match VerifyRequestBody (ageThreshold is a required integer).'),
      c.correlator,
    );
  const b = parsed.data;
  if (b.ageThreshold < 0 || b.ageThreshold > 120)
    return refuse(ctx, res, c.grant.partnerId, 'age-verification', CamaraErrors.outOfRange('ageThreshold must be between 0 and 120.'), c.correlator);
  if (b.phoneNumber !== undefined) return refuse(ctx, res, c.grant.partnerId, 'age-verification', CamaraErrors.unnecessaryIdentifier(), c.correlator);
  const answer: { ageCheck: AgeCheck; contentLock?: 'not_available'; parentalControl?: 'not_available' } = { ageCheck: ageCheck(c.grant.subscriber, b.ageThreshold) };
  if (b.includeContentLock === true) answer.contentLock = 'not_available';
  if (b.includeParentalControl === true) answer.parentalControl = 'not_available';
  const committed = await record(ctx, c.grant, scope, '/verify');
  if (committed !== 'recorded') return refuse(ctx, res, c.grant.partnerId, 'age-verification', notRecorded(committed), c.correlator);
  ctx.metrics.step('api', c.grant.partnerId, 'ok');
  ctx.metrics.answer(c.grant.partnerId, 'kyc-age-verification/verify', answer.ageCheck);
  sendJson(res, 200, answer, c.correlator !== undefined ? { 'x-correlator': c.correlator } : {});
}
