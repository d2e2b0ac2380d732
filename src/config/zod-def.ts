// Reading a zod schema's structure (its `_zod.def`), for the config tools
// that walk the schema beside the data: secrets (secret.ts) and the keys a
// map takes (schema-keys.ts). One place knows which definitions only wrap
// another schema.
import type { z } from 'zod';

export type ZodDef = { type: string } & Record<string, unknown>;

export function defOf(s: unknown): ZodDef {
  return (s as { _zod: { def: ZodDef } })._zod.def;
}

/** The schema a wrapper holds (optional, nullable, default, readonly, catch, a pipe's input, a lazy's target), or undefined for any other. */
export function wrapped(s: unknown): z.ZodType | undefined {
  const def = defOf(s);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return def.innerType as z.ZodType;
    case 'pipe':
      return def.in as z.ZodType;
    case 'lazy':
      return (def.getter as () => z.ZodType)();
    default:
      return undefined;
  }
}
