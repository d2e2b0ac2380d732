// The consent form's protection against cross-site request forgery. There is
// no login — the network connection is the credential — so a page elsewhere
// could make the phone's browser post the form. Each form carries a token
// bound to the subscriber (keyed reference) and its issue time, MACed with a
// key every gateway node shares (the audit key's reference HMAC, domain-
// separated), so a POST to another node verifies too; it expires after an
// hour. Browsers that say the POST is cross-site (Sec-Fetch-Site, Origin) are
// refused before the token is even read.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface Mac {
  reference(input: string): string;
}

const LIFETIME_MS = 3_600_000;

export function issueToken(mac: Mac, subjectRef: string, now = Date.now()): string {
  const t = Math.floor(now / 1000).toString(36);
  return `${t}.${mac.reference(`hedge-transparency-csrf\n${subjectRef}\n${t}`)}`;
}

export function tokenValid(mac: Mac, subjectRef: string, token: string, now = Date.now()): boolean {
  const m = /^([0-9a-z]{1,10})\.([0-9a-f]{32})$/.exec(token);
  if (!m) return false;
  const issued = parseInt(m[1]!, 36) * 1000;
  if (!(issued <= now + 60_000 && now - issued < LIFETIME_MS)) return false;
  const want = Buffer.from(mac.reference(`hedge-transparency-csrf\n${subjectRef}\n${m[1]}`));
  const got = Buffer.from(m[2]!);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** False when the browser itself says the request comes from another site. */
export function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  try {
    // Through a forward proxy the request target is absolute-form: its authority is the page's.
    const own = /^https?:\/\//i.test(req.url ?? '') ? new URL(req.url!).host : req.headers.host;
    return new URL(origin).host === own;
  } catch {
    return false;
  }
}
