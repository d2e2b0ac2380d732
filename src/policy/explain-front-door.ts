// What a front-door client may learn, explained like a header grant: for each
// scope, the attribute and form it discloses, in which answer, by which rule
// (file and line); plus the pairwise `sub` every completed flow gives it.
// Read-only: used by `hedge policy explain --client ID`.
import type { CompiledPolicy } from './compile.js';
import { partnerActive } from './compile.js';
import { ID_TOKEN_DISCLOSURE, ID_TOKEN_SUB, SCOPE_DISCLOSURES } from '../config/front-door-scopes.js';
import type { Subscriber } from '../subscriber/subscriber.js';

export interface ClientExplanation {
  clientId: string;
  partner: { id: string; name: string; purpose: string; rule: string; active: boolean };
  declaredPurpose: string;
  redirectUris: string[];
  /** How its ID tokens are signed (frontDoor.idTokenSignedResponseAlg). */
  idTokenAlg: 'RS256' | 'EdDSA';
  disclosures: { scope: string; attribute: string; form: string; answer: string; value: string }[];
  notes: string[];
}

export function explainFrontDoorClient(policy: CompiledPolicy, clientId: string, opts: { subscriber?: Subscriber; now?: number } = {}): ClientExplanation {
  const partner = policy.clients.get(clientId);
  const c = partner?.frontDoor;
  if (!partner || !c) throw new Error(`no front-door client "${clientId}" in ${policy.file}`);
  const active = partnerActive(partner, opts.now);
  const notes: string[] = [];
  if (!active) notes.push(`the partner's agreement ended on ${new Date(partner.until!).toISOString()}: every authorisation is refused`);
  if (opts.subscriber?.optOut?.includes(partner.id)) notes.push('this subscriber opted out of this partner: the authorisation is refused (access_denied)');
  let sub = '<pairwise pseudonym of the number>';
  if (opts.subscriber && c.sub) {
    const v = c.sub({ subscriber: opts.subscriber, clientAddress: '', host: '', iat: 0 });
    if (v !== undefined) sub = `${v.slice(0, 6)}…(${v.length} chars)`;
  }
  const disclosures = [{ scope: ID_TOKEN_SUB, attribute: ID_TOKEN_DISCLOSURE.attribute, form: ID_TOKEN_DISCLOSURE.form, answer: ID_TOKEN_DISCLOSURE.answer, value: sub }];
  for (const s of c.scopes) {
    const d = SCOPE_DISCLOSURES[s];
    disclosures.push({ scope: s, attribute: d.attribute, form: d.form, answer: d.answer, value: describe(d.form) });
  }
  return {
    clientId,
    partner: { id: partner.id, name: partner.name, purpose: partner.purpose, rule: `${policy.file}:${c.line}`, active },
    declaredPurpose: c.purpose,
    redirectUris: [...c.redirectUris],
    idTokenAlg: c.idTokenAlg,
    disclosures,
    notes,
  };
}

function describe(form: string): string {
  if (form === 'raw') return '<the number itself>';
  if (form === 'match') return "<true/false: is the number the partner sent the subscriber's>";
  return '<"true" / "false" / "not_available">';
}

export function formatClientExplanation(e: ClientExplanation): string[] {
  const out = [
    `front-door client ${e.clientId}`,
    `  partner    ${e.partner.id} (${e.partner.name}; purpose ${e.partner.purpose}; declares ${e.declaredPurpose}) at ${e.partner.rule}${e.partner.active ? '' : ' — INACTIVE'}`,
    `  redirects  ${e.redirectUris.join(', ')} (exact match)`,
    `  transport  https (the front door), tokens single-use, ≤ 300 s`,
    `  id token   signed ${e.idTokenAlg} (idTokenSignedResponseAlg)`,
  ];
  for (const d of e.disclosures) out.push(`  + ${d.answer}: ${d.value}    [${d.attribute}, ${d.form}] scope ${d.scope}`);
  for (const n of e.notes) out.push(`  note       ${n}`);
  return out;
}
