// One run at a time, and every request made while one runs shares the single
// run that follows it (it starts afresh: what it reads may have changed since).
// A storm of requests costs two runs, not one per request. Policy reloads use
// it in a gateway (node/reload.ts) and in a --workers primary (node/cluster-reload.ts).
export class SharedRun<A, T> {
  private inflight: Promise<T> | undefined;
  private queued: Promise<T> | undefined;

  constructor(private readonly run: (arg: A) => Promise<T>) {}

  /** Runs now, or joins the run queued behind the running one (whose argument is the first request's). */
  request(arg: A): Promise<T> {
    if (this.queued) return this.queued;
    if (!this.inflight) return this.start(arg);
    const next = () => {
      this.queued = undefined;
      return this.start(arg);
    };
    this.queued = this.inflight.then(next, next);
    return this.queued;
  }

  /** Whether a run is under way (or queued). */
  busy(): boolean {
    return this.inflight !== undefined || this.queued !== undefined;
  }

  /** Resolves once nothing runs and nothing is queued. */
  async idle(): Promise<void> {
    while (this.queued ?? this.inflight) await (this.queued ?? this.inflight)!.catch(() => undefined);
  }

  private start(arg: A): Promise<T> {
    const p = this.run(arg).finally(() => {
      if (this.inflight === p) this.inflight = undefined;
    });
    this.inflight = p;
    return p;
  }
}
