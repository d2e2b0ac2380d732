// The Flow: one request's state as it moves through the pipeline. Stages read
// and change it; nothing else decides what may leave the gateway.
import type { Subscriber } from '../subscriber/subscriber.js';
import type { CompiledPartner, CompiledPolicy } from '../policy/compile.js';
import type { Attribute, Form } from '../policy/forms.js';
import type { Target } from '../shared/request-target.js';
import type { HolderTimes } from '../identity/holder.js';

export type { Target };

/** One thing the policy granted to this flow's destination. Values never reach logs. */
export interface Disclosure {
  partnerId: string;
  attribute: Attribute;
  form: Form;
  header: string;
  value: string;
}

const NONE: readonly string[] = [];

export class Flow {
  /** Headers as a flat [name, value, name, value, …] list: order and duplicates kept. */
  headers: string[];
  subscriber: Subscriber | undefined = undefined;
  /** When the subscriber's number changed hands, as the consent stage read it (undefined: never recorded); keys its pseudonyms. */
  holder: HolderTimes | undefined = undefined;
  partner: CompiledPartner | undefined = undefined;
  disclosures: Disclosure[] = [];
  /** False when the real destination could not be tied to the host (transparent mode mismatch). */
  destinationVerified = true;
  /** Later stages must not enrich: set by failClosed, by the canary's switch, by a withdrawal of consent, and for upgrades. */
  enrichmentDisabled = false;
  /** Names of inbound headers the strip stage removed (canonical), for metrics. */
  stripped: string[] = [];
  /**
   * Names of client headers the ingress dropped before the pipeline because
   * the client's own Connection header listed them (hop-by-hop): gone, but a
   * spoofed identity header among them is still counted by the strip stage.
   */
  listedByConnection: readonly string[] = NONE;
  /** Issue time of this flow's enriched values and signature, seconds since the epoch (0: none issued). */
  issuedAt = 0;
  /** Names of the signature headers the sign stage added (removed again with the disclosures they cover). */
  signatureHeaders: readonly string[] | undefined = undefined;
  /**
   * The headers exactly as the client sent them (flat list). The egress guard
   * lets through what the client itself sent and inspects everything else.
   */
  readonly clientHeaders: readonly string[];
  /** The target as the client asked for it, before any stage changed it (the guard compares). */
  readonly requestedHost: string;
  readonly requestedPort: number;
  readonly requestedPath: string;

  constructor(
    readonly id: string,
    readonly clientAddress: string,
    readonly method: string,
    readonly target: Target,
    headers: string[],
    readonly policy: CompiledPolicy,
    /** The client's raw header list; default: a snapshot of `headers` (everything present now counts as the client's). */
    clientHeaders?: readonly string[],
  ) {
    this.headers = headers;
    this.clientHeaders = clientHeaders ?? headers.slice();
    this.requestedHost = target.host;
    this.requestedPort = target.port;
    this.requestedPath = target.path;
  }

  /** Appends a header the gateway adds, recording what it discloses. */
  disclose(d: Disclosure): void {
    this.headers.push(d.header, d.value);
    this.disclosures.push(d);
  }

  /**
   * Fail closed: something this flow's enrichment depended on failed (a stage
   * threw, the binding store did not answer, the audit could not record), so
   * nothing the gateway added may leave and no later stage may add anything.
   * Revokes every disclosure and its signature, and disables enrichment for the
   * rest of the pipeline. The subscriber is kept: the egress guard still needs
   * to know whose identifiers to look for in the headers that remain.
   */
  failClosed(): void {
    this.revokeDisclosures();
    this.enrichmentDisabled = true;
  }

  /** Removes every header the gateway added (disclosures and their signature); see failClosed. */
  revokeDisclosures(): void {
    if (this.signatureHeaders !== undefined) {
      const sig = this.signatureHeaders;
      const h = this.headers;
      for (let i = h.length - 2; i >= 0; i -= 2) if (sig.includes(h[i]!)) h.splice(i, 2);
      this.signatureHeaders = undefined;
    }
    if (this.disclosures.length === 0) return;
    const added = new Set(this.disclosures.map((d) => d.header));
    const kept: string[] = [];
    const h = this.headers;
    for (let i = 0; i < h.length; i += 2) {
      const name = h[i]!;
      const value = h[i + 1]!;
      if (added.has(name) && this.disclosures.some((d) => d.header === name && d.value === value)) continue;
      kept.push(name, value);
    }
    this.headers = kept;
    this.disclosures = [];
  }

  /** The first value of a header (case-insensitive), or undefined. */
  header(name: string): string | undefined {
    const lower = name.toLowerCase();
    const h = this.headers;
    for (let i = 0; i < h.length; i += 2) if (h[i]!.toLowerCase() === lower) return h[i + 1];
    return undefined;
  }
}
