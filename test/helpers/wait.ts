// Waiting for a condition instead of sleeping a fixed time: a test that sleeps
// hopes the thing happened (flaky on a busy machine, slow on an idle one); a
// test that waits for it checks it happened, as soon as it has.

export interface WaitOptions {
  /** Give up (and fail, naming what was awaited) after this many ms. Default 30 s. */
  timeout?: number;
  /** Time between two checks, in ms. Default 20. */
  interval?: number;
}

/**
 * Resolves with the first value of `predicate` that is neither undefined nor
 * false (so `() => list.length > 2` and `() => map.get(k)` both work); rejects
 * with "timed out waiting for <what>" when the timeout passes first.
 * A number as the third argument is the timeout.
 */
export async function waitFor<T>(what: string, predicate: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions | number = {}): Promise<T> {
  const { timeout = 30_000, interval = 20 } = typeof opts === 'number' ? { timeout: opts } : opts;
  const end = Date.now() + timeout;
  for (;;) {
    const v = await predicate();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= end) throw new Error(`timed out waiting for ${what} (${timeout} ms)`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
