// RADIUS test helpers: Debian's radclient (freeradius-utils) as the real
// client, and a lab config section for the listener. Loopback only.
import { execFile, spawnSync } from 'node:child_process';
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
