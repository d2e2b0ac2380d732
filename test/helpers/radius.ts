// RADIUS test helpers: Debian's radclient (freeradius-utils) as the real
// client, and a lab config section for the listener. Loopback only.
import { execFile, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { createHash } from 'node:crypto';
import { unavailable } from './services.js';

export const NAS_SECRET = 'lab-nas-shared-secret-0123456789';

/** The radius: section for demo.yaml edits: NAS 127.0.0.1, the 10/8 lab pool mapped onto 127/8. */
export function radiusYaml(extra = ''): string {
  return `radius:
  listen: 127.0.0.1:0
  clients:
    - { name: lab-pgw, address: 127.0.0.1, secret: "${NAS_SECRET}" }
  framedAddressMap:
    - { from: 10.0.0.0/8, to: 127.0.0.0/8 }
${extra}`;
}

/** demo.yaml edit adding the radius section (before partners:). */
export function withRadius(extra = ''): (yaml: string) => string {
  return (y) => y.replace(/^partners:/m, radiusYaml(extra) + 'partners:');
}

/** Returns undefined when radclient is there, else a skip message (throws under CI=true). */
export function radclientMissing(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v radclient'], { encoding: 'utf8' });
  return r.stdout.trim() ? undefined : unavailable('radclient', 'install freeradius-utils');
}

export interface RadclientResult {
  answered: boolean;
  output: string;
}

/**
 * Sends one accounting request with radclient. `attributes` is radclient's
 * input format ("Attr = value" lines). answered: an Accounting-Response came back.
 */
export function radclient(port: number, secret: string, attributes: string, opts: { timeoutS?: number; retries?: number; host?: string } = {}): Promise<RadclientResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'radclient',
      [
        '-x',
        '-r',
        String(opts.retries ?? 3),
        '-t',
        String(opts.timeoutS ?? 2),
        opts.host?.includes(':') ? `[${opts.host}]:${port}` : `${opts.host ?? '127.0.0.1'}:${port}`,
        'acct',
        secret,
      ],
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        const output = stdout + stderr;
        resolve({ answered: !err && /Received Accounting-Response/.test(output), output });
      },
    );
    child.stdin?.end(attributes);
  });
}

export function acct(fields: Record<string, string | number>): string {
  return (
    Object.entries(fields)
      .map(
        ([k, v]) =>
          `${k} = ${typeof v === 'number' || /^[A-Z][A-Za-z-]+$/.test(v) || /^\d+\.\d+\.\d+\.\d+$/.test(v) || /^[0-9a-f]*:[0-9a-f:]*(\/\d+)?$/i.test(v) ? v : JSON.stringify(v)}`,
      )
      .join('\n') + '\n'
  );
}

/** A radius: section with two NAS clients, 127.0.0.1 (pgw1) and 127.0.0.2 (pgw2), each with its own secret; the 10/8 lab pool mapped onto 127/8. */
export const TWO_NAS_SECRETS = { pgw1: 'lab-pgw1-secret-0123456789abcdef', pgw2: 'lab-pgw2-secret-0123456789abcdef' };
export function withTwoNas(yaml: string): string {
  return yaml.replace(
    /^partners:/m,
    `radius:
  listen: 127.0.0.1:0
  clients:
    - { name: pgw1, address: 127.0.0.1, secret: "${TWO_NAS_SECRETS.pgw1}" }
    - { name: pgw2, address: 127.0.0.2, secret: "${TWO_NAS_SECRETS.pgw2}" }
  framedAddressMap:
    - { from: 10.0.0.0/8, to: 127.0.0.0/8 }
partners:`,
  );
}

/** One raw attribute (type, length, value): for packets the lab sender would not build. */
export const rawAttribute = (type: number, value: Buffer): Buffer => Buffer.concat([Buffer.from([type, value.length + 2]), value]);

/** A 32-bit integer attribute value. */
export const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

/** An Accounting-Request with these raw attributes and a valid request authenticator (RFC 2866 §3). */
export function signedAccounting(identifier: number, attrs: Buffer[], secret = NAS_SECRET): Buffer {
  const body = Buffer.concat(attrs);
  const p = Buffer.alloc(20 + body.length);
  p[0] = 4;
  p[1] = identifier;
  p.writeUInt16BE(p.length, 2);
  body.copy(p, 20);
  createHash('md5').update(p.subarray(0, 4)).update(Buffer.alloc(16)).update(body).update(secret).digest().copy(p, 4);
  return p;
}

/**
 * Sends one datagram (an encoded Accounting-Request) from a given loopback
 * source address, as a NAS there would; resolves with the reply, or undefined
 * when none came within `timeoutMs`.
 */
export function sendFrom(port: number, from: string, packet: Buffer, timeoutMs = 1000): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, from, () => {
      const t = setTimeout(() => {
        s.close();
        resolve(undefined);
      }, timeoutMs);
      s.on('message', (m) => {
        clearTimeout(t);
        s.close();
        resolve(m);
      });
      s.send(packet, port, '127.0.0.1');
    });
  });
}

export interface CaptureRelay {
  /** The port a NAS (radclient) sends to. */
  port: number;
  /** Every request datagram that went through, as sent (what an on-path attacker records). */
  captured: Buffer[];
  close(): Promise<void>;
}

/**
 * A UDP relay on loopback between a NAS and the listener at `targetPort`,
 * recording each request's bytes: the real packets a real client sent, to
 * replay later. Answers are relayed back to the sender.
 */
export async function captureRelay(targetPort: number): Promise<CaptureRelay> {
  const front = dgram.createSocket('udp4');
  const back = dgram.createSocket('udp4');
  const captured: Buffer[] = [];
  let client: dgram.RemoteInfo | undefined;
  front.on('message', (m, rinfo) => {
    client = rinfo;
    captured.push(Buffer.from(m));
    back.send(m, targetPort, '127.0.0.1');
  });
  back.on('message', (m) => {
    if (client) front.send(m, client.port, client.address);
  });
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => back.bind(0, '127.0.0.1', () => r()));
  return {
    port: front.address().port,
    captured,
    close: async () => {
      await new Promise<void>((r) => front.close(() => r()));
      await new Promise<void>((r) => back.close(() => r()));
    },
  };
}
