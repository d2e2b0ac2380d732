// Closing a client connection after a last answer. end() alone half-closes it:
// a client that never reads or closes its side (a hostile one) would hold the
// descriptor for as long as it liked. It gets a short linger to read the
// answer, then the connection is destroyed.
import net from 'node:net';
import type { Duplex } from 'node:stream';

/** How long a client has to read a last answer before its connection is destroyed. */
export const LINGER_MS = 2000;

/** Ends our side of `socket` (after `last`, if given) and destroys it LINGER_MS later if the client has not closed its own. */
export function lingerThenClose(socket: Duplex, last?: string): void {
  if (last === undefined) socket.end();
  else socket.end(last);
  if (socket instanceof net.Socket) socket.setTimeout(LINGER_MS, () => socket.destroy());
}
