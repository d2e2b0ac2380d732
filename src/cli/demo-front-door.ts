// The demo's front door: a lab CA and an operator certificate for 127.0.0.1
// and localhost (made with openssl in the demo's private temporary folder),
// the `frontDoor:` listener, and the partner demo-bank as a client allowed all
// three scopes (its public key: examples/demo-bank.jwks.json; its private key
// is the clearly named lab-only file next to it, so the demo can play the
// partner). The demo subscriber gets a birth date for the age checks.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, isSeq, isMap } from 'yaml';
import { FRONT_DOOR_SCOPES } from '../config/front-door-scopes.js';

export const DEMO_BANK_JWKS = fileURLToPath(new URL('../../examples/demo-bank.jwks.json', import.meta.url));
export const DEMO_BANK_PRIVATE_KEY = fileURLToPath(new URL('../../examples/demo-bank.LAB-ONLY-private-key.jwk.json', import.meta.url));
export const DEMO_PARTNER_SCRIPT = fileURLToPath(new URL('../../examples/front-door-partner.mjs', import.meta.url));
export const DEMO_BIRTH_DATE = '1990-04-01';

export interface DemoPki {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A lab CA and a server certificate for the front door, in `dir`; undefined (with the reason) when openssl is missing. */
export function makeDemoPki(dir: string): DemoPki | string {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  try {
    run(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'lab-ca.key',
      '-out',
      'lab-ca.pem',
      '-days',
      '30',
      '-subj',
      '/CN=hedge demo lab CA (not for production)',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'front-door.key', '-out', 'front-door.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'front-door.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    run(
      'x509',
      '-req',
      '-in',
      'front-door.csr',
      '-CA',
      'lab-ca.pem',
      '-CAkey',
      'lab-ca.key',
      '-CAcreateserial',
      '-out',
      'front-door.pem',
      '-days',
      '30',
      '-extfile',
      'front-door.ext',
    );
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'openssl is not installed' : `openssl failed: ${(err as Error).message.split('\n')[0]}`;
  }
  return { caFile: join(dir, 'lab-ca.pem'), certFile: join(dir, 'front-door.pem'), keyFile: join(dir, 'front-door.key') };
}

/** The demo config text with the front door, demo-bank and the subscriber's birth date added. */
export function addDemoFrontDoor(text: string, pki: DemoPki, listen: string): string {
  const doc = parseDocument(text);
  const statics = doc.getIn(['subscribers', 'static']);
  if (isSeq(statics)) for (const b of statics.items) if (isMap(b) && b.get('ip') === '127.0.0.1' && !b.has('birthDate')) b.set('birthDate', DEMO_BIRTH_DATE);
  doc.addIn(['partners'], {
    id: 'demo-bank',
    name: 'Demo Bank (front-door client)',
    purpose: 'fraud prevention',
    legalBasis: 'legitimate-interest',
    hosts: ['bank.example'],
    frontDoor: {
      clientId: 'demo-bank',
      jwksFile: DEMO_BANK_JWKS,
      redirectUris: ['https://bank.example/callback'],
      scopes: [...FRONT_DOOR_SCOPES],
      purpose: 'dpv:FraudPreventionAndDetection',
    },
  });
  const port = listen.slice(listen.lastIndexOf(':') + 1);
  doc.set('frontDoor', { listen, ...(port !== '0' ? { issuer: `https://${listen}` } : {}), cert: pki.certFile, key: pki.keyFile });
  return String(doc);
}
