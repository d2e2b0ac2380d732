// The IPv6 prefix lengths a store holds bindings at, longest first: the
// per-length table a v6 lookup walks (usually just [64]). Counted, so a
// length drops out when its last binding goes.
export class PrefixLengths {
  private readonly counts = new Map<number, number>();
  /** Longest first: the most specific binding wins. */
  desc: readonly number[] = [];

  add(length: number): void {
    const n = this.counts.get(length) ?? 0;
    this.counts.set(length, n + 1);
    if (n === 0) this.sort();
  }

  remove(length: number): void {
    const n = this.counts.get(length) ?? 0;
    if (n <= 1) {
      this.counts.delete(length);
      if (n === 1) this.sort();
    } else this.counts.set(length, n - 1);
  }

  clear(): void {
    this.counts.clear();
    this.desc = [];
  }

  private sort(): void {
    this.desc = [...this.counts.keys()].sort((a, b) => b - a);
  }
}
