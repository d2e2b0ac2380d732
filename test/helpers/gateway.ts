// Test harness: real gateways on 127.0.0.1 port 0 with the demo config, a
// real echo origin, and plain HTTP clients. Every test talks only to loopback.
import http from 'node:http';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { parseConfig, type LoadedConfig } from '../../src/config/load.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../src/node/gateway.js';
import { startEchoOrigin, type EchoOrigin } from '../../src/demo/echo-origin.js';
import { silentLogger } from '../../src/shared/log.js';

export const DEMO_YAML = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');

/** The demo config with every resolve entry pinned to `origin` and ports set to 0. */
export function demoConfig(origin: EchoOrigin, edit?: (yaml: string) => string): LoadedConfig {
  let text = DEMO_YAML.replace('127.0.0.1:8081', `127.0.0.1:${origin.address.port}`)
    .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
    .replace('listen: 127.0.0.1:9090', 'listen: 127.0.0.1:0');
  if (edit) text = edit(text);
  return parseConfig(text, 'demo.yaml');
}

export interface Lab {
  origin: EchoOrigin;
  gw: RunningGateway;
  close(): Promise<void>;
}

export async function startLab(opts: GatewayOptions & { edit?: (yaml: string) => string } = {}): Promise<Lab> {
  const origin = await startEchoOrigin('127.0.0.1', 0);
  const gw = await startGateway(demoConfig(origin, opts.edit), { log: silentLogger, ...opts });
  return {
    origin,
    gw,
    async close() {
      await gw.stop(200);
      await origin.close();
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json<T = EchoBody>(): T;
}

export interface EchoBody {
  method: string;
  host: string;
  path: string;
  headers: Record<string, string | string[]>;
  rawHeaders: string[];
  bodyBytes: number;
}

/** Sends one request through a forward proxy (absolute-form), as a phone's browser would. */
export function viaProxy(
  proxy: { port: number; address?: string },
  url: string,
  init: { method?: string; headers?: Record<string, string | string[]> | [string, string][]; body?: string | Buffer; localAddress?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: proxy.address ?? '127.0.0.1',
      port: proxy.port,
      method: init.method ?? 'GET',
      path: url,
      headers: init.headers as http.OutgoingHttpHeaders,
      localAddress: init.localAddress,
      agent: false,
    });
    req.setTimeout(10_000, () => req.destroy(new Error('test request timed out')));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Writes raw bytes to a port and collects everything until the peer closes (or the timeout). */
export function rawExchange(port: number, bytes: string | Buffer, timeoutMs = 3000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let closed = false;
    const t = setTimeout(() => {
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    }, timeoutMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      clearTimeout(t);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    });
    s.write(bytes);
  });
}

/** Every header value an origin received, lower-cased names → values. */
export function receivedValues(echo: EchoBody): string[] {
  const out: string[] = [];
  for (let i = 1; i < echo.rawHeaders.length; i += 2) out.push(echo.rawHeaders[i]!);
  return out;
}

/** True under CI=true, where a missing service must fail the run instead of skipping. */
export const IN_CI = process.env.CI === 'true';
