// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the
// message; a proxy must not forward them. Connection may name more.
const ALWAYS = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
  // Not hop-by-hop by RFC, but owned by the gateway: Host is rebuilt from the
  // target, Expect is answered by the gateway itself (shared/expect.ts: "100
  // Continue" once the body is being sent on; the origin gets it at once).
  'host',
  'expect',
]);

/** A Connection value that names only keep-alive: a header dropped anyway, so there is no list to build. */
const ONLY_KEEP_ALIVE = /^[ \t]*keep-alive[ \t]*$/i;

/**
 * Lower-case names listed in Connection headers (e.g. "close, x-foo"), or
 * undefined when none lists more than keep-alive (what browsers send on
 * every request: the common case builds no Set and splits no string).
 */
function connectionListed(raw: string[]): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === 10 && n.toLowerCase() === 'connection') {
      const value = raw[i + 1]!;
      if (ONLY_KEEP_ALIVE.test(value)) continue;
      for (const t of value.split(',')) {
        const tok = t.trim().toLowerCase();
        if (tok) (out ??= new Set()).add(tok);
      }
    }
  }
  return out;
}

/**
 * Copies a raw header list without hop-by-hop headers. `keep` names headers
 * to keep although hop-by-hop (the Upgrade handshake needs Connection/Upgrade).
 * `listedDropped`, when given, receives the names of the headers dropped only
 * because the client's Connection header listed them: the strip stage never
 * sees those, and still counts a spoofed identity header among them.
 */
export function endToEndHeaders(raw: string[], keep?: ReadonlySet<string>, listedDropped?: string[]): string[] {
  const listed = connectionListed(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (!(keep && keep.has(lower))) {
      if (ALWAYS.has(lower)) continue;
      if (listed !== undefined && listed.has(lower)) {
        listedDropped?.push(name);
        continue;
      }
    }
    out.push(name, raw[i + 1]!);
  }
  return out;
}

/** The same filter for a response's raw headers (Buffers from undici), returned as strings. */
export function endToEndResponseHeaders(raw: Buffer[] | string[]): string[] {
  const out: string[] = [];
  let listed: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const lower = name.toLowerCase();
    if (lower === 'connection') {
      const value = raw[i + 1]!.toString('latin1');
      // Nearly every origin says just "keep-alive", which names only a header dropped anyway: no list to build.
      if (ONLY_KEEP_ALIVE.test(value)) continue;
      listed ??= new Set();
      for (const t of value.split(',')) listed.add(t.trim().toLowerCase());
      continue;
    }
    if (ALWAYS.has(lower)) continue;
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  if (!listed) return out;
  const filtered: string[] = [];
  for (let i = 0; i < out.length; i += 2) if (!listed.has(out[i]!.toLowerCase())) filtered.push(out[i]!, out[i + 1]!);
  return filtered;
}
