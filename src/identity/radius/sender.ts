// A RADIUS accounting client: what a packet gateway sends, for labs
// (`hedge radius send`), tests and the bench. Encodes with the npm `radius`
// package and the 3GPP dictionary; checks the Accounting-Response authenticator.
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import { radiusWith3gpp, VENDOR_3GPP } from './dictionary.js';
import { octetsFromGroups, parseV6 } from '../../shared/binding-key.js';

export type SendStatus = 'start' | 'stop' | 'interim' | 'on' | 'off';

export interface AccountingMessage {
  status: SendStatus;
  framedIp?: string;
  msisdn?: string;
  imsi?: string;
  imeisv?: string;
  ratType?: number;
  sessionId?: string;
  interimInterval?: number;
  nasIp?: string;
  /** Event-Timestamp (55): when the event happened, seconds since the epoch. */
  eventTimestamp?: number;
  /** Acct-Delay-Time (41): seconds the NAS has been trying to send it. */
  delaySeconds?: number;
  /** Framed-IPv6-Prefix (97), e.g. "2001:db8:1:2::/64". */
  framedIpv6Prefix?: string;
  /** Delegated-IPv6-Prefix (123), e.g. "2001:db8:ff00::/56". */
  delegatedIpv6Prefix?: string;
  /** Framed-IPv6-Address (168): one address. */
  framedIpv6Address?: string;
}

/** Reserved(1) Prefix-Length(1) Prefix (only the octets the length needs) — RFC 3162 §2.3. */
export function encodeIpv6Prefix(prefix: string): Buffer {
  const slash = prefix.indexOf('/');
  const groups = slash > 0 ? parseV6(prefix.slice(0, slash)) : undefined;
  const length = Number(prefix.slice(slash + 1));
  if (!groups || !Number.isInteger(length) || length < 0 || length > 128) throw new Error(`"${prefix}" is not an IPv6 prefix such as 2001:db8::/64`);
  return Buffer.concat([Buffer.from([0, length]), octetsFromGroups(groups).subarray(0, Math.ceil(length / 8))]);
}

export function encodeIpv6Address(address: string): Buffer {
  const groups = parseV6(address);
  if (!groups) throw new Error(`"${address}" is not an IPv6 address`);
  return octetsFromGroups(groups);
}

const STATUS_NAME: Record<SendStatus, string> = { start: 'Start', stop: 'Stop', interim: 'Interim-Update', on: 'Accounting-On', off: 'Accounting-Off' };

export function encodeAccountingRequest(m: AccountingMessage, secret: string, identifier: number): Buffer {
  const attrs: unknown[][] = [['Acct-Status-Type', STATUS_NAME[m.status]]];
  attrs.push(['Acct-Session-Id', m.sessionId ?? randomBytes(8).toString('hex')]);
  if (m.nasIp) attrs.push(['NAS-IP-Address', m.nasIp]);
  if (m.framedIp) attrs.push(['Framed-IP-Address', m.framedIp]);
  if (m.framedIpv6Prefix) attrs.push([97, encodeIpv6Prefix(m.framedIpv6Prefix)]);
  if (m.delegatedIpv6Prefix) attrs.push([123, encodeIpv6Prefix(m.delegatedIpv6Prefix)]);
  if (m.framedIpv6Address) attrs.push([168, encodeIpv6Address(m.framedIpv6Address)]);
  if (m.msisdn) attrs.push(['Calling-Station-Id', m.msisdn]);
  if (m.interimInterval !== undefined) attrs.push(['Acct-Interim-Interval', m.interimInterval]);
  if (m.eventTimestamp !== undefined) attrs.push(['Event-Timestamp', new Date(m.eventTimestamp * 1000)]);
  if (m.delaySeconds !== undefined) attrs.push(['Acct-Delay-Time', m.delaySeconds]);
  const vsa: unknown[][] = [];
  if (m.imsi) vsa.push(['3GPP-IMSI', m.imsi]);
  if (m.imeisv) vsa.push(['3GPP-IMEISV', m.imeisv]);
  if (m.ratType !== undefined) vsa.push(['3GPP-RAT-Type', Buffer.from([m.ratType])]);
  if (vsa.length) attrs.push(['Vendor-Specific', VENDOR_3GPP, vsa]);
  return radiusWith3gpp().encode({ code: 'Accounting-Request', secret, identifier, attributes: attrs });
}

export interface SendOptions {
  timeoutMs?: number;
  retries?: number;
}

/** Sends one request and waits for a verified Accounting-Response; retransmits the same packet on timeout. */
export function sendAccounting(host: string, port: number, secret: string, m: AccountingMessage, opts: SendOptions = {}): Promise<{ attempts: number }> {
  const radius = radiusWith3gpp();
  const packet = encodeAccountingRequest(m, secret, randomBytes(1)[0]!);
  const socket = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  const timeoutMs = opts.timeoutMs ?? 2000;
  const retries = opts.retries ?? 2;
  return new Promise((resolve, reject) => {
    let attempts = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve({ attempts });
    };
    const send = () => {
      attempts++;
      socket.send(packet, port, host);
      timer = setTimeout(() => (attempts > retries ? done(new Error(`no Accounting-Response from ${host}:${port} after ${attempts} attempt(s)`)) : send()), timeoutMs);
    };
    socket.on('message', (msg) => {
      if (msg.length < 20 || msg[0] !== 5 || msg[1] !== packet[1]) return;
      if (responseVerifies(radius, packet, msg, secret)) done();
      // A response that does not verify is ignored, as RFC 2865 requires: keep waiting.
    });
    socket.on('error', (err) => done(err));
    send();
  });
}

function responseVerifies(radius: ReturnType<typeof radiusWith3gpp>, request: Buffer, response: Buffer, secret: string): boolean {
  try {
    // Copies: the package writes into the buffers while checking.
    return radius.verify_response({ request: Buffer.from(request), response: Buffer.from(response), secret });
  } catch {
    return false;
  }
}
