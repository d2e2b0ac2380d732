// Retransmission detection (RFC 5080 §2.2.2): a NAS that got no answer sends
// the same packet again (same source, identifier and authenticator). It must
// be answered again but applied only once. Entries live for `ttlMs`; the map
// is bounded so a flood cannot grow it without limit.
export interface DedupeEntry {
  at: number;
  /** The response sent; undefined while the first copy is still being applied. */
  response: Buffer | undefined;
}

export class RetransmissionCache {
  private readonly map = new Map<string, DedupeEntry>();

  constructor(
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  static key(source: string, port: number, packet: Buffer): string {
    // Identifier (octet 1) + request authenticator (octets 4..19).
    return `${source}|${port}|${packet[1]}|${packet.toString('latin1', 4, 20)}`;
  }

  get(key: string): DedupeEntry | undefined {
    const e = this.map.get(key);
    if (e && e.at + this.ttlMs <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  /** Marks a packet as being applied. */
  begin(key: string): void {
    this.evict();
    this.map.set(key, { at: this.now(), response: undefined });
  }

  finish(key: string, response: Buffer): void {
    const e = this.map.get(key);
    if (e) e.response = response;
  }

  /** The packet was not applied (store failure): a retransmission must be tried afresh. */
  abandon(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  private evict(): void {
    const limit = this.now() - this.ttlMs;
    for (const [k, e] of this.map) {
      if (e.at > limit && this.map.size < this.maxEntries) break;
      this.map.delete(k);
    }
  }
}
