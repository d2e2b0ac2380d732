// The keys the schema allows at a key path: what an unknown key is compared
// with to say which one was meant.
import type { z } from 'zod';
import { defOf, wrapped } from './zod-def.js';

/** The object schema's keys at `path` (array indices and record keys followed), or [] when there is none. */
export function keysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let s: unknown = schema;
  let i = 0;
  for (let guard = 0; guard < 100; guard++) {
    const inner = wrapped(s);
    if (inner !== undefined) {
      s = inner;
      continue;
    }
    const def = defOf(s);
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
