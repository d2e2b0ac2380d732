// Reading and parsing the YAML of a config file with bounds, so that neither
// `hedge policy validate` nor a reload inside a running gateway can be held for
// minutes by the file itself:
// - a file is read up to MAX_CONFIG_BYTES and no further (a config is written by
//   people; a bigger file is a mistake, a device or an attack);
// - its bytes must be UTF-8 (a Latin-1 byte would otherwise turn silently into
//   U+FFFD inside a host name or a header);
// - duplicate keys are found with one set per map (the yaml library's own
//   `uniqueKeys` check compares every key with every other: 10 000 keys took 7 s);
// - alias expansion stays within the yaml library's bound, reported with a line.
import { closeSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { LineCounter, isPair, isScalar, isSeq, parseDocument, visit, type Document } from 'yaml';
import { ConfigError, ErrorCodes, HedgeError, type ConfigIssue } from '../shared/errors.js';
import { dotted } from './key-path.js';
import { firstCauses, yamlErrorText } from './yaml-error-text.js';
import { readRegularFile, UnusableFileError } from '../shared/read-bounded.js';
import { fileErrorText } from '../shared/file-error-text.js';

/** The largest config file read (1 MiB); the demo config is 2 KiB, a config with a hundred partners well under 100 KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** How many times aliases may expand, counted as the yaml library does (its default, stated here so it is a choice). */
export const MAX_ALIAS_EXPANSION = 100;

/** The file's text: at most MAX_CONFIG_BYTES, UTF-8 (a byte order mark is allowed and dropped by the parser). */
export function readConfigText(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new HedgeError(ErrorCodes.CONFIG_READ, `${file}: cannot read config: ${fileErrorText(err)}`, { cause: err });
  }
  try {
    // Read one byte more than allowed, whatever the file claims to be (it may grow meanwhile; /dev/stdin has no size).
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    return configTextOf(buf.subarray(0, n), file);
  } catch (err) {
    if (err instanceof HedgeError) throw err;
    throw new HedgeError(ErrorCodes.CONFIG_READ, `${file}: cannot read config: ${fileErrorText(err)}`, { cause: err });
  } finally {
    closeSync(fd);
  }
}

/**
 * The text of the config file a running gateway reloads: a regular file only (opening a FIFO nobody writes to
 * would block the process that reloads — with --workers the primary, which owns the RADIUS listener), at most
 * MAX_CONFIG_BYTES, UTF-8. Read once per reload: with --workers the primary hands these bytes to every worker.
 */
export function readConfigTextForReload(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, MAX_CONFIG_BYTES);
  } catch (err) {
    const why = err instanceof UnusableFileError ? err.message : fileErrorText(err);
    throw new HedgeError(ErrorCodes.CONFIG_READ, `${file}: cannot read config: ${why}`, { cause: err });
  }
  return configTextOf(bytes, file);
}

/** Bytes read from a config file as its text: refused when larger than MAX_CONFIG_BYTES or not UTF-8 (with the line). */
function configTextOf(bytes: Buffer, file: string): string {
  if (bytes.length > MAX_CONFIG_BYTES)
    throw new HedgeError(ErrorCodes.CONFIG_READ, `${file}: cannot read config: larger than ${MAX_CONFIG_BYTES} bytes (1 MiB), the most a config file may be`);
  if (!isUtf8(bytes)) {
    const line = firstNonUtf8Line(bytes);
    throw new HedgeError(ErrorCodes.CONFIG_READ, `${file}:${line}: cannot read config: line ${line} is not UTF-8 (save the file as UTF-8)`);
  }
  return bytes.toString('utf8');
}

/** A newline byte never occurs inside a multi-byte UTF-8 sequence, so lines can be checked one by one. */
function firstNonUtf8Line(bytes: Buffer): number {
  let line = 1;
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(0x0a, start);
    if (!isUtf8(bytes.subarray(start, end === -1 ? bytes.length : end))) return line;
    if (end === -1) return line;
    start = end + 1;
    line++;
  }
}

export interface ParsedYaml {
  doc: Document;
  lc: LineCounter;
  data: unknown;
}

