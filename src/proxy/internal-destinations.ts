// hedge's own listeners a phone may reach through the forward proxy: the
// front door (by CONNECT) and the subscriber's own page (plain HTTP). A
// request to one of these authorities never becomes an ordinary upstream
// connection (the destination policy refuses loopback and
// internal addresses, and rightly): the tunnel is handed over in-process to
// the listener together with the phone's address, so the listener recognises
// the subscriber exactly as if the phone had connected directly. Being
// in-process, this hop cannot be forged from the network. The proxy consults
// this small table before the port allow-list and the destination policy.
import type { Duplex } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Takes over a tunnel: the client socket after "200 Connection Established", the phone's address, and bytes already read. */
export type InternalHandler = (socket: Duplex, clientAddress: string, head: Buffer) => void;

/** Answers one plain-HTTP request in-process, knowing the phone's address (the proxy never forwards it). */
export type InternalHttpHandler = (req: IncomingMessage, res: ServerResponse, clientAddress: string) => void;

export class InternalDestinations {
  private readonly table = new Map<string, InternalHandler>();
  private readonly http = new Map<string, InternalHttpHandler>();

  /** Registers a plain-HTTP destination (host, port); returns a function that removes it. */
  addHttp(host: string, port: number, handler: InternalHttpHandler): () => void {
    const key = `${host.toLowerCase()}\u0000${port}`;
    this.http.set(key, handler);
    return () => {
      if (this.http.get(key) === handler) this.http.delete(key);
    };
  }

  lookupHttp(host: string, port: number): InternalHttpHandler | undefined {
    if (this.http.size === 0) return undefined;
    return this.http.get(`${host.toLowerCase()}\u0000${port}`);
  }

  /** Registers host (name or IP literal, IPv6 without brackets) and port; returns a function that removes it. */
  add(host: string, port: number, handler: InternalHandler): () => void {
    const key = `${host.toLowerCase()}\u0000${port}`;
    this.table.set(key, handler);
    return () => {
      if (this.table.get(key) === handler) this.table.delete(key);
    };
  }

  lookup(host: string, port: number): InternalHandler | undefined {
    if (this.table.size === 0) return undefined;
    return this.table.get(`${host.toLowerCase()}\u0000${port}`);
  }
}
