// Header names compared as a backend may fold them: on their letters and
// digits only, whatever the case. Apache's CGI environment turns every
// character that is not a letter or digit into "_", PHP reads "." as "_",
// lighttpd does the same: a client's "X.MSISDN", "X--MSISDN" or "X~MSISDN"
// arrives at such a partner as X-MSISDN itself, ahead of the one the gateway
// adds. "XMSISDN" is folded by nothing, but it is as clearly an attempt, and
// no real header is spelled so close to an identity one by chance.
//
// Runs for every header of every request (the strip stage), so a name that is
// not a spelling of a listed one allocates nothing: one walk computes a hash
// of its letters and digits; only a name whose hash is a listed one's is
// folded into a string and compared.

/** The name's letters and digits, lower case: "X-Up_Calling.Line-ID" → "xupcallinglineid". */
export function foldedHeaderName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export class HeaderSpellings {
  /** hash of a folded name → [folded, listed name] (more than one only on a hash collision). */
  private readonly byHash = new Map<number, [string, string][]>();

  /** `names`: the listed names, in the form to report (e.g. the strip list's canonical names). */
  constructor(names: Iterable<string>) {
    for (const name of names) {
      const folded = foldedHeaderName(name);
      if (folded === '') continue;
      const h = hashOfFolded(folded);
      const bucket = this.byHash.get(h);
      if (bucket === undefined) this.byHash.set(h, [[folded, name]]);
      else if (!bucket.some(([f]) => f === folded)) bucket.push([folded, name]);
    }
  }

  /** The listed name that `name` is a spelling of, or undefined. */
  match(name: string): string | undefined {
    let h = FNV_OFFSET;
    for (let i = 0; i < name.length; i++) {
      let c = name.charCodeAt(i);
      if (c >= 65 && c <= 90) c += 32;
      else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) continue;
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    const bucket = this.byHash.get(h | 0);
    if (bucket === undefined) return undefined;
    const folded = foldedHeaderName(name);
    for (const [f, listed] of bucket) if (f === folded) return listed;
    return undefined;
  }
}

// 32-bit FNV-1a over the folded name's character codes.
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

function hashOfFolded(folded: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < folded.length; i++) h = Math.imul(h ^ folded.charCodeAt(i), FNV_PRIME);
  return h | 0;
}
