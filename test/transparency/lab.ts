// A gateway with the demo policy, a disclosure audit (SQLite) and the
// subscriber's page on loopback port 0, plus a browser-like client for the
// page that can speak from any 127.0.0.0/8 address.
import http from 'node:http';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../src/node/gateway.js';
import { loadConfigFile } from '../../src/config/load.js';
import { silentLogger, type Logger } from '../../src/shared/log.js';
import { DEMO_YAML } from '../helpers/gateway.js';
import type { AuditBackend } from '../helpers/audit.js';

export interface PageLab {
  origin: EchoOrigin;
  gw: RunningGateway;
  cfg: string;
  close(): Promise<void>;
}

export interface PageLabOptions {
  node: string;
  edit?: (yaml: string) => string;
  origin?: EchoOrigin;
  /** More lines of the transparency block, indented two spaces. */ page?: string;
  /** The gateway's logger (silent unless a test reads the log). */ log?: Logger;
  /** More keys of the audit section (e.g. retentionDays). */ audit?: Record<string, string | number | boolean>;
  /** More options of startGateway (e.g. retentionFirstRunMs). */ gateway?: Omit<GatewayOptions, 'log'>;
}

/** The lab's config file (be.dir/NODE.yaml) for an origin on `originPort`; also for a `hedge start` child. */
export function writePageLabConfig(be: AuditBackend, loc: { spec: string; schema: string }, o: Omit<PageLabOptions, 'origin' | 'log' | 'gateway'>, originPort: number): string {
  const demo = DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${originPort}`)
    .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
    .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0');
  const yaml =
    (o.edit ? o.edit(demo) : demo) +
    be.yaml(loc, { node: o.node, ...o.audit }) +
    '\ntransparency:\n  listen: 127.0.0.1:0\n  host: privacy.operator.example\n  rateLimitPerMinute: 1000\n' +
    (o.page ?? '');
  const cfg = join(be.dir, `${o.node}.yaml`);
  writeFileSync(cfg, yaml);
  return cfg;
}

export async function startPageLab(be: AuditBackend, loc: { spec: string; schema: string }, o: PageLabOptions = { node: 'gw' }): Promise<PageLab> {
  const origin = o.origin ?? (await startEchoOrigin('127.0.0.1', 0));
  const cfg = writePageLabConfig(be, loc, o, origin.address.port);
  const gw = await startGateway(loadConfigFile(cfg), { ...o.gateway, log: o.log ?? silentLogger });
  return {
    origin,
    gw,
    cfg,
    async close() {
      await gw.stop(200);
      if (!o.origin) await origin.close();
    },
  };
}

export interface PageReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to the page from `localAddress` (the phone's address as the page sees it). */
export function pageRequest(url: string, o: { localAddress?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<PageReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: o.method ?? 'GET', headers: o.headers, localAddress: o.localAddress ?? '127.0.0.1', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('page request timed out')));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The consent form of one partner on a rendered page: its hidden fields. */
export function consentForm(html: string, partner: string): Record<string, string> {
  const card = new RegExp(`<article[^>]*data-partner="${partner}"[\\s\\S]*?</article>`).exec(html)?.[0];
  if (!card) throw new Error(`no card for partner ${partner}`);
  const fields: Record<string, string> = {};
  for (const m of card.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)">/g))
    fields[m[1]!] = m[2]!.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
  return fields;
}

/** Submits a form the way the page's own browser would (same origin). */
export function postForm(base: string, fields: Record<string, string>, localAddress = '127.0.0.1', headers: Record<string, string> = {}): Promise<PageReply> {
  const body = new URLSearchParams(fields).toString();
  return pageRequest(`${base}/consent`, {
    method: 'POST',
    localAddress,
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base, 'sec-fetch-site': 'same-origin', ...headers },
  });
}
