// Secret-bearing config keys. Each accepts the value inline, `{ file: PATH }`
// (read at load and at every reload; relative to the config file; one trailing
// newline dropped) or `{ env: NAME }`. Mark a key with `secret(schema)` in the
// schema; one resolver (resolveSecrets, run by the loader before validation)
// replaces every reference by its value, wherever the key sits, so the rest of
// hedge only ever sees a string. A config that must pass an inline-secret lint
// uses the recorded sources (SecretUse).
// A secret's value never appears in an error message: problems name the key,
// the file path or the variable name.
import { readRegularFile, UnusableFileError } from '../shared/read-bounded.js';
import { openToEveryone } from './config-path.js';
import { fileErrorText } from '../shared/file-error-text.js';
import { defOf, wrapped } from './zod-def.js';
import { isAbsolute, resolve as resolvePath, dirname } from 'node:path';
import { z } from 'zod';

const marked = new WeakSet<z.ZodType>();

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Marks a string schema as a secret: the key then also takes `{ file }` or
 * `{ env }`, and its value is kept out of logs, errors and `GET /policy`.
 * The inner schema still validates the resolved value.
 */
export function secret<T extends z.ZodType<string, string>>(inner: T): T {
  const s = inner.clone() as T;
  marked.add(s);
  return s;
}

/** For z.toJSONSchema's `override`: a secret key is "the inline value, or a file, or an environment variable". */
export function secretJsonSchema(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  if (!marked.has(ctx.zodSchema as z.ZodType)) return;
  const { description, default: dflt, ...inline } = ctx.jsonSchema;
  for (const k of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[k];
  Object.assign(ctx.jsonSchema, {
    ...(description !== undefined ? { description } : {}),
    ...(dflt !== undefined ? { default: dflt } : {}),
    anyOf: [
      { ...inline, description: 'inline value (lints warn outside a loopback lab)' },
      {
        type: 'object',
        properties: { file: { type: 'string', minLength: 1, description: 'a file holding the value, relative to the config file; re-read at every reload' } },
        required: ['file'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: { env: { type: 'string', pattern: ENV_NAME.source, description: 'an environment variable holding the value' } },
        required: ['env'],
        additionalProperties: false,
      },
    ],
  });
}

export type SecretSource = 'inline' | 'file' | 'env';
export interface SecretUse {
  path: (string | number)[];
  source: SecretSource;
}
export interface SecretProblem {
  path: (string | number)[];
  message: string;
}

export interface ResolvedSecrets {
  uses: SecretUse[];
  problems: SecretProblem[];
  /** Secret files any local user can read or write: loaded, but said (validate, start, reload). */
  warnings: SecretProblem[];
  /** The resolved values (to check output for leaks: tests, never logged). */
  values: string[];
}

/**
 * Walks the raw config next to its schema and replaces every `{file}`/`{env}`
 * reference under a secret key by the value, in place. `baseDir`: the config
 * file's folder, for relative paths.
 */
export function resolveSecrets(schema: z.ZodType, data: unknown, baseDir: string, env: NodeJS.ProcessEnv = process.env): ResolvedSecrets {
  const out: ResolvedSecrets = { uses: [], problems: [], warnings: [], values: [] };
  const one = (value: unknown, path: (string | number)[]): unknown => {
    if (typeof value === 'string') {
      out.uses.push({ path, source: 'inline' });
      out.values.push(value);
      return value;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value; // the schema reports it
    const keys = Object.keys(value);
    const ref = value as Record<string, unknown>;
    if (keys.length === 1 && typeof ref.file === 'string' && ref.file !== '') {
      const file = isAbsolute(ref.file) ? ref.file : resolvePath(baseDir, ref.file);
      try {
        const v = readRegularFile(file, MAX_SECRET_FILE_BYTES)
          .toString('utf8')
          .replace(/\r?\n$/, '');
        if (v === '') {
          out.problems.push({ path, message: `the secret file ${file} is empty` });
          return value;
        }
        out.uses.push({ path, source: 'file' });
        out.values.push(v);
        const open = openToEveryone(file);
        if (open) out.warnings.push({ path, message: `the secret file ${file} ${open}: \`chmod o-rwx ${file}\`` });
        return v;
      } catch (err) {
        out.problems.push({
          path,
          message: err instanceof UnusableFileError ? `cannot use ${file} as a secret file: ${err.message}` : `cannot read ${file} (a secret file): ${fileErrorText(err)}`,
        });
        return value;
      }
    }
    if (keys.length === 1 && typeof ref.env === 'string' && ENV_NAME.test(ref.env)) {
      const v = env[ref.env];
      if (v === undefined || v === '') {
        // Set but empty is said as such: the operator looks for a line that empties it, not for one that is missing.
        out.problems.push({ path, message: v === undefined ? `the environment variable ${ref.env} is not set` : `the environment variable ${ref.env} is set but empty` });
        return value;
      }
      out.uses.push({ path, source: 'env' });
      out.values.push(v);
      return v;
    }
    out.problems.push({ path, message: 'a secret is a string, { file: PATH } or { env: NAME }' });
    return value;
  };
  const walk = (s: z.ZodType, value: unknown, path: (string | number)[]): unknown => {
    if (value === undefined) return value;
    if (marked.has(s)) return one(value, path);
    const inner = wrapped(s);
    if (inner !== undefined) return walk(inner, value, path);
    const def = defOf(s);
    switch (def.type) {
      case 'object': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
        const rec = value as Record<string, unknown>;
        for (const [k, sub] of Object.entries(def.shape as Record<string, z.ZodType>)) if (k in rec) rec[k] = walk(sub, rec[k], [...path, k]);
        return value;
      }
      case 'array':
        if (!Array.isArray(value)) return value;
        for (let i = 0; i < value.length; i++) value[i] = walk(def.element as z.ZodType, value[i], [...path, i]);
        return value;
      case 'record': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
        const rec = value as Record<string, unknown>;
        for (const k of Object.keys(rec)) rec[k] = walk(def.valueType as z.ZodType, rec[k], [...path, k]);
        return value;
      }
      default:
        return value;
    }
  };
  walk(schema, data, []);
  return out;
}

/** The most a secret file may hold: keys, tokens and URLs are short; a bigger file is the wrong file. */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

export function configDir(file: string): string {
  return dirname(resolvePath(file));
}
