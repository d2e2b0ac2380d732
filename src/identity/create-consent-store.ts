// Where subscribers' consent choices live: beside the bindings. With the Redis
// binding store, in the same Redis (every node sees a choice within
// maxStaleMs); otherwise in this process's memory. The Redis side is imported
// only when the binding store is Redis (it is loaded already then).
import type { BindingStore } from './store.js';
import { isRedisBindingStore } from './create-store.js';
import { MemoryConsentStore, type ConsentStore } from './consent.js';

export async function createConsentStore(bindings: BindingStore, o: { maxStaleMs: number; redis: { keyPrefix: string } }): Promise<ConsentStore> {
  if (isRedisBindingStore(bindings)) {
    const { RedisConsentStore } = await import('./consent-redis.js');
    return new RedisConsentStore(bindings.client, o.redis.keyPrefix, o.maxStaleMs);
  }
  return new MemoryConsentStore();
}
