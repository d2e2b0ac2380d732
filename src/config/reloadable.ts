// Which parts of a config a reload applies: `partners`, `keys` and
// `proxy.stripHeaders` (the policy). Everything else is read at start only; a
// reload that changes it says so (restartNeeded) and leaves it as started.
import type { Config } from './schema.js';
import type { LoadedConfig } from './load.js';

/** Sections a reload applies (and proxy.stripHeaders); everything else is read at start only. */
const RELOADABLE = new Set<keyof Config>(['partners', 'keys']);

/** Top-level sections (proxy without stripHeaders) that differ and that a reload does not apply. */
export function changedSections(a: Config, b: Config): string[] {
  const out: string[] = [];
  for (const key of Object.keys({ ...a, ...b }) as (keyof Config)[]) {
    if (RELOADABLE.has(key)) continue;
    let x: unknown = a[key];
    let y: unknown = b[key];
    if (key === 'proxy') {
      x = { ...(x as object), stripHeaders: undefined };
      y = { ...(y as object), stripHeaders: undefined };
    }
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push(key);
  }
  return out;
}

/**
 * The config a --workers worker starts with: the policy in force (partners, keys, proxy.stripHeaders, as last
 * applied by a reload) within the sections as the cluster started (listeners, stores, audit…): a reload that
 * changed `proxy.listen` said restartNeeded, so a replacement worker must not start with the new value.
 */
export function withPolicyOf(startedWith: LoadedConfig, inForce: LoadedConfig): LoadedConfig {
  const s = startedWith.config;
  const p = inForce.config;
  return {
    ...inForce,
    config: { ...s, partners: p.partners, keys: p.keys, proxy: { ...s.proxy, stripHeaders: p.proxy.stripHeaders } },
  };
}
