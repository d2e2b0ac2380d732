// A throwaway lab PKI made with the real openssl CLI: a CA and one leaf
// certificate (P-256) for the given DNS names or IP addresses, written to a
// folder the caller owns. The demo's front door, the tests and the bench all
// use this one, so a certificate they trust is made the same way everywhere.
// Lab only: the CA's key sits next to its certificate.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface LabPkiOptions {
  /** The leaf's subject alternative names; the first is also its CN. */
  names: readonly string[];
  /** The CA's common name. */
  caName: string;
  /** How long both certificates are valid. */
  days: number;
  /** Allow the leaf as a TLS client too (Redis nodes present theirs to each other). */
  clientAuth?: boolean;
}

export interface LabPkiFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Makes ca.pem, leaf.pem and leaf.key (and their by-products) in `dir`. Throws when openssl is missing or fails: see labPkiFailure. */
export function makeLabPkiFiles(dir: string, o: LabPkiOptions): LabPkiFiles {
  if (o.names.length === 0) throw new Error('a lab certificate needs at least one name');
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  const days = String(o.days);
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run(
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    days,
    '-subj',
    `/CN=${o.caName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  run('req', ...newKey, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${o.names[0]}`);
  const san = o.names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  writeFileSync(join(dir, 'leaf.ext'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth${o.clientAuth ? ',clientAuth' : ''}\n`);
  run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', days, '-extfile', 'leaf.ext');
  return { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'leaf.pem'), keyFile: join(dir, 'leaf.key') };
}

/** What went wrong making a lab PKI, in a line: openssl missing, or the first line of its complaint. */
export function labPkiFailure(err: unknown): string {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'openssl is not installed';
  const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split('\n')[0];
  return `openssl failed: ${stderr || (err as Error).message.split('\n')[0]}`;
}
