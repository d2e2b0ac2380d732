// Starting a server on host:port as a promise (every listener hedge opens).
// A listening server can still emit 'error' later (accept failing on EMFILE,
// for one): with no listener that would end the process, so every listener
// keeps one for its whole life and reports the error instead.
import type { AddressInfo, Server } from 'node:net';

/** Called for an error a listening server reports after it started; the server keeps serving. */
export type ListenerErrorReport = (err: NodeJS.ErrnoException) => void;

export function listenOn(server: Server, host: string, port: number, onError: ListenerErrorReport): Promise<AddressInfo> {
  return listenWith(server, { host, port }, onError);
}

/** listen() with full options (e.g. `exclusive` for a cluster worker's private port), same error handling. */
export function listenWith(server: Server, options: { host: string; port: number; exclusive?: boolean }, onError: ListenerErrorReport): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      server.on('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}
