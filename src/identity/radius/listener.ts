// The RADIUS accounting listener (RFC 2866, UDP). Every datagram is vetted in
// this order, and anything that fails is dropped, counted and never answered:
//   known NAS source → well-formed framing → request authenticator verifies
//   → Message-Authenticator, when present, verifies (RFC 3579 §3.2)
// Then a retransmission is answered again from the cache without being
// applied twice; a new request is applied to the binding store and answered
// only once the store has it (a NAS retransmits what it sees unanswered).
// No datagram, however malformed, can throw out of the handler.
import dgram from 'node:dgram';
import { isIP, type AddressInfo } from 'node:net';
import type { RadiusConfig } from '../../config/schema.js';
import { parseListen } from '../../config/schema.js';
import type { BindingStore } from '../store.js';
import type { Logger } from '../../shared/log.js';
import { compileAddressMap, compileClients, canonical, type ClientTable } from './clients.js';
import { RetransmissionCache } from './dedupe.js';
import { checkFrame, decodeAccounting, encodeAccountingResponse, messageAuthenticatorValid, requestAuthenticatorValid, type AccountingRequest } from './packet.js';
import { applyAccounting, type AccountingContext } from './accounting.js';
import type { RadiusMetrics } from './metrics.js';
import { RefusalLog } from './refusal-log.js';
import { nasIdentity } from './nas-identity.js';

export interface RadiusListenerDeps {
  config: RadiusConfig;
  country: string;
  store: BindingStore;
  metrics: RadiusMetrics;
  log: Logger;
  now?: () => number;
}

export class RadiusListener {
  private readonly socket: dgram.Socket;
  private readonly clients: ClientTable;
  private readonly seen = new RetransmissionCache();
  private readonly ctx: AccountingContext;
  private storeDown = false;
  private readonly refusals: RefusalLog;

  constructor(private readonly deps: RadiusListenerDeps) {
    const listen = parseListen(deps.config.listen)!;
    this.socket = dgram.createSocket({ type: isIP(listen.host) === 6 ? 'udp6' : 'udp4', reuseAddr: false });
    this.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    this.socket.on('error', (err) => deps.log.error('radius socket error', { code: (err as NodeJS.ErrnoException).code }));
    this.clients = compileClients(deps.config.clients, deps.config.numberFormat);
    this.refusals = new RefusalLog(deps.log, 10_000, deps.now);
    this.ctx = {
      store: deps.store,
      country: deps.country,
      interimMultiplier: deps.config.interimMultiplier,
      interimIntervalSeconds: deps.config.interimIntervalSeconds,
      mapAddress: compileAddressMap(deps.config.framedAddressMap),
      now: deps.now ?? Date.now,
      freshness: deps.config,
    };
  }

  listen(override?: string): Promise<AddressInfo> {
    const l = parseListen(override ?? this.deps.config.listen)!;
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(l.port, l.host, () => {
        this.socket.off('error', reject);
        resolve(this.socket.address());
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // never bound or already closed
      }
    });
  }

  private reply(response: Buffer, to: dgram.RemoteInfo): void {
    try {
      this.socket.send(response, to.port, to.address);
    } catch {
      // The socket closed while the store was answering (shutdown): the NAS will retransmit elsewhere.
    }
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const m = this.deps.metrics;
    try {
      const source = canonical(rinfo.address);
      const client = this.clients.match(source);
      if (!client) return this.refuse('unknown_client', 'radius: datagram refused: the source is not a configured NAS client', source);
      const frame = checkFrame(msg);
      if (typeof frame === 'string') {
        const reason = frame === 'unsupported_code' ? 'unsupported_code' : 'malformed';
        return this.refuse(
          reason,
          reason === 'malformed' ? 'radius: datagram refused: not a well-formed RADIUS packet' : 'radius: datagram refused: not an Accounting-Request',
          client.name,
        );
      }
      const packet = msg.subarray(0, frame);
      if (!requestAuthenticatorValid(packet, client.secretBytes))
        return this.refuse('bad_authenticator', 'radius: datagram refused: the request authenticator does not verify (wrong shared secret?)', client.name);
      if (!messageAuthenticatorValid(packet, client.secretBytes))
        return this.refuse('bad_authenticator', 'radius: datagram refused: its Message-Authenticator does not verify', client.name);

      const key = RetransmissionCache.key(source, rinfo.port, packet);
      const prior = this.seen.get(key);
      if (prior) {
        m.packet('duplicate');
        if (prior.response) this.reply(prior.response, rinfo);
        return; // still being applied: its answer is on the way
      }
      let req: AccountingRequest;
      try {
        req = decodeAccounting(packet);
      } catch {
        return this.refuse('malformed', 'radius: datagram refused: its attributes do not decode', client.name);
      }
      for (const a of req.dropped) m.attributeDropped(a);
      this.seen.begin(key);
      applyAccounting(req, nasIdentity(source, req), this.ctx, client.numberFormat, client.ipv6PrefixLength).then(
        (applied) => {
          if (this.storeDown) {
            this.storeDown = false;
            this.deps.log.info('radius: binding store reachable again');
          }
          m.packet('accepted');
          m.applied(req.status, applied.outcome);
          if (applied.stale) {
            m.stale(req.status, applied.stale);
            this.refusals.refused('radius: accounting acknowledged, not applied: its event time makes it stale (replayed or long delayed)', `stale_${applied.stale}`, client.name, {
              status: req.status,
            });
          }
          if (applied.refusal) {
            m.numberRefused(applied.refusal);
            this.refusals.refused(
              'radius: accounting acknowledged, nothing bound, the addresses unbound: the Calling-Station-Id is not a usable number',
              `number_${applied.refusal}`,
              client.name,
              {
                status: req.status,
                numberFormat: client.numberFormat,
                country: this.deps.country,
                unbound: applied.cleared ?? 0,
              },
            );
          } else if (applied.outcome === 'invalid')
            this.refusals.refused('radius: accounting acknowledged, nothing bound, the addresses unbound: a required attribute is missing', 'missing_attribute', client.name, {
              status: req.status,
              attribute: applied.missing,
              unbound: applied.cleared ?? 0,
            });
          const response = encodeAccountingResponse(packet, client.secretBytes);
          this.seen.finish(key, response);
          this.reply(response, rinfo);
        },
        (err: unknown) => {
          // Not recorded, so not answered: the NAS will retransmit and it is tried again.
          this.seen.abandon(key);
          m.packet('store_error');
          if (!this.storeDown) {
            this.storeDown = true;
            this.deps.log.error('radius: binding store unavailable; accounting not acknowledged until it returns', {
              code: (err as { code?: string })?.code,
              error: (err as Error)?.name,
            });
          }
        },
      );
    } catch (err) {
      m.packet('malformed');
      this.deps.log.warn('radius: datagram could not be handled', { error: (err as Error)?.name });
    }
  }

  /** Drops a datagram: counted, logged (rate limited), never answered. */
  private refuse(reason: 'unknown_client' | 'malformed' | 'unsupported_code' | 'bad_authenticator', msg: string, nas: string): void {
    this.deps.metrics.packet(reason);
    this.refusals.refused(msg, reason, nas);
  }
}