/** The document and its plain data; a ConfigError (file, line, column) for anything that is not one well-formed YAML map source. */
export function parseYaml(text: string, file: string): ParsedYaml {
  if (text.length > MAX_CONFIG_BYTES)
    throw new ConfigError([{ file, line: 1, column: 1, key: '', message: `larger than ${MAX_CONFIG_BYTES} bytes (1 MiB), the most a config may be`, severity: 'error' }]);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false });
  const at = (offset: number) => {
    const p = lc.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const syntax = firstCauses(
    doc.errors.map((e) => {
      // The parser notices an unclosed [, { or quote where the next block line starts; the mistake is at the opener.
      const closer = /end with a ([\]}])/.exec(e.message)?.[1];
      const quote = /closing (["'])quote/.exec(e.message)?.[1];
      const opener = closer ? unclosedOpener(text, e.pos[0], closer === ']' ? '[' : '{') : quote ? text.lastIndexOf(quote, e.pos[0] - 1) : -1;
      const offset = opener !== undefined && opener >= 0 ? opener : e.pos[0];
      return { code: e.code, message: e.message, offset, line: lc.linePos(offset).line };
    }),
  );
  const issues: ConfigIssue[] = syntax.map((e) => ({ ...at(e.offset), key: dotted(keyPathAt(doc, e.offset)), message: yamlErrorText(e), severity: 'error' as const }));
  if (issues.length) throw new ConfigError(issues);

  visit(doc, {
    Map(_, map, ancestors) {
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        const offset = (pair.key as { range?: [number, number, number] } | null)?.range?.[0] ?? map.range?.[0] ?? 0;
        if (!isScalar(pair.key)) {
          issues.push({ ...at(offset), key: dotted(pathOf(ancestors, map)), message: 'a key must be plain text, not a list, a map or an alias', severity: 'error' });
          continue;
        }
        const name = String(pair.key.value);
        // YAML 1.1 merge keys are not part of YAML 1.2, which hedge reads: "<<" would be taken as a key named "<<".
        if (name === '<<') {
          issues.push({
            ...at(offset),
            key: dotted(pathOf(ancestors, map)),
            message: 'merge keys ("<<: *anchor") are not supported: write the keys out here (an alias of a whole value, "key: *anchor", works)',
            severity: 'error',
          });
          continue;
        }
        const first = seen.get(name);
        if (first !== undefined)
          issues.push({
            ...at(offset),
            key: dotted([...pathOf(ancestors, map), name]),
            message: `duplicate key "${name}" (first on line ${lc.linePos(first).line}): YAML would keep only the last one silently; write it once`,
            severity: 'error',
          });
        else seen.set(name, offset);
      }
    },
  });
  if (issues.length) throw new ConfigError(issues.sort((a, b) => a.line - b.line || a.column - b.column));

  try {
    return { doc, lc, data: (doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION }) as unknown) ?? {} };
  } catch (err) {
    // The yaml library throws a ReferenceError for an alias whose anchor is not defined before it, and when
    // aliases expand beyond the bound (a billion-laughs document).
    const why = err instanceof Error ? err.message : String(err);
    const unresolved = /^Unresolved alias/.test(why) ? /: (\S+)$/.exec(why)?.[1] : undefined;
    let offset = 0;
    let path: (string | number)[] = [];
    visit(doc, {
      Alias(_, node) {
        if (unresolved !== undefined && node.source !== unresolved) return undefined;
        offset = node.range?.[0] ?? 0;
        path = keyPathAt(doc, offset);
        return visit.BREAK;
      },
    });
    let message: string;
    if (unresolved !== undefined) message = `the alias *${unresolved} names no anchor: define "&${unresolved}" on a value above it, or write the value out`;
    else if (/alias/i.test(why)) message = `anchors and aliases expand to too much (more than ${MAX_ALIAS_EXPANSION} times the aliased content): write the values out`;
    else message = `cannot read the YAML: ${why}`;
    issues.push({ ...at(offset), key: dotted(path), message, severity: 'error' });
    throw new ConfigError(issues);
  }
}

/** The key path of `node` from the visitor's ancestors (Document, Map, Pair, Seq …). */
function pathOf(ancestors: readonly unknown[], node: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const a = chain[i];
    const next = chain[i + 1];
    if (isPair(a) && isScalar(a.key)) path.push(String(a.key.value));
    else if (isSeq(a)) path.push(a.items.indexOf(next as never));
  }
  return path;
}

/** The offset of the last `open` bracket before `offset` that no closing bracket matches, or undefined. */
function unclosedOpener(text: string, offset: number, open: '[' | '{'): number | undefined {
  const close = open === '[' ? ']' : '}';
  let depth = 0;
  for (let i = Math.min(offset, text.length) - 1; i >= 0; i--) {
    if (text[i] === close) depth++;
    else if (text[i] === open && depth-- === 0) return i;
  }
  return undefined;
}

/** The key path of the innermost key whose entry (key and value) holds `offset`; [] at the top. */
function keyPathAt(doc: Document, offset: number): (string | number)[] {
  let best: (string | number)[] = [];
  visit(doc, {
    Pair(_, pair, ancestors) {
      const key = pair.key as { range?: [number, number, number] } | null;
      const value = pair.value as { range?: [number, number, number] } | null;
      const start = key?.range?.[0];
      const end = value?.range?.[1] ?? key?.range?.[1];
      if (start === undefined || end === undefined || offset < start || offset >= end || !isScalar(pair.key)) return undefined;
      best = [...pathOf(ancestors, pair), String(pair.key.value)];
      return undefined;
    },
  });
  // In a document the parser could not follow, a "key" may be a run of text (a value and the next line):
  // the path stops before the first segment that is not a plain key.
  const plain = best.findIndex((k) => typeof k === 'string' && !/^[A-Za-z0-9_*.-]+$/.test(k));
  return plain === -1 ? best : best.slice(0, plain);
}
