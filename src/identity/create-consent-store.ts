// Where subscribers' consent choices live: beside the bindings. With the Redis
// binding store, in the same Redis (every node sees a choice within
// maxStaleMs); otherwise in this process's memory.
import type { BindingStore } from './store.js';
import { MemoryConsentStore, type ConsentStore } from './consent.js';
import { RedisConsentStore } from './consent-redis.js';
import { RedisBindingStore } from './redis-store.js';

export function createConsentStore(bindings: BindingStore, o: { maxStaleMs: number; redis: { keyPrefix: string } }): ConsentStore {
  if (bindings instanceof RedisBindingStore) return new RedisConsentStore(bindings.client, o.redis.keyPrefix, o.maxStaleMs);
  return new MemoryConsentStore();
}
