// Reads one capture file and picks its parser: HAR (JSON with log.entries),
// tshark text (a packet tree or fields with literal "\r\n"), raw HTTP dumps
// (a request line at the start of a line) or a plain header list.
import { readFileSync } from 'node:fs';
import type { ParseResult } from './capture.js';
import { REQUEST_LINE } from './capture.js';
import { parseHar } from './parse-har.js';
import { parseRaw } from './parse-raw.js';
import { parseTshark } from './parse-tshark.js';
import { parseHeaderList } from './parse-header-list.js';

export const FORMATS = ['har', 'raw', 'tshark', 'headers'] as const;
export type CaptureFormat = (typeof FORMATS)[number];

export function sniffFormat(buf: Buffer): CaptureFormat {
  const head = buf.subarray(0, 64 * 1024).toString('latin1');
  if (/^\s*\{/.test(head) && /"log"\s*:/.test(head)) return 'har';
  if (head.includes('Hypertext Transfer Protocol') || head.includes('\\r\\n')) return 'tshark';
  const firstLine = head.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  if (REQUEST_LINE.test(firstLine.replace(/\r$/, ''))) return 'raw';
  return 'headers';
}

export function parseCapture(buf: Buffer, file: string, format?: CaptureFormat): ParseResult & { format: CaptureFormat } {
  const f = format ?? sniffFormat(buf);
  const text = () => buf.toString('utf8');
  const r = f === 'har' ? parseHar(text(), file) : f === 'raw' ? parseRaw(buf, file) : f === 'tshark' ? parseTshark(text(), file) : parseHeaderList(text(), file);
  return { ...r, format: f };
}

export function readCapture(file: string, format?: CaptureFormat): ParseResult & { format: CaptureFormat } {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new Error(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  const config = format === undefined ? configFileKind(file, buf) : undefined;
  if (config) throw new Error(`${file}: ${config}, not a capture of traffic (give --format to read it as one anyway)`);
  return parseCapture(buf, file, format);
}

// Config files look like header lists ("key: value" lines) to the sniffer; a
// phone number in a static binding would then be reported as a leak.
const CONFIG_EXTENSIONS = /\.(ya?ml|toml|ini|conf|cfg|env|properties)$/i;
const HEDGE_SECTIONS = /^(operator|proxy|admin|subscribers|partners|radius|audit|canary|keys|alerts|reload):\s*$/m;

/** Why a file is a configuration file rather than a capture, or undefined. */
export function configFileKind(file: string, buf: Buffer): string | undefined {
  const head = buf.subarray(0, 64 * 1024).toString('utf8');
  if (HEDGE_SECTIONS.test(head) && /^(operator|partners):/m.test(head)) return 'a hedge config file';
  if (CONFIG_EXTENSIONS.test(file)) return `a configuration file (${/\.[^.]+$/.exec(file)![0]})`;
  return undefined;
}
