// Member names a CAMARA request body may not have: a name repeated within one
// object, and "__proto__". JSON.parse keeps the last of repeated names, while
// whatever else reads the same body (the partner's gateway, a log, a WAF) may
// keep the first: two readers, two questions; I-JSON (RFC 7493 §2.3) forbids
// them. A "__proto__" member is an own property after JSON.parse, but zod
// copies members into a fresh object by assignment, where "__proto__" sets
// the copy's prototype instead: the member vanishes from the validated body
// (an extra member slipped past "exactly one of phoneNumber or
// hashedPhoneNumber") and the body's prototype is no longer Object.prototype.
// Scans text JSON.parse has accepted already, so it only needs to find where
// strings start and end, and which of them are member names.

type Frame = { keys: Set<string>; expectName: boolean } | undefined; // undefined: an array

/** The first forbidden member name in valid JSON text, or undefined when there is none. */
export function forbiddenMemberName(text: string): { name: string; why: 'repeated' | 'reserved' } | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      const top = stack[stack.length - 1];
      if (top?.expectName) {
        // Decoded, so "\u005f_proto__" and "phone\u004eumber" are the names they spell.
        const name = JSON.parse(text.slice(start, i + 1)) as string;
        if (name === '__proto__') return { name, why: 'reserved' };
        if (top.keys.has(name)) return { name, why: 'repeated' };
        top.keys.add(name);
        top.expectName = false;
      }
    } else if (c === 0x7b /* { */) stack.push({ keys: new Set(), expectName: true });
    else if (c === 0x5b /* [ */) stack.push(undefined);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top) top.expectName = true;
    }
  }
  return undefined;
}
