// Builds the binding store named by subscribers.store. The Redis client
// (ioredis, ~20 MB resident once loaded) is imported only when the config
// names a Redis store: a memory-store gateway never loads it.
import type { BindingStore } from './store.js';
import { MemoryBindingStore } from './memory-store.js';
import { isRedisSpec } from '../config/redis-target.js';
import type { RedisTls } from './redis-tls.js';

export interface StoreOptions {
  redis?: { keyPrefix: string; timeoutMs: number; waitReplicas?: number; tls?: RedisTls | undefined };
  maxStaleMs?: number;
  onState?: (state: 'up' | 'down', reason?: string) => void;
}

export async function createBindingStore(spec: string, opts: StoreOptions = {}): Promise<BindingStore> {
  if (spec === 'memory') return new MemoryBindingStore();
  if (isRedisSpec(spec)) {
    const { RedisBindingStore } = await import('./redis-store.js');
    return new RedisBindingStore(spec, {
      keyPrefix: opts.redis?.keyPrefix ?? 'hedge:',
      timeoutMs: opts.redis?.timeoutMs ?? 250,
      waitReplicas: opts.redis?.waitReplicas ?? 0,
      tls: opts.redis?.tls,
      maxStaleMs: opts.maxStaleMs ?? 1000,
      onState: opts.onState,
    });
  }
  throw new Error(`unsupported binding store "${spec.split('://')[0]}"`);
}

/** Whether a store is the Redis one, without loading the Redis client to ask `instanceof`. */
export function isRedisBindingStore(b: BindingStore): b is import('./redis-store.js').RedisBindingStore {
  return b.kind === 'redis' && 'client' in b && 'waitReady' in b;
}
