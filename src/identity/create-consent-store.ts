// Where subscribers' consent choices live: beside the bindings. With the Redis
// binding store, in the same Redis (every node sees a choice within
// maxStaleMs, and a restart loses none); otherwise in this process's memory,
// created closed when the gateway has an audit to read the choices back from
// (`awaitingReplay`: audit/consent-replay.ts). The Redis side is imported only
// when the binding store is Redis (it is loaded already then).
import type { BindingStore } from './store.js';
import { isRedisBindingStore } from './create-store.js';
import { MemoryConsentStore, type ConsentStore } from './consent.js';

export async function createConsentStore(bindings: BindingStore, o: { maxStaleMs: number; redis: { keyPrefix: string }; awaitingReplay?: boolean }): Promise<ConsentStore> {
  if (isRedisBindingStore(bindings)) {
    const { RedisConsentStore } = await import('./consent-redis.js');
    return new RedisConsentStore(bindings.client, o.redis.keyPrefix, o.maxStaleMs);
  }
  return new MemoryConsentStore({ awaitingReplay: o.awaitingReplay ?? false });
}
