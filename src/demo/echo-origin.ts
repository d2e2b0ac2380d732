// The demo's origin: answers every request with the request it received as
// JSON (method, host, path, headers in order). Stands in for every *.example
// site, partner or not, so a reader sees exactly what each site would see.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenOn } from '../shared/listen.js';

export interface EchoOrigin {
  server: http.Server;
  address: AddressInfo;
  close(): Promise<void>;
}

export function echoResponse(req: http.IncomingMessage): {
  method: string;
  host: string | undefined;
  path: string;
  headers: Record<string, string | string[]>;
  rawHeaders: string[];
} {
  return { method: req.method ?? '', host: req.headers.host, path: req.url ?? '', headers: req.headers as Record<string, string | string[]>, rawHeaders: req.rawHeaders };
}

export function startEchoOrigin(host = '127.0.0.1', port = 0, onRequest?: (req: http.IncomingMessage) => void): Promise<EchoOrigin> {
  const server = http.createServer((req, res) => {
    onRequest?.(req);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ ...echoResponse(req), bodyBytes: chunks.reduce((n, c) => n + c.length, 0) }, null, 2) + '\n';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  // The demo's stand-in for a web site: a listener error after start (EMFILE…) only costs that connection.
  return listenOn(server, host, port, () => undefined).then((address) => ({
    server,
    address,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  }));
}
