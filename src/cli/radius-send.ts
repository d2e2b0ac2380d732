// hedge radius send start|stop|interim|on|off: a RADIUS accounting client for
// labs — sends what a packet gateway (GGSN/PGW) would, waits for the verified
// Accounting-Response. The shared secret comes from --secret or
// HEDGE_RADIUS_SECRET (kept out of the process list).
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { parseListen } from '../config/schema.js';
import { parseBindingKey } from '../shared/binding-key.js';
import { sendAccounting, type AccountingMessage, type SendStatus } from '../identity/radius/sender.js';

const STATUSES: SendStatus[] = ['start', 'stop', 'interim', 'on', 'off'];

interface SendOpts {
  server: string;
  secret?: string;
  ip?: string;
  ipv6Prefix?: string;
  delegatedPrefix?: string;
  ipv6Address?: string;
  msisdn?: string;
  imsi?: string;
  imeisv?: string;
  rat?: string;
  session?: string;
  interimInterval?: string;
  /** A time in seconds, or false for --no-event-timestamp; unset: now. */
  eventTimestamp?: string | boolean;
  timeout: string;
  retries: string;
}

export function registerRadius(program: Command): void {
  const radius = program.command('radius').description('RADIUS accounting tools for labs');
  radius
    .command('send')
    .description('send one Accounting-Request (start, stop, interim, on, off) and wait for the answer')
    .argument('<status>', STATUSES.join(' | '))
    .option('--server <host:port>', 'the gateway RADIUS listener', '127.0.0.1:1813')
    .option('--secret <secret>', 'shared secret (default: HEDGE_RADIUS_SECRET)')
    .option('--ip <address>', 'Framed-IP-Address (the subscriber address)')
    .option('--ipv6-prefix <prefix>', "Framed-IPv6-Prefix, e.g. 2001:db8:1:2::/64 (the phone's /64)")
    .option('--delegated-prefix <prefix>', 'Delegated-IPv6-Prefix, e.g. 2001:db8:ff00::/56')
    .option('--ipv6-address <address>', "Framed-IPv6-Address (bound at the NAS's radius.clients[].ipv6PrefixLength)")
    .option('--msisdn <number>', 'Calling-Station-Id')
    .option('--imsi <digits>', '3GPP-IMSI')
    .option('--imeisv <digits>', '3GPP-IMEISV')
    .option('--rat <n>', '3GPP-RAT-Type (UTRAN 1, GERAN 2, WLAN 3, EUTRAN 6, NR 10)')
    .option('--session <id>', 'Acct-Session-Id (a Stop must repeat the Start one)')
    .option('--interim-interval <seconds>', 'Acct-Interim-Interval')
    .option('--event-timestamp <seconds>', 'Event-Timestamp, seconds since the epoch (default: now, as a NAS sends it)')
    .option('--no-event-timestamp', 'send no Event-Timestamp (a NAS that omits it; radius.requireEventTimestamp refuses the packet)')
    .option('--timeout <ms>', 'wait per attempt', '2000')
    .option('--retries <n>', 'retransmissions of the same packet', '2')
    .action(async (status: string, o: SendOpts) => {
      const fail = (m: string): never => {
        console.error(m);
        process.exit(1);
      };
      if (!STATUSES.includes(status as SendStatus)) fail(`status must be one of ${STATUSES.join(', ')}`);
      const server = parseListen(o.server) ?? fail(`--server: expected host:port, got "${o.server}"`);
      const secret = o.secret ?? process.env.HEDGE_RADIUS_SECRET ?? fail('a shared secret is required (--secret or HEDGE_RADIUS_SECRET)');
      if (o.ip !== undefined && isIP(o.ip) !== 4) fail('--ip: Framed-IP-Address must be an IPv4 address');
      for (const [flag, v] of [
        ['--ipv6-prefix', o.ipv6Prefix],
        ['--delegated-prefix', o.delegatedPrefix],
      ] as const) {
        if (v === undefined) continue;
        const k = parseBindingKey(v);
        if (typeof k === 'string' || k.family !== 6 || !v.includes('/')) fail(`${flag}: expected an IPv6 prefix such as 2001:db8:1:2::/64`);
      }
      if (o.ipv6Address !== undefined && isIP(o.ipv6Address) !== 6) fail('--ipv6-address: expected an IPv6 address');
      const hasAddress = Boolean(o.ip || o.ipv6Prefix || o.delegatedPrefix || o.ipv6Address);
      if ((status === 'start' || status === 'interim') && (!hasAddress || !o.msisdn))
        fail(`${status} needs an address (--ip, --ipv6-prefix, --delegated-prefix or --ipv6-address) and --msisdn`);
      if (status === 'stop' && (!hasAddress || !o.session)) fail('stop needs an address of the session and --session (the session id of the Start)');
      const int = (name: string, v: string | undefined, max: number) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        return Number.isInteger(n) && n >= 0 && n <= max ? n : fail(`${name}: expected a whole number up to ${max}`);
      };
      const m: AccountingMessage = { status: status as SendStatus };
      if (o.ip) m.framedIp = o.ip;
      if (o.ipv6Prefix) m.framedIpv6Prefix = o.ipv6Prefix;
      if (o.delegatedPrefix) m.delegatedIpv6Prefix = o.delegatedPrefix;
      if (o.ipv6Address) m.framedIpv6Address = o.ipv6Address;
      if (o.msisdn) m.msisdn = o.msisdn;
      if (o.imsi) m.imsi = o.imsi;
      if (o.imeisv) m.imeisv = o.imeisv;
      // A Start without --session gets a fresh one, printed so the matching Stop can repeat it.
      if (o.session) m.sessionId = o.session;
      else if (status === 'start' || status === 'interim') m.sessionId = randomBytes(8).toString('hex');
      const rat = int('--rat', o.rat, 255);
      if (rat !== undefined) m.ratType = rat;
      const interim = int('--interim-interval', o.interimInterval, 2 ** 31);
      if (interim !== undefined) m.interimInterval = interim;
      // The event's time, as a NAS dates it: hedge orders and ages events by it (radius.maxEventAgeSeconds), and with
      // radius.requireEventTimestamp applies nothing without it.
      if (o.eventTimestamp !== false)
        m.eventTimestamp = typeof o.eventTimestamp === 'string' ? int('--event-timestamp', o.eventTimestamp, 2 ** 32 - 1) : Math.floor(Date.now() / 1000);
      try {
        const r = await sendAccounting(server.host, server.port, secret, m, { timeoutMs: int('--timeout', o.timeout, 60_000), retries: int('--retries', o.retries, 10) });
        console.log(`Accounting-Response received (${status}${m.sessionId ? `, session ${m.sessionId}` : ''}, ${r.attempts} attempt(s))`);
      } catch (err) {
        fail(`${(err as Error).message} — check --server, the secret, and that this host is a configured radius client`);
      }
    });
}
