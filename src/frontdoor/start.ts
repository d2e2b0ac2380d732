// Starting the front door from the config: read the operator's certificate
// and key (errors name file, line and key), build and listen.
import { readFileSync } from 'node:fs';
import { fileErrorText } from '../shared/file-error-text.js';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from '../config/load.js';
import { dotted } from '../config/load.js';
import { parseListen } from '../config/schema.js';
import { ConfigError } from '../shared/errors.js';
import { resolveConfigPath } from '../keys/material.js';
import { FrontDoor, type FrontDoorOptions } from './server.js';

export interface RunningFrontDoor {
  frontDoor: FrontDoor;
  address: AddressInfo;
  /** The issuer URL (https://…). */
  url: string;
}

export async function startFrontDoor(loaded: LoadedConfig, deps: Omit<FrontDoorOptions, 'config' | 'tls'>, listen?: string): Promise<RunningFrontDoor | undefined> {
  const fd = loaded.config.frontDoor;
  if (!fd) return undefined;
  const read = (key: 'cert' | 'key', marker: string): Buffer => {
    const path = resolveConfigPath(loaded.file, fd[key]);
    let pem: Buffer;
    try {
      pem = readFileSync(path);
    } catch (err) {
      throw issue(loaded, key, `cannot read ${fd[key]}: ${fileErrorText(err)}`);
    }
    if (!pem.includes(marker)) throw issue(loaded, key, `${fd[key]} holds no PEM ${key === 'cert' ? 'certificate' : 'private key'}`);
    return pem;
  };
  const tls = { cert: read('cert', '-----BEGIN CERTIFICATE-----'), key: read('key', 'PRIVATE KEY-----') };
  const frontDoor = new FrontDoor({ ...deps, config: fd, tls });
  const l = parseListen(listen ?? fd.listen)!;
  const address = await frontDoor.listen(l.host, l.port);
  return { frontDoor, address, url: frontDoor.endpoints.issuer };
}

function issue(loaded: LoadedConfig, key: string, message: string): ConfigError {
  const path = ['frontDoor', key];
  return new ConfigError([{ file: loaded.file, line: loaded.lineOf(path), column: 1, key: dotted(path), message, severity: 'error' }]);
}
