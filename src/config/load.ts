// Loading a config file: YAML → validated Config, every problem located by
// file, line and key so an operator can fix it without guessing.
import { issueText, valueAt } from './issue-text.js';
import { closest } from './suggest.js';
import { keysAt } from './schema-keys.js';
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import { configSchema, type Config } from './schema.js';
import { ConfigError, type ConfigIssue } from '../shared/errors.js';
import { semanticIssues } from './semantic.js';
import { lintIssue, lintPolicy } from './lint.js';
import { configDir, resolveSecrets, type SecretUse } from './secret.js';
import { inlineSecretIssues } from './semantic-secrets.js';
import { parseYaml, readConfigText } from './yaml-source.js';

export type KeyPath = readonly (string | number)[];

export interface LoadedConfig {
  config: Config;
  file: string;
  /** The line of a key path in the source (1-based); 0 when unknown. */
  lineOf(path: KeyPath): number;
  /** Problems that do not stop a start (shown by validate and logged at start). */
  warnings: ConfigIssue[];
  /** Policy lint findings (src/policy/lint.ts), errors and warnings; errors are fatal unless loaded with `lints: 'report'`. */
  lints: ConfigIssue[];
  /** Where each secret-bearing key took its value from (inline, file, env); never the value. */
  secrets: SecretUse[];
  /** The YAML as read (a --workers primary hands it to the workers it starts: src/cluster/config-snapshot.ts). */
  text: string;
}

export interface ParseOptions {
  /** 'enforce' (default): a lint error refuses the file. 'report': load anyway (policy diff reviews a proposed change). */
  lints?: 'enforce' | 'report';
  /** The time lints judge `until:` dates against (ms since the epoch). */
  now?: number;
  /** Read the YAML from this file instead; `file` still names the config (relative paths, messages). A --workers worker reads the primary's copy of the policy in force. */
  textFrom?: string | undefined;
}

export function loadConfigFile(file: string, opts: ParseOptions = {}): LoadedConfig {
  return parseConfig(readConfigText(opts.textFrom ?? file), file, opts);
}

export function parseConfig(text: string, file: string, opts: ParseOptions = {}): LoadedConfig {
  // Bounded size, one set per map for duplicate keys, bounded alias expansion (src/config/yaml-source.ts).
  const { doc, lc, data } = parseYaml(text, file);
  const issues: ConfigIssue[] = [];
  const locate = (path: KeyPath, wantKey = false) => position(doc, lc, path, wantKey);
  // {file}/{env} references become values before validation (src/config/secret.ts).
  const secrets = resolveSecrets(configSchema, data, configDir(file));
  if (secrets.problems.length)
    throw new ConfigError(secrets.problems.map((p) => ({ file, ...locate(p.path), key: dotted(p.path), message: p.message, severity: 'error' as const })));
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    // A mistyped key is one mistake, said once: "operater" is reported as meaning "operator", and the
    // "missing required key operator" that follows from it is not reported besides.
    const meant = new Set<string>();
    for (const issue of parsed.error.issues) {
      if (issue.code !== 'unrecognized_keys') continue;
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const known = keysAt(configSchema, path);
      const present = (valueAt(data, path) ?? {}) as Record<string, unknown>;
      for (const k of issue.keys) {
        const pos = locate([...path, k], true);
        const guess = closest(
          k,
          known.filter((c) => !(c in present)),
        );
        if (guess !== undefined) meant.add(dotted([...path, guess]));
        issues.push({ file, ...pos, key: dotted([...path, k]), message: unknownKeyText(k, guess, known), severity: 'error' });
      }
    }
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') continue;
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const missing = issue.code === 'invalid_type' && valueAt(data, path) === undefined;
      if (missing && meant.has(dotted(path))) continue;
      // A missing key is pointed at by its parent's key (the map it belongs in), not by the map's first entry.
      const pos = missing && path.length > 1 ? locate(path.slice(0, -1), true) : locate(path);
      issues.push({ file, ...pos, key: dotted(path), message: issueText(issue, data), severity: 'error' });
    }
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ConfigError(issues);
  }
  const lineOf = (p: KeyPath) => locate(p).line;
  const openSecretFiles = secrets.warnings.map((w) => ({ file, ...locate(w.path), key: dotted(w.path), message: w.message, severity: 'warning' as const }));
  const semantic = [...semanticIssues(parsed.data, file, lineOf), ...inlineSecretIssues(parsed.data, secrets.uses, file, lineOf), ...openSecretFiles];
  const lints: ConfigIssue[] = lintPolicy(parsed.data, opts.now).map((l) => lintIssue(l, file, lineOf));
  const fatal = [...semantic, ...(opts.lints === 'report' ? [] : lints)];
  if (fatal.some((i) => i.severity === 'error')) throw new ConfigError([...semantic, ...lints].sort((a, b) => a.line - b.line));
  return {
    config: parsed.data,
    file,
    lineOf,
    warnings: [...semantic.filter((i) => i.severity === 'warning'), ...lints.filter((l) => l.severity === 'warning')],
    lints,
    secrets: secrets.uses,
    text,
  };
}

/** 'unknown key "lsiten": did you mean "listen"?', or the keys the map takes when none is close. */
function unknownKeyText(key: string, guess: string | undefined, known: readonly string[]): string {
  if (guess !== undefined) return `unknown key "${key}": did you mean "${guess}"?`;
  if (known.length === 0) return `unknown key "${key}"`;
  return `unknown key "${key}"; the keys here are ${known.join(', ')}`;
}

/** "partners[1].send[0].attribute" */
export function dotted(path: KeyPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s;
}

/** Finds the closest existing node for a key path (a missing key points at its parent). */
function position(doc: Document, lc: LineCounter, path: KeyPath, wantKey: boolean): { line: number; column: number } {
  let node: unknown = doc.contents;
  let best: Node | undefined = (doc.contents as Node | null) ?? undefined;
  let keyNode: Node | undefined;
  for (const seg of path) {
    keyNode = undefined;
    if (isMap(node)) {
      const pair = node.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      keyNode = pair.key as Node;
      node = pair.value;
      best = (pair.value as Node | null) ?? keyNode;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      best = item as Node;
    } else break;
  }
  const target = wantKey && keyNode ? keyNode : best;
  const offset = target?.range?.[0] ?? 0;
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}
