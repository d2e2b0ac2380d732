// Rate limit per client (an IPv4 address, or an IPv6 /64: all of one phone's
// addresses, see clientKey): a token bucket per client, refilled
// continuously. The checker stores nothing about visitors, so the bucket is
// keyed by an HMAC of the address under a key that lives only in this process
// and the table forgets an address as soon as its bucket is full again.
import { createHmac, randomBytes } from 'node:crypto';
import { clientKey } from '../shared/address.js';

export interface RateLimitOptions {
  /** Requests allowed per window (also the burst size). */
  limit: number;
  windowMs: number;
  /** Upper bound on tracked addresses; beyond it the oldest are forgotten. */
  maxTracked?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly key = randomBytes(32);
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly opts: RateLimitOptions) {
    if (!(opts.limit >= 1) || !(opts.windowMs >= 1)) throw new Error('rate limit: limit and window must be positive');
    this.perMs = opts.limit / opts.windowMs;
    this.maxTracked = opts.maxTracked ?? 100_000;
    this.now = opts.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, opts.windowMs)).unref();
  }

  /** Takes one token for the client at `address`; returns 0 when allowed, else the seconds to wait. */
  take(address: string): number {
    const id = createHmac('sha256', this.key).update(clientKey(address)).digest('base64url');
    const t = this.now();
    let b = this.buckets.get(id);
    if (b) {
      b.tokens = Math.min(this.opts.limit, b.tokens + (t - b.at) * this.perMs);
      b.at = t;
    } else {
      if (this.buckets.size >= this.maxTracked) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      b = { tokens: this.opts.limit, at: t };
      this.buckets.set(id, b);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000));
  }

  /** Addresses currently tracked (for tests and health). */
  get tracked(): number {
    return this.buckets.size;
  }

  /** Forgets every address whose bucket has refilled: nothing outlives its window. */
  sweep(): void {
    const t = this.now();
    for (const [id, b] of this.buckets) if (b.tokens + (t - b.at) * this.perMs >= this.opts.limit) this.buckets.delete(id);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

/** "60/min", "10/s", "1000/hour" → {limit, windowMs}. */
export function parseRate(s: string): { limit: number; windowMs: number } {
  const m = /^(\d+)\s*\/\s*(s|sec|second|m|min|minute|h|hour)$/.exec(s.trim());
  if (!m) throw new Error(`rate limit "${s}": expected N/s, N/min or N/hour`);
  const limit = Number(m[1]);
  if (limit < 1) throw new Error(`rate limit "${s}": must allow at least 1 request`);
  const unit = m[2]!;
  const windowMs = unit.startsWith('s') ? 1000 : unit.startsWith('m') ? 60_000 : 3_600_000;
  return { limit, windowMs };
}
