// Compiled host lookup: exact names in one map, wildcard suffixes in another,
// so a lookup is at most one map probe per label of the host (no pattern scan).
import type { HostPattern } from '../shared/host-pattern.js';

interface Entry<T> {
  port: number | undefined;
  value: T;
}

export class HostIndex<T> {
  private readonly exact = new Map<string, Entry<T>[]>();
  private readonly wildcard = new Map<string, Entry<T>[]>();
  private readonly any: Entry<T>[] = [];

  add(pattern: HostPattern, value: T): void {
    const entry = { port: pattern.port, value };
    if (pattern.kind === 'any') {
      this.any.push(entry);
      return;
    }
    const map = pattern.kind === 'exact' ? this.exact : this.wildcard;
    const list = map.get(pattern.host);
    if (list) list.push(entry);
    else map.set(pattern.host, [entry]);
  }

  /** Most specific match: exact name, then the longest wildcard suffix, then "*". Port-specific entries win over port-less ones at the same level. */
  lookup(host: string, port: number): T | undefined {
    const e = pick(this.exact.get(host), port);
    if (e !== undefined) return e;
    let i = host.indexOf('.');
    while (i !== -1) {
      const w = pick(this.wildcard.get(host.slice(i + 1)), port);
      if (w !== undefined) return w;
      i = host.indexOf('.', i + 1);
    }
    return pick(this.any, port);
  }
}

function pick<T>(list: Entry<T>[] | undefined, port: number): T | undefined {
  if (!list) return undefined;
  let fallback: T | undefined;
  for (const e of list) {
    if (e.port === port) return e.value;
    if (e.port === undefined && fallback === undefined) fallback = e.value;
  }
  return fallback;
}
