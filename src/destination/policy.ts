// The destination policy: where a proxied connection may go. Every channel
// that opens a connection on a client's behalf (upstream requests, CONNECT
// tunnels, upgrades, and any later one) asks `resolve(host, port)` and then
// connects to exactly the address it returns: the host is resolved once and
// checked, so no second lookup can lead somewhere else (DNS rebinding).
//
// Order of the decision:
//   1. the gateway's own listeners: always refused (also through a pin);
//   2. a host pinned by proxy.resolve: the operator's own choice, allowed;
//   3. proxy.destinations.allow / deny: the longest matching prefix decides
//      (deny wins a tie);
//   4. the built-in special ranges (ranges.ts): refused;
//   5. anything else (the public Internet): allowed.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ErrorCodes, HedgeError } from '../shared/errors.js';
import { inPrefix, parseIp, parsePrefix, sameIp, type Prefix } from './ip.js';
import { builtinReason, type RefusalReason } from './ranges.js';

export type { RefusalReason } from './ranges.js';

/** Where to connect: a literal address and port, already checked. */
export interface Dial {
  address: string;
  port: number;
}

/** What every channel that connects on a client's behalf uses. */
export interface Dialer {
  resolve(host: string, port: number): Promise<Dial>;
}

export interface DestinationRules {
  allow: readonly string[];
  deny: readonly string[];
}

export class DestinationRefused extends HedgeError {
  constructor(readonly reason: RefusalReason) {
    super(ErrorCodes.DESTINATION_REFUSED, `the destination is not allowed (${reason})`);
    this.name = 'DestinationRefused';
  }
}

type Lookup = (host: string, cb: (err: NodeJS.ErrnoException | null, addrs: LookupAddress[]) => void) => void;
const systemLookup: Lookup = (host, cb) => dnsLookup(host, { all: true, verbatim: true }, cb);

export interface DestinationPolicyOptions {
  rules: DestinationRules;
  /** proxy.resolve pins: host:port → address:port, or undefined to use DNS. */
  pinned(host: string, port: number): Dial | undefined;
  /** Replaces the system resolver (tests). */
  lookup?: Lookup;
}

export class DestinationPolicy implements Dialer {
  private readonly rules: { prefix: Prefix; deny: boolean }[];
  private readonly own: { addr: Uint8Array | 'any'; port: number }[] = [];
  private readonly lookup: Lookup;

  constructor(private readonly opts: DestinationPolicyOptions) {
    this.rules = [...opts.rules.deny.map((t) => ({ prefix: parsePrefix(t)!, deny: true })), ...opts.rules.allow.map((t) => ({ prefix: parsePrefix(t)!, deny: false }))];
    this.lookup = opts.lookup ?? systemLookup;
  }

  /**
   * A listener of this gateway: never a destination, whatever allows it.
   * Returns what removes it again, for a listener that lives only a while (the
   * canary's per-run ingress): the port may later be another program's.
   */
  addOwnListener(a: Pick<AddressInfo, 'address' | 'port'>): () => void {
    const addr = parseIp(a.address);
    if (!addr) return () => {};
    const entry = { addr: builtinReason(addr) === 'unspecified' ? ('any' as const) : addr, port: a.port };
    this.own.push(entry);
    return () => {
      const i = this.own.indexOf(entry);
      if (i >= 0) this.own.splice(i, 1);
    };
  }

  /** Why this address:port may not be reached (undefined: it may). `pinned`: reached through a proxy.resolve pin. */
  check(address: string, port: number, pinned = false): RefusalReason | undefined {
    const addr = parseIp(address);
    if (!addr) return 'reserved';
    if (this.isOwnListener(addr, port)) return 'own-listener';
    if (pinned) return undefined;
    let best: { bits: number; deny: boolean } | undefined;
    for (const r of this.rules) {
      if (!inPrefix(addr, r.prefix)) continue;
      if (!best || r.prefix.bits > best.bits || (r.prefix.bits === best.bits && r.deny)) best = { bits: r.prefix.bits, deny: r.deny };
    }
    if (best) return best.deny ? 'denied' : undefined;
    return builtinReason(addr);
  }

  /** Resolves host:port once (pin, literal or DNS) and returns the checked address to connect to. */
  resolve(host: string, port: number): Promise<Dial> {
    const pin = this.opts.pinned(host, port);
    const target = pin ?? { address: host, port };
    const pinned = pin !== undefined;
    if (isIP(target.address)) {
      const reason = this.check(target.address, target.port, pinned);
      return reason ? Promise.reject(new DestinationRefused(reason)) : Promise.resolve(target);
    }
    return new Promise((resolve, reject) => {
      this.lookup(target.address, (err, addrs) => {
        if (err) return reject(err);
        let first: RefusalReason | undefined;
        for (const a of addrs) {
          const reason = this.check(a.address, target.port, pinned);
          if (!reason) return resolve({ address: a.address, port: target.port });
          first ??= reason;
        }
        const e: NodeJS.ErrnoException = new Error(`no address for ${target.address}`);
        e.code = 'ENOTFOUND';
        reject(first ? new DestinationRefused(first) : e);
      });
    });
  }

  private isOwnListener(addr: Uint8Array, port: number): boolean {
    for (const o of this.own) {
      if (o.port !== port) continue;
      if (o.addr !== 'any') {
        if (sameIp(o.addr, addr)) return true;
        continue;
      }
      // A listener on 0.0.0.0 / :: answers on every address of this host.
      const r = builtinReason(addr);
      if (r === 'loopback' || r === 'unspecified') return true;
      for (const list of Object.values(networkInterfaces()))
        for (const i of list ?? []) {
          const local = parseIp(i.address);
          if (local && sameIp(local, addr)) return true;
        }
    }
    return false;
  }
}

/** Connects every channel to one fixed address, whatever the host (the canary's own origin). */
export function fixedDialer(to: Dial): Dialer {
  return { resolve: () => Promise.resolve(to) };
}
