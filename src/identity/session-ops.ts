// Session operations over any BindingStore: the store's own (atomic) method
// when it has one, else a get-then-write fallback for simple in-process stores.
import type { BindingRecord, BindingStore } from './store.js';

export async function refreshBinding(store: BindingStore, record: BindingRecord): Promise<boolean> {
  if (store.refresh) return store.refresh(record);
  const cur = await store.get(record.ip);
  if (cur && cur.sessionId !== undefined && cur.sessionId !== record.sessionId) return false;
  await store.set(record);
  return true;
}

export async function removeIfSession(store: BindingStore, ip: string, sessionId: string): Promise<boolean> {
  if (store.removeIfSession) return store.removeIfSession(ip, sessionId);
  const cur = await store.get(ip);
  if (!cur || cur.sessionId !== sessionId) return false;
  return store.remove(ip);
}

export async function removeByNas(store: BindingStore, nas: string, notAfter: number): Promise<number> {
  if (store.removeByNas) return store.removeByNas(nas, notAfter);
  let n = 0;
  for (const b of await store.list()) if (b.nas === nas && (b.updatedAt ?? 0) <= notAfter && (await store.remove(b.ip))) n++;
  return n;
}
