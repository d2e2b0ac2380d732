// The canary's own origin: every canary request ends here, whatever host it
// named, and is answered with exactly what arrived (method, path, headers in
// order). Listens on loopback only; canary traffic never leaves the host.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenWith, type ListenerErrorReport } from '../shared/listen.js';

export interface Received {
  method: string;
  path: string;
  rawHeaders: string[];
}

export interface CanaryOrigin {
  address: AddressInfo;
  close(): Promise<void>;
}

export function startCanaryOrigin(host: string, onError: ListenerErrorReport): Promise<CanaryOrigin> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({ method: req.method ?? '', path: req.url ?? '', rawHeaders: req.rawHeaders } satisfies Received);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 5000;
  // exclusive: in a node:cluster worker, a port of its own (see listenExclusive in canary.ts).
  return listenWith(server, { host, port: 0, exclusive: true }, onError).then((address) => ({
    address,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  }));
}
