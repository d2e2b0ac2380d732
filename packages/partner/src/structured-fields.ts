// The part of RFC 8941 (Structured Field Values) that RFC 9421 needs:
// parsing the Signature-Input and Signature dictionaries, and serialising an
// inner list with parameters canonically (the value of "@signature-params").
// Written for the partner kit, which must not depend on more than `jose`.
export type BareItem = number | string | boolean | Uint8Array | Token;
export type Params = Map<string, BareItem>;
export interface Item {
  value: BareItem;
  params: Params;
}
export interface InnerList {
  items: Item[];
  params: Params;
}
export type Member = Item | InnerList;

/** A token (RFC 8941 §3.3.4): kept apart from a string so it serialises without quotes. */
export class Token {
  constructor(readonly name: string) {}
}

export class StructuredFieldError extends Error {}

export function isInnerList(m: Member): m is InnerList {
  return 'items' in m;
}

/** Parses a Dictionary field value (§4.2.2); throws StructuredFieldError on anything malformed. */
export function parseDictionary(input: string): Map<string, Member> {
  const p = new Parser(input);
  const out = new Map<string, Member>();
  p.ows();
  if (p.done()) return out;
  for (;;) {
    const key = p.key();
    let member: Member;
    if (p.peek() === '=') {
      p.i++;
      member = p.member();
    } else member = { value: true, params: p.params() };
    out.set(key, member); // RFC 8941: a later duplicate key overrides
    p.ows();
    if (p.done()) return out;
    p.expect(',');
    p.ows();
    if (p.done()) throw new StructuredFieldError('trailing comma');
  }
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}
  done(): boolean {
    return this.i >= this.s.length;
  }
  peek(): string {
    return this.s[this.i] ?? '';
  }
  expect(c: string): void {
    if (this.s[this.i] !== c) throw new StructuredFieldError(`expected "${c}" at ${this.i}`);
    this.i++;
  }
  ows(): void {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i++;
  }
  sp(): void {
    while (this.s[this.i] === ' ') this.i++;
  }
  key(): string {
    const m = /^[a-z*][a-z0-9_\-.*]*/.exec(this.s.slice(this.i));
    if (!m) throw new StructuredFieldError(`expected a key at ${this.i}`);
    this.i += m[0].length;
    return m[0];
  }
  member(): Member {
    if (this.peek() === '(') return this.innerList();
    return { value: this.bareItem(), params: this.params() };
  }
  innerList(): InnerList {
    this.expect('(');
    const items: Item[] = [];
    for (;;) {
      this.sp();
      if (this.peek() === ')') {
        this.i++;
        return { items, params: this.params() };
      }
      items.push({ value: this.bareItem(), params: this.params() });
      const c = this.peek();
      if (c !== ' ' && c !== ')') throw new StructuredFieldError(`bad inner list at ${this.i}`);
    }
  }
  params(): Params {
    const out: Params = new Map();
    while (this.peek() === ';') {
      this.i++;
      this.sp();
      const k = this.key();
      let v: BareItem = true;
      if (this.peek() === '=') {
        this.i++;
        v = this.bareItem();
      }
      out.set(k, v);
    }
    return out;
  }
  bareItem(): BareItem {
    const c = this.peek();
    const rest = this.s.slice(this.i);
    if (c === '"') return this.string();
    if (c === ':') {
      const m = /^:([A-Za-z0-9+/=]*):/.exec(rest);
      if (!m) throw new StructuredFieldError(`bad byte sequence at ${this.i}`);
      this.i += m[0].length;
      return Uint8Array.from(Buffer.from(m[1]!, 'base64'));
    }
    if (c === '?') {
      if (rest[1] !== '0' && rest[1] !== '1') throw new StructuredFieldError(`bad boolean at ${this.i}`);
      this.i += 2;
      return rest[1] === '1';
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d{1,15}(\.\d{1,3})?/.exec(rest);
      if (!m) throw new StructuredFieldError(`bad number at ${this.i}`);
      this.i += m[0].length;
      return Number(m[0]);
    }
    const m = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/.exec(rest);
    if (!m) throw new StructuredFieldError(`unexpected "${c}" at ${this.i}`);
    this.i += m[0].length;
    return new Token(m[0]);
  }
  string(): string {
    this.expect('"');
    let out = '';
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) throw new StructuredFieldError('unterminated string');
      if (c === '"') return out;
      if (c === '\\') {
        const n = this.s[this.i++];
        if (n !== '"' && n !== '\\') throw new StructuredFieldError('bad escape in string');
        out += n;
        continue;
      }
      const code = c.charCodeAt(0);
      if (code < 0x20 || code > 0x7e) throw new StructuredFieldError('non-printable character in string');
      out += c;
    }
  }
}

export function serializeString(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new StructuredFieldError('a structured-field string is printable ASCII only');
  // Nonces and key ids never need escaping: skip the replace (the gateway serialises two per signed request).
  if (s.indexOf('"') === -1 && s.indexOf('\\') === -1) return `"${s}"`;
  return `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"`;
}

export function serializeBareItem(v: BareItem): string {
  if (typeof v === 'string') return serializeString(v);
  if (typeof v === 'boolean') return v ? '?1' : '?0';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    return String(Math.round(v * 1000) / 1000);
  }
  if (v instanceof Token) return v.name;
  return `:${Buffer.from(v).toString('base64')}:`;
}

export function serializeParams(params: Params): string {
  let s = '';
  for (const [k, v] of params) s += v === true ? `;${k}` : `;${k}=${serializeBareItem(v)}`;
  return s;
}

/** Canonical serialisation of an inner list with its parameters (§4.1.1.1). */
export function serializeInnerList(l: InnerList): string {
  return `(${l.items.map((it) => serializeBareItem(it.value) + serializeParams(it.params)).join(' ')})${serializeParams(l.params)}`;
}
