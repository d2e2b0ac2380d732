// ioredis's connectors, with every socket they open kept from ending the
// process.
//
// ioredis listens for a connection's 'error' with `once`, twice (its connector
// and its client), as if a socket reported one error at most. A TLS socket can
// report two: when ioredis ends it (a store closing, a sentinel client it is
// done with) while its handshake is failing, it emits the certificate error
// and then the server's alert — seen: SELF_SIGNED_CERT_IN_CHAIN, then
// ERR_SSL_TLSV1_ALERT_DECODE_ERROR, in 8 of 270 closes of a store whose CA is
// not the server's. The second error finds no listener: an uncaught
// exception, which ends a gateway (test/security/redis-tls-error-twice.test.ts).
// These connectors give each socket a lasting 'error' listener as soon as it
// exists. The first error still reaches ioredis as
// before (the store reports it, fails closed and reconnects); a later error
// on a socket that has already failed, and that ioredis has let go, is
// dropped.
//
// The standalone connector serves single servers and every cluster node; the
// sentinel one serves a Sentinel-managed primary and, through its clients
// for the sentinels themselves, the sentinels. The standalone one is loaded
// from its file (the package's index does not export it), like undici's parts
// (src/shared/undici.ts); test/identity/redis-connectors.test.ts checks that it
// is the one ioredis uses and that the sentinel hook below still exists.
import { createRequire } from 'node:module';
import { SentinelConnector, type RedisOptions } from 'ioredis';
import type { StandaloneConnector as StandaloneConnectorType } from 'ioredis/built/connectors/index.js';
import type { ErrorEmitter } from 'ioredis/built/connectors/AbstractConnector.js';
import type { NetStream } from 'ioredis/built/types.js';

const require = createRequire(import.meta.url);

/** ioredis's connector for one server (not exported by the package's index). */
export const StandaloneConnector = (require('ioredis/built/connectors/StandaloneConnector.js') as { default: typeof StandaloneConnectorType }).default;

const ignore = () => {};

/** The socket, with an 'error' listener that stays. */
function lasting(stream: NetStream): NetStream {
  stream.on('error', ignore);
  return stream;
}

/** One server or one cluster node. */
export class GuardedStandaloneConnector extends StandaloneConnector {
  override async connect(emit: ErrorEmitter): Promise<NetStream> {
    // Resolved before any I/O callback can run: no error can be emitted before the listener is on.
    return lasting(await super.connect(emit));
  }
}

/** How SentinelConnector makes its clients for the sentinels (a private method in ioredis's types). */
interface SentinelInternals {
  connectToSentinel(endpoint: unknown, options?: Record<string, unknown>): unknown;
}

const connectToSentinel = (SentinelConnector.prototype as unknown as SentinelInternals).connectToSentinel;

/**
 * A Sentinel-managed primary, and the sentinels. (ioredis hands its default
 * sentinel connector the client, to emit 'sentinelReconnecting' and
 * 'failoverSubscribed' on; a connector given as an option does not get it, and
 * hedge listens to neither.)
 */
export class GuardedSentinelConnector extends SentinelConnector {
  override async connect(emit: ErrorEmitter): Promise<NetStream> {
    return lasting(await super.connect(emit));
  }
}

// The clients for the sentinels (the primary's address, the failover detector) use the guarded standalone connector.
Object.defineProperty(GuardedSentinelConnector.prototype, 'connectToSentinel', {
  value(this: SentinelConnector, endpoint: unknown, options?: Record<string, unknown>) {
    return connectToSentinel.call(this, endpoint, { Connector: GuardedStandaloneConnector, ...options });
  },
});

/** The two as ioredis's `Connector` option takes them (its types name the same classes from two declaration files). */
export const guardedConnectors = {
  standalone: GuardedStandaloneConnector as unknown as NonNullable<RedisOptions['Connector']>,
  sentinel: GuardedSentinelConnector as unknown as NonNullable<RedisOptions['Connector']>,
};
