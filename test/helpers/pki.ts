// A throwaway lab PKI for TLS tests: a CA and a leaf certificate for the
// given DNS names (or IP addresses), made with the real openssl CLI
// (src/shared/lab-pki.ts) in a temp directory.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeLabPkiFiles } from '../../src/shared/lab-pki.js';

export interface LabPki {
  dir: string;
  caFile: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  cleanup(): void;
}

export function makeLabPki(names: string[], label = 'hedge-lab'): LabPki {
  const dir = mkdtempSync(join(tmpdir(), 'hedge-pki-'));
  // clientAuth too: Redis nodes present the same certificate when they connect to each other (cluster bus, replication).
  const files = makeLabPkiFiles(dir, { names, caName: `${label} test CA`, days: 2, clientAuth: true });
  return {
    dir,
    caFile: files.caFile,
    ca: readFileSync(files.caFile),
    cert: readFileSync(files.certFile),
    key: readFileSync(files.keyFile),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
