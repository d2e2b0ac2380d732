// proxy.resolve: host patterns pinned to address:port, like curl --resolve,
// so labs, the demo and tests run without DNS. Unmatched hosts use DNS.
import { HostIndex } from '../policy/host-index.js';
import { parseHostPattern } from '../shared/host-pattern.js';
import { parseListen } from '../config/schema.js';

export interface Address {
  address: string;
  port: number;
}

export class Resolver {
  private readonly index = new HostIndex<Address>();
  constructor(map: Record<string, string>) {
    for (const [pattern, target] of Object.entries(map)) {
      const p = parseHostPattern(pattern);
      const a = parseListen(target);
      if (typeof p === 'string' || !a) throw new Error(`invalid resolve entry ${pattern}`);
      this.index.add(p, { address: a.host, port: a.port });
    }
  }
  /** The pinned address for host:port, or undefined to use DNS. */
  pinned(host: string, port: number): Address | undefined {
    return this.index.lookup(host, port);
  }
}
