// The keys the schema allows at a key path: what an unknown key is compared
// with to say which one was meant.
import type { z } from 'zod';

type Def = { type: string } & Record<string, unknown>;
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;

/** The object schema's keys at `path` (array indices and record keys followed), or [] when there is none. */
export function keysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let s: unknown = schema;
  let i = 0;
  for (let guard = 0; guard < 100; guard++) {
    const def = defOf(s);
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        s = def.innerType;
        continue;
      case 'pipe':
        s = def.in;
        continue;
      case 'lazy':
        s = (def.getter as () => unknown)();
        continue;
    }
    if (i === path.length) return def.type === 'object' ? Object.keys(def.shape as object) : [];
    const seg = path[i++];
    if (def.type === 'object') s = (def.shape as Record<string, unknown>)[String(seg)];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return [];
    if (s === undefined) return [];
  }
  return [];
}
