// The config file's JSON Schema for editors: draft-07 (what YAML editors'
// language servers read), every key with its description (descriptions.ts)
// and, where it has one, its default. `hedge config schema` prints it;
// schema/hedge.schema.json is the committed copy that example configs name in
// their `# yaml-language-server: $schema=…` modeline (a test keeps it current).
import { z } from 'zod';
import { configSchema } from './schema.js';
import { secretJsonSchema } from './secret.js';
import { DESCRIPTIONS } from './descriptions.js';

type Json = Record<string, unknown>;

export function configJsonSchema(): Json {
  const js = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7', override: secretJsonSchema }) as Json;
  walk(js, '', (node, path) => {
    const d = DESCRIPTIONS[path];
    if (d !== undefined) node.description = d;
  });
  return {
    $schema: js.$schema,
    title: 'hedge gateway configuration',
    description: 'One YAML file configures a hedge gateway (docs/config.md). Secrets take { file: PATH } or { env: NAME }.',
    ...Object.fromEntries(Object.entries(js).filter(([k]) => k !== '$schema')),
  };
}

/** Keys (paths) of the schema that have no description: adding a key means describing it in descriptions.ts. */
export function undescribedKeys(schema: Json): string[] {
  const out: string[] = [];
  walk(schema, '', (node, path) => {
    if (path && typeof node.description !== 'string') out.push(path);
  });
  return out;
}

/** Visits every key's schema node with its path ("a.b", "a[]" for list items, "a.*" for map values). */
function walk(node: unknown, path: string, visit: (node: Json, path: string) => void): void {
  if (typeof node !== 'object' || node === null) return;
  const n = node as Json;
  if (path) visit(n, path);
  if (n.properties && typeof n.properties === 'object') for (const [k, v] of Object.entries(n.properties as Record<string, unknown>)) walk(v, path ? `${path}.${k}` : k, visit);
  if (n.items && typeof n.items === 'object') walk(n.items, `${path}[]`, visit);
  if (n.additionalProperties && typeof n.additionalProperties === 'object') walk(n.additionalProperties, `${path}.*`, visit);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) if (Array.isArray(n[k])) for (const alt of n[k] as unknown[]) walkAlternative(alt, path, visit);
}

// An alternative of a key (inline | {file} | {env}) describes the same key: its own
// properties are visited, the alternative itself is not a key.
function walkAlternative(alt: unknown, path: string, visit: (node: Json, path: string) => void): void {
  if (typeof alt !== 'object' || alt === null) return;
  const a = alt as Json;
  if (a.properties && typeof a.properties === 'object') for (const [k, v] of Object.entries(a.properties as Record<string, unknown>)) walk(v, path ? `${path}.${k}` : k, visit);
  if (a.items && typeof a.items === 'object') walk(a.items, `${path}[]`, visit);
}
