// The demo's front door: a lab CA and an operator certificate for 127.0.0.1
// and localhost (made with openssl in the demo's private temporary folder),
// the `frontDoor:` listener, and the partner demo-bank as a client allowed all
// three scopes (its public key: examples/demo-bank.jwks.json; its private key
// is the clearly named lab-only file next to it, so the demo can play the
// partner). The demo subscriber gets a birth date for the age checks.
import { fileURLToPath } from 'node:url';
import { parseDocument, isSeq, isMap } from 'yaml';
import { FRONT_DOOR_SCOPES } from '../config/front-door-scopes.js';
import { labPkiFailure, makeLabPkiFiles, type LabPkiFiles } from '../shared/lab-pki.js';

export const DEMO_BANK_JWKS = fileURLToPath(new URL('../../examples/demo-bank.jwks.json', import.meta.url));
export const DEMO_BANK_PRIVATE_KEY = fileURLToPath(new URL('../../examples/demo-bank.LAB-ONLY-private-key.jwk.json', import.meta.url));
export const DEMO_PARTNER_SCRIPT = fileURLToPath(new URL('../../examples/front-door-partner.mjs', import.meta.url));
export const DEMO_BIRTH_DATE = '1990-04-01';

export type DemoPki = LabPkiFiles;

/** A lab CA and a server certificate for the front door, in `dir`; the reason instead when openssl is missing or fails. */
export function makeDemoPki(dir: string): DemoPki | string {
  try {
    return makeLabPkiFiles(dir, { names: ['127.0.0.1', 'localhost'], caName: 'hedge demo lab CA (not for production)', days: 30 });
  } catch (err) {
    return labPkiFailure(err);
  }
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
