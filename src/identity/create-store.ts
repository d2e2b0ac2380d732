// Builds the binding store named by subscribers.store.
import type { BindingStore } from './store.js';
import { MemoryBindingStore } from './memory-store.js';
import { RedisBindingStore } from './redis-store.js';
import { isRedisSpec } from './redis-connect.js';

export interface StoreOptions {
  redis?: { keyPrefix: string; timeoutMs: number; waitReplicas?: number };
  maxStaleMs?: number;
  onState?: (state: 'up' | 'down', reason?: string) => void;
}

export function createBindingStore(spec: string, opts: StoreOptions = {}): BindingStore {
  if (spec === 'memory') return new MemoryBindingStore();
  if (isRedisSpec(spec))
    return new RedisBindingStore(spec, {
      keyPrefix: opts.redis?.keyPrefix ?? 'hedge:',
      timeoutMs: opts.redis?.timeoutMs ?? 250,
      waitReplicas: opts.redis?.waitReplicas ?? 0,
      maxStaleMs: opts.maxStaleMs ?? 1000,
      onState: opts.onState,
    });
  throw new Error(`unsupported binding store "${spec.split('://')[0]}"`);
}
