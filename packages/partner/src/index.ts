// hedge-partner: what a partner runs to trust an operator's enrichment.
// Importable on its own: nothing here imports gateway code.
//
//   import { verifyRequest, openSealed } from 'hedge-partner';
//
// See docs/partners.md.
export { verifyEnrichment, type VerifyOptions, type VerifyResult, type RefusalReason, type Jwk } from './verify.js';
export { openSealed, SEALED_TYP, type OpenOptions, type OpenResult, type SealedRefusal } from './open-sealed.js';
export { MemoryNonceStore, type NonceStore } from './nonce-store.js';
export { canonicalForm, parseSignatureHeader, SIGNATURE_VERSION, DEFAULT_SIGNATURE_HEADER, type SignatureFields, type SignatureHeader } from './canonical.js';
export { IDENTITY_HEADER_NAMES } from './identity-headers.js';
export { verifyRequest, signatureBaseOf, type RequestVerifyOptions, type RequestVerifyResult, type Rfc9421Refusal } from './verify-rfc9421.js';
export {
  authorityOf,
  splitTarget,
  coveredComponents,
  signatureParamsValue,
  signatureBase,
  baseLine,
  signatureParamsLine,
  signableValue,
  SIGNATURE_LABEL,
  SIGNATURE_TAG,
  PARTNER_HEADER,
  RFC9421_ALGORITHMS,
  type Rfc9421Algorithm,
  type HedgeSignatureParams,
} from './rfc9421.js';
export { serializeString } from './structured-fields.js';
export type { PartnerRequest, NodeLikeRequest, FetchLikeRequest } from './request-view.js';
