// The checker's verdict: one word for what a connection told a site, worst
// finding first, with the plain-words explanation and advice a visitor sees.
/** How sure a finding is that a value identifies someone. */
export type Confidence = 'high' | 'medium' | 'low';

export type LeakKind = 'identity' | 'tracking' | 'device';
export type Verdict = 'clean' | LeakKind;

/** Worst first: an identity leak outranks a tracking token, which outranks device details. */
const RANK: Record<Verdict, number> = { clean: 0, device: 1, tracking: 2, identity: 3 };

export function worstVerdict(kinds: Iterable<LeakKind>): Verdict {
  let v: Verdict = 'clean';
  for (const k of kinds) if (RANK[k] > RANK[v]) v = k;
  return v;
}

export function verdictRank(v: Verdict): number {
  return RANK[v];
}

export interface VerdictText {
  /** The words at the top of the page ("Identity leaked"). */
  title: string;
  /** One sentence: what happened. */
  summary: string;
  /** What the visitor can do about it. */
  advice: string[];
  /** CSS colour name used by the page (also in the JSON for dashboards). */
  colour: 'green' | 'amber' | 'orange' | 'red';
}

export const VERDICT_TEXT: Record<Verdict, VerdictText> = {
  clean: {
    title: 'Clean',
    summary: 'Your connection told this site nothing about who you are: only the ordinary headers every browser sends arrived.',
    advice: [
      'Nothing to do. If you are on Wi-Fi, try again on mobile data: operators add headers only on their own network.',
      'Headers can only be added to plain-HTTP requests; this check is most telling over http://.',
    ],
    colour: 'green',
  },
  device: {
    title: 'Device details only',
    summary: 'Your connection added details about your phone or the network it is on, but nothing that names you.',
    advice: [
      'These details help sites fingerprint your phone. Ask your operator why it adds them and whether it can stop.',
      'Browsing over HTTPS or through a VPN keeps your operator from adding anything.',
    ],
    colour: 'amber',
  },
  tracking: {
    title: 'Tracking token',
    summary:
      'Your operator added a tracking token: a code tied to your subscription that every site you visit over plain HTTP receives, the same everywhere, even after you clear cookies.',
    advice: [
      "Look for an opt-out in your operator's privacy settings; if there is none, complain to the operator and to your data protection regulator.",
      'Until it is gone, use HTTPS sites or a VPN on mobile data: a token cannot be added to encrypted traffic.',
    ],
    colour: 'orange',
  },
  identity: {
    title: 'Identity leaked',
    summary:
      'Your connection sent this site an identifier of your subscription — your phone number, SIM (IMSI) or phone (IMEI) — so every site you visit over plain HTTP on this connection learns who you are.',
    advice: [
      'Report it to your operator now: this page (masked) is the evidence they need. If they do not fix it quickly, report it to your data protection regulator.',
      'Until it is fixed, avoid plain-HTTP sites on mobile data, or use Wi-Fi or a VPN.',
    ],
    colour: 'red',
  },
};
