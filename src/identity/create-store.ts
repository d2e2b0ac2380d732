// Builds the binding store named by subscribers.store.
import type { BindingStore } from './store.js';
import { MemoryBindingStore } from './memory-store.js';

export function createBindingStore(spec: string): BindingStore {
  if (spec === 'memory') return new MemoryBindingStore();
  throw new Error(`unsupported binding store "${spec}"`);
}
