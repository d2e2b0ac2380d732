// Opening connections through the destination policy: a raw TCP socket for
// relays (CONNECT tunnels, upgrades) and the connector undici's pools use for
// upstream requests. Both resolve once through the Dialer and connect to
// exactly the address it returned.
import net from 'node:net';
import type { buildConnector } from 'undici';
import { undiciConnector, undiciErrors } from '../shared/undici.js';
import type { Dialer } from './policy.js';

/**
 * Resolves and connects within `timeoutMs` (resolving included). The callback
 * runs once: with the connected socket, or with the error (a
 * DestinationRefused, a DNS error, a socket error, or a ConnectTimeoutError).
 */
export function connectTcp(
  dialer: Dialer,
  host: string,
  port: number,
  timeoutMs: number,
  track: (s: net.Socket) => void,
  cb: (err: Error | null, socket?: net.Socket) => void,
): () => void {
  let done = false;
  let socket: net.Socket | undefined;
  const finish = (err: Error | null, s?: net.Socket) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (err) socket?.destroy();
    cb(err, s);
  };
  const timer = setTimeout(() => finish(new undiciErrors.ConnectTimeoutError()), timeoutMs);
  dialer.resolve(host, port).then(
    (to) => {
      if (done) return;
      const s = net.connect({ host: to.address, port: to.port });
      socket = s;
      track(s);
      const onError = (err: Error) => finish(err);
      s.once('error', onError);
      s.once('connect', () => {
        s.off('error', onError);
        finish(null, s);
      });
    },
    (err: Error) => finish(err),
  );
  return () => finish(new Error('cancelled'));
}

/**
 * undici's connector with the destination policy in front: the pool's origin
 * keeps the host name (so pins and certificates use it), the socket goes to
 * the one address the policy checked.
 */
export function policyConnector(dialer: Dialer, opts: buildConnector.BuildOptions & { timeout: number }): buildConnector.connector {
  const base = undiciConnector(opts);
  return (o, cb) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      cb(new undiciErrors.ConnectTimeoutError(), null);
    }, opts.timeout);
    const port = Number(o.port) || (o.protocol === 'https:' ? 443 : 80);
    dialer.resolve(o.hostname, port).then(
      (to) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        base({ ...o, hostname: to.address, port: String(to.port) }, cb);
      },
      (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        cb(err, null);
      },
    );
  };
}
