// Schemas for the CAMARA APIs the front door serves, written from the API
// definitions (Number Verification 2.1.0, release r3.2; KYC Age Verification
// 0.2.1, release r1.3). Requests are validated with them; tests validate
// every response body against them.
import { z } from 'zod';

/** components/schemas/XCorrelator */
export const XCorrelator = z.string().regex(/^[a-zA-Z0-9-_:;./<>{}]{0,256}$/);

/** E.164 with "+": components/schemas/PhoneNumber, DevicePhoneNumber */
export const PhoneNumber = z.string().regex(/^\+[1-9][0-9]{4,14}$/);
/** Hex SHA-256 of the E.164 number (with "+"). */
export const HashedPhoneNumber = z.string().regex(/^[a-fA-F0-9]{64}$/);

/** NumberVerificationRequestBody: exactly one property, phoneNumber or hashedPhoneNumber. */
export const NumberVerificationRequestBody = z
  .object({ phoneNumber: PhoneNumber.optional(), hashedPhoneNumber: HashedPhoneNumber.optional() })
  .catchall(z.unknown())
  .refine((b) => Object.keys(b).length === 1, { message: 'exactly one of phoneNumber or hashedPhoneNumber' })
  .refine((b) => b.phoneNumber !== undefined || b.hashedPhoneNumber !== undefined, { message: 'phoneNumber or hashedPhoneNumber is required' });

export const NumberVerificationMatchResponse = z.object({ devicePhoneNumberVerified: z.boolean() });
export const NumberVerificationShareResponse = z.object({ devicePhoneNumber: PhoneNumber });

export const ErrorInfo = z.object({ status: z.number().int(), code: z.string(), message: z.string() });

export const AgeCheck = z.enum(['true', 'false', 'not_available']);

/** VerifyRequestBody (ageThreshold required; the identity properties are optional strings). */
export const VerifyAgeRequestBody = z.object({
  ageThreshold: z.number().int(),
  phoneNumber: PhoneNumber.optional(),
  idDocument: z.string().optional(),
  name: z.string().optional(),
  givenName: z.string().optional(),
  familyName: z.string().optional(),
  middleNames: z.string().optional(),
  familyNameAtBirth: z.string().optional(),
  birthdate: z.iso.date().optional(),
  email: z.email().optional(),
  includeContentLock: z.boolean().optional(),
  includeParentalControl: z.boolean().optional(),
});

export const VerifyAgeResponseBody = z.object({
  ageCheck: AgeCheck,
  verifiedStatus: z.boolean().optional(),
  identityMatchScore: z.number().int().min(0).max(100).optional(),
  contentLock: AgeCheck.optional(),
  parentalControl: AgeCheck.optional(),
});
